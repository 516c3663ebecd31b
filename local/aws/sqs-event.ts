import type { Message, MessageAttributeValue } from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent, SQSMessageAttribute, SQSRecord } from "aws-lambda";

export interface QueueSource {
  readonly arn: string;
  readonly region: string;
}

/** A received SQS message as Lambda's SQS event source hands it to a function. */
export function toSqsRecord(message: Message, source: QueueSource): SQSRecord {
  const attributes = (message.Attributes ?? {}) as Record<string, string>;
  return {
    messageId: message.MessageId ?? "",
    receiptHandle: message.ReceiptHandle ?? "",
    body: message.Body ?? "",
    attributes: {
      ApproximateReceiveCount: "1",
      SentTimestamp: "0",
      SenderId: "",
      ApproximateFirstReceiveTimestamp: "0",
      ...attributes,
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        toRecordAttribute(value),
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? "",
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: "aws:sqs",
    eventSourceARN: source.arn,
    awsRegion: source.region,
  };
}

/** Lambda camel-cases message attributes and base64-encodes binary values. */
function toRecordAttribute(value: MessageAttributeValue): SQSMessageAttribute {
  const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
  return {
    ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
    ...(value.BinaryValue !== undefined ? { binaryValue: base64(value.BinaryValue) } : {}),
    stringListValues: value.StringListValues ?? [],
    binaryListValues: (value.BinaryListValues ?? []).map(base64),
    dataType: value.DataType ?? "String",
  };
}

export function toSqsEvent(messages: readonly Message[], source: QueueSource): SQSEvent {
  return { Records: messages.map((message) => toSqsRecord(message, source)) };
}

/**
 * Which messages of a batch failed, by Lambda's rules for `ReportBatchItemFailures`: no response
 * (or one without `batchItemFailures`) means all succeeded; a failure entry whose identifier is
 * empty or not in the batch makes the whole batch count as failed.
 */
export function failedMessageIds(response: unknown, batch: readonly SQSRecord[]): Set<string> {
  const all = new Set(batch.map((record) => record.messageId));
  if (response === undefined || response === null || response === "") return new Set();
  if (typeof response !== "object") return all;
  const failures = (response as Partial<SQSBatchResponse>).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return all;
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== "string" || !all.has(id)) return all;
    failed.add(id);
  }
  return failed;
}
