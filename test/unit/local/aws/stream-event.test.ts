import type { _Record } from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { isBroadcastRecord, retryFrom, toLambdaStreamRecord } from "../../../../local/aws/stream-event.ts";

const STREAM = "arn:aws:dynamodb:ddblocal:000000000000:table/pacer-local-data/stream/2030-01-01T00:00:00.000";

const record = (
  pk: string,
  sequence = "1",
  extra: Partial<NonNullable<_Record["dynamodb"]>> = {},
): _Record => ({
  eventID: `e${sequence}`,
  eventName: "INSERT",
  eventVersion: "1.1",
  eventSource: "aws:dynamodb",
  awsRegion: "ddblocal",
  dynamodb: {
    ApproximateCreationDateTime: new Date("2030-01-01T00:00:07.900Z"),
    Keys: { pk: { S: pk }, sk: { S: "x" } },
    NewImage: { pk: { S: pk }, sk: { S: "x" } },
    SequenceNumber: sequence,
    SizeBytes: 10,
    StreamViewType: "NEW_AND_OLD_IMAGES",
    ...extra,
  },
});

describe("isBroadcastRecord", () => {
  it.each([
    ["ENT#default#openf1#meetings", true],
    ["JOB#default#m-1", true],
    ["HIST#default#openf1#meetings#1", false],
    ["STATUS#default", false],
  ])("%s → %s, like the deployed event filter", (pk, expected) => {
    expect(isBroadcastRecord(record(pk))).toBe(expected);
  });
});

describe("toLambdaStreamRecord", () => {
  it("shapes a record as Lambda delivers it: epoch seconds, the stream ARN, the stack's region", () => {
    const lambda = toLambdaStreamRecord(record("ENT#t#p#e"), STREAM, "us-east-1");

    expect(lambda).toEqual({
      eventID: "e1",
      eventName: "INSERT",
      eventVersion: "1.1",
      eventSource: "aws:dynamodb",
      awsRegion: "us-east-1",
      eventSourceARN: STREAM,
      dynamodb: {
        ApproximateCreationDateTime: 1893456007,
        Keys: { pk: { S: "ENT#t#p#e" }, sk: { S: "x" } },
        NewImage: { pk: { S: "ENT#t#p#e" }, sk: { S: "x" } },
        SequenceNumber: "1",
        SizeBytes: 10,
        StreamViewType: "NEW_AND_OLD_IMAGES",
      },
    });
  });

  it("base64-encodes binaries and restores the empty maps the SDK drops", () => {
    const lambda = toLambdaStreamRecord(
      record("ENT#t#p#e", "1", {
        NewImage: {
          bin: { B: new Uint8Array([255, 0]) },
          nested: { M: { params: {} as never, list: { L: [{ BS: [new Uint8Array([1])] }] } } },
        },
      }),
      STREAM,
      "us-east-1",
    );

    expect(lambda.dynamodb?.NewImage).toEqual({
      bin: { B: "/wA=" },
      nested: { M: { params: { M: {} }, list: { L: [{ BS: ["AQ=="] }] } } },
    });
  });
});

describe("retryFrom", () => {
  const batch: DynamoDBRecord[] = ["1", "2", "3"].map((seq) =>
    toLambdaStreamRecord(record("ENT#a", seq), STREAM, "us-east-1"),
  );

  it("is undefined when every record succeeded", () => {
    expect(retryFrom(undefined, batch)).toBeUndefined();
    expect(retryFrom({ batchItemFailures: [] }, batch)).toBeUndefined();
  });

  it("resumes from the earliest reported failure", () => {
    expect(retryFrom({ batchItemFailures: [{ itemIdentifier: "3" }, { itemIdentifier: "2" }] }, batch)).toBe(
      "2",
    );
  });

  it("retries the whole batch when the response names a record not in it", () => {
    expect(retryFrom({ batchItemFailures: [{ itemIdentifier: "9" }] }, batch)).toBe("all");
    expect(retryFrom("nonsense", batch)).toBe("all");
  });
});
