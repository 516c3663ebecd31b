import type { _Record, AttributeValue as SdkAttributeValue } from "@aws-sdk/client-dynamodb-streams";
import type { AttributeValue, DynamoDBBatchResponse, DynamoDBRecord } from "aws-lambda";

/**
 * Key prefixes the broadcaster's event source filter lets through (deployed: a Lambda filter on
 * `dynamodb.Keys.pk.S`): entities and jobs. History and status items never reach it.
 */
export const BROADCAST_KEY_PREFIXES = ["ENT#", "JOB#"] as const;

export function isBroadcastRecord(record: _Record): boolean {
  const pk = record.dynamodb?.Keys?.pk;
  const value = pk && "S" in pk ? pk.S : undefined;
  return value !== undefined && BROADCAST_KEY_PREFIXES.some((prefix) => value.startsWith(prefix));
}

/**
 * A record from GetRecords as Lambda's DynamoDB event source delivers it: JSON-shaped (epoch
 * seconds, base64 binaries) and tagged with the stream's ARN.
 */
export function toLambdaStreamRecord(record: _Record, streamArn: string, region: string): DynamoDBRecord {
  const stream = record.dynamodb ?? {};
  const image = (item: Record<string, SdkAttributeValue> | undefined) =>
    Object.fromEntries(Object.entries(item ?? {}).map(([name, value]) => [name, toJsonValue(value)]));
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion ?? "1.1",
    eventSource: "aws:dynamodb",
    // DynamoDB Local reports the region "ddblocal"; deployed, it is the stack's region.
    awsRegion: region,
    eventSourceARN: streamArn,
    ...(record.userIdentity ? { userIdentity: record.userIdentity } : {}),
    dynamodb: {
      ...(stream.ApproximateCreationDateTime
        ? { ApproximateCreationDateTime: Math.floor(stream.ApproximateCreationDateTime.getTime() / 1000) }
        : {}),
      Keys: image(stream.Keys),
      ...(stream.NewImage ? { NewImage: image(stream.NewImage) } : {}),
      ...(stream.OldImage ? { OldImage: image(stream.OldImage) } : {}),
      SequenceNumber: stream.SequenceNumber,
      SizeBytes: stream.SizeBytes,
      StreamViewType: stream.StreamViewType,
    },
  };
}

function toJsonValue(value: SdkAttributeValue): AttributeValue {
  // client-dynamodb-streams deserializes an empty map `{"M":{}}` to `{}`; no other value comes out empty.
  if (Object.keys(value).length === 0) return { M: {} };
  const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.M !== undefined) {
    return { M: Object.fromEntries(Object.entries(value.M).map(([k, v]) => [k, toJsonValue(v)])) };
  }
  if (value.L !== undefined) return { L: value.L.map(toJsonValue) };
  return value as AttributeValue;
}

/**
 * The sequence number to resume from after a failed batch, by Lambda's rules for
 * `ReportBatchItemFailures`: the earliest reported failure; the whole batch when the response
 * is malformed or names a record not in the batch; none when all succeeded.
 */
export function retryFrom(response: unknown, batch: readonly DynamoDBRecord[]): string | "all" | undefined {
  if (response === undefined || response === null || response === "") return undefined;
  if (typeof response !== "object") return "all";
  const failures = (response as Partial<DynamoDBBatchResponse>).batchItemFailures;
  if (failures === undefined || failures === null) return undefined;
  if (!Array.isArray(failures)) return "all";
  const order = batch.map((record) => record.dynamodb?.SequenceNumber);
  let earliest: number | undefined;
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    const index = typeof id === "string" ? order.indexOf(id) : -1;
    if (index === -1) return "all";
    earliest = earliest === undefined ? index : Math.min(earliest, index);
  }
  return earliest === undefined ? undefined : (order[earliest] ?? "all");
}
