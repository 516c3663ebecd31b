import type { Message } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { failedMessageIds, toSqsEvent, toSqsRecord } from "../../../../local/aws/sqs-event.ts";

const source = { arn: "arn:aws:sqs:us-east-1:000000000000:pacer-openf1-normal", region: "us-east-1" };

const received = (id: string, extra: Partial<Message> = {}): Message => ({
  MessageId: id,
  ReceiptHandle: `rh-${id}`,
  Body: `{"n":"${id}"}`,
  MD5OfBody: "0123456789abcdef0123456789abcdef",
  Attributes: {
    ApproximateReceiveCount: "2",
    SentTimestamp: "1700000000000",
    SenderId: "AIDA",
    ApproximateFirstReceiveTimestamp: "1700000000100",
  },
  ...extra,
});

describe("toSqsRecord", () => {
  it("builds the record Lambda's SQS event source delivers", () => {
    const record = toSqsRecord(received("m1"), source);

    expect(record).toEqual({
      messageId: "m1",
      receiptHandle: "rh-m1",
      body: '{"n":"m1"}',
      attributes: {
        ApproximateReceiveCount: "2",
        SentTimestamp: "1700000000000",
        SenderId: "AIDA",
        ApproximateFirstReceiveTimestamp: "1700000000100",
      },
      messageAttributes: {},
      md5OfBody: "0123456789abcdef0123456789abcdef",
      eventSource: "aws:sqs",
      eventSourceARN: source.arn,
      awsRegion: "us-east-1",
    });
  });

  it("camel-cases message attributes and base64-encodes binary ones", () => {
    const record = toSqsRecord(
      received("m2", {
        MD5OfMessageAttributes: "fedcba",
        MessageAttributes: {
          reason: { DataType: "String", StringValue: "bad body" },
          blob: { DataType: "Binary", BinaryValue: new Uint8Array([1, 2, 3]) },
        },
      }),
      source,
    );

    expect(record.messageAttributes).toEqual({
      reason: { stringValue: "bad body", stringListValues: [], binaryListValues: [], dataType: "String" },
      blob: { binaryValue: "AQID", stringListValues: [], binaryListValues: [], dataType: "Binary" },
    });
    expect(record.md5OfMessageAttributes).toBe("fedcba");
  });

  it("keeps the batch in the order SQS returned it", () => {
    const event = toSqsEvent([received("a"), received("b")], source);

    expect(event.Records.map((r) => r.messageId)).toEqual(["a", "b"]);
  });
});

describe("failedMessageIds", () => {
  const batch = toSqsEvent([received("a"), received("b"), received("c")], source).Records;

  it("counts an empty or missing response as all succeeded", () => {
    expect(failedMessageIds(undefined, batch).size).toBe(0);
    expect(failedMessageIds(null, batch).size).toBe(0);
    expect(failedMessageIds({}, batch).size).toBe(0);
    expect(failedMessageIds({ batchItemFailures: [] }, batch).size).toBe(0);
  });

  it("returns the reported failures", () => {
    expect([...failedMessageIds({ batchItemFailures: [{ itemIdentifier: "b" }] }, batch)]).toEqual(["b"]);
  });

  it("fails the whole batch for an identifier that is empty or not in the batch", () => {
    expect(failedMessageIds({ batchItemFailures: [{ itemIdentifier: "" }] }, batch).size).toBe(3);
    expect(failedMessageIds({ batchItemFailures: [{ itemIdentifier: "zzz" }] }, batch).size).toBe(3);
    expect(failedMessageIds({ batchItemFailures: [{}] }, batch).size).toBe(3);
  });

  it("fails the whole batch for a response it cannot read", () => {
    expect(failedMessageIds("oops", batch).size).toBe(3);
    expect(failedMessageIds({ batchItemFailures: "b" }, batch).size).toBe(3);
  });
});
