import type { _Record } from "@aws-sdk/client-dynamodb-streams";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { type JobRecord, jobRecordFromItem } from "#core/job.ts";

/** One write to a job record, as the data table's stream carries it. */
export interface JobUpdate {
  /** The record before the write; absent when the write created it. */
  readonly previous?: JobRecord;
  readonly current: JobRecord;
}

const JOB_KEY_PREFIX = "JOB#";

/**
 * The job records among the stream's records (pk `JOB#<tenant>#<jobId>`, see TABLES in
 * core/resources.ts), in stream order. A record's removal (its TTL) is no update.
 */
export function jobUpdates(records: readonly _Record[]): JobUpdate[] {
  const updates: JobUpdate[] = [];
  for (const record of records) {
    const image = record.dynamodb;
    const pk = image?.Keys?.pk;
    if (!pk || !("S" in pk) || !pk.S?.startsWith(JOB_KEY_PREFIX) || !image?.NewImage) continue;
    const current = toJobRecord(image.NewImage);
    const previous = image.OldImage ? toJobRecord(image.OldImage) : undefined;
    updates.push(previous ? { previous, current } : { current });
  }
  return updates;
}

type StreamImage = NonNullable<NonNullable<_Record["dynamodb"]>["NewImage"]>;
type StreamValue = StreamImage[string];

function toJobRecord(image: StreamImage): JobRecord {
  const item = Object.fromEntries(
    Object.entries(image).map(([name, value]) => [name, restoreEmptyMaps(value)]),
  );
  // The streams client's attribute values have the same shape as the DynamoDB client's.
  return jobRecordFromItem(unmarshall(item as Parameters<typeof unmarshall>[0]));
}

/** client-dynamodb-streams reads an empty map `{"M":{}}` as `{}` (a job's `params`, mostly). */
function restoreEmptyMaps(value: StreamValue): StreamValue {
  if (Object.keys(value).length === 0) return { M: {} };
  if (value.M !== undefined) {
    return { M: Object.fromEntries(Object.entries(value.M).map(([k, v]) => [k, restoreEmptyMaps(v)])) };
  }
  if (value.L !== undefined) return { L: value.L.map(restoreEmptyMaps) };
  return value;
}
