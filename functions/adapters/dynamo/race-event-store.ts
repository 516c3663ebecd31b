import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  type PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { type OwnedValue, PARTICIPANT_FIELDS, type ParticipantField } from "#core/race/participants.ts";
import type { ClockEntry, ResultsClockIndex } from "#core/race/results-clock.ts";
import type { OwnedValues, RaceEventRecord, RaceEventStore } from "#core/race/types.ts";
import { isConditionalCheckFailed, mapWithConcurrency } from "./dynamo-util.ts";

export interface DynamoRaceEventStoreOptions {
  /** TABLES.data. */
  readonly tableName: string;
  readonly client: Pick<DynamoDBDocumentClient, "send">;
}

/**
 * Race events and the values set in Pacer for their participants, in the data table:
 *   event   pk RACE#<tenantId>             sk EVENT#<eventId>
 *   owned   pk RACE#<tenantId>#<eventId>   sk OWNED#<participantId>   one attribute per field
 *   clock   pk RACECLOCK                   sk <tenantId>#<eventId>    tenantId, eventId, startsAt,
 *                                          endsAt?, scoring, resultsQueuedAt? (epoch ms)
 * A tenant's events are one partition (a tenant has tens, and lists them); each event's owned
 * values another, so deleting an event finds them all. The race clock's index is one partition
 * across tenants, an entry per event with a scoring target, written in the same transaction as the
 * event (so it never disagrees with it) and read by the clock in one query instead of a scan; the
 * clock drops retired events from it. The broadcaster ignores all three (it announces ENT# and
 * JOB# items only): what callers watch is the event's participant list, an entity.
 */
export const eventsPk = (tenantId: string) => `RACE#${tenantId}`;
export const ownedPk = (tenantId: string, eventId: string) => `RACE#${tenantId}#${eventId}`;
export const CLOCK_PK = "RACECLOCK";
export const clockSk = (tenantId: string, eventId: string) => `${tenantId}#${eventId}`;
const EVENT_SK = "EVENT#";
const OWNED_SK = "OWNED#";

const FIELDS: ReadonlySet<string> = new Set(PARTICIPANT_FIELDS);

export class DynamoRaceEventStore implements RaceEventStore, ResultsClockIndex {
  constructor(private readonly options: DynamoRaceEventStoreOptions) {}

  async create(record: RaceEventRecord): Promise<boolean> {
    return this.put(record, { ConditionExpression: "attribute_not_exists(pk)" });
  }

  async get(tenantId: string, eventId: string): Promise<RaceEventRecord | undefined> {
    const result = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: { pk: eventsPk(tenantId), sk: `${EVENT_SK}${eventId}` },
        ConsistentRead: true,
      }),
    );
    const record = result.Item && eventFromItem(result.Item);
    return record?.tenantId === tenantId && record.eventId === eventId ? record : undefined;
  }

  async list(tenantId: string): Promise<RaceEventRecord[]> {
    const items = await this.query({
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :sk)",
      ExpressionAttributeValues: { ":pk": eventsPk(tenantId), ":sk": EVENT_SK },
    });
    return items.map(eventFromItem).filter((r) => r.tenantId === tenantId);
  }

  async update(record: RaceEventRecord): Promise<boolean> {
    return this.put(record, {
      ConditionExpression: "#version = :previous",
      ExpressionAttributeNames: { "#version": "version" },
      ExpressionAttributeValues: { ":previous": record.version - 1 },
    });
  }

  /** The owned values first: should this fail partway, the event is still there to delete again. */
  async delete(tenantId: string, eventId: string): Promise<void> {
    const owned = await this.query({
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :sk)",
      ExpressionAttributeValues: { ":pk": ownedPk(tenantId, eventId), ":sk": OWNED_SK },
      ProjectionExpression: "pk, sk",
    });
    await mapWithConcurrency(owned, 8, (item) =>
      this.options.client.send(
        new DeleteCommand({ TableName: this.options.tableName, Key: { pk: item.pk, sk: item.sk } }),
      ),
    );
    await this.dropFromClock(tenantId, eventId);
    await this.options.client.send(
      new DeleteCommand({
        TableName: this.options.tableName,
        Key: { pk: eventsPk(tenantId), sk: `${EVENT_SK}${eventId}` },
      }),
    );
  }

  /** Every event on the race clock, across tenants: one partition, read in one query. */
  async clockEntries(): Promise<ClockEntry[]> {
    const items = await this.query({
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": CLOCK_PK },
    });
    return items.flatMap((item): ClockEntry[] => {
      const { tenantId, eventId, startsAt, endsAt, scoring, resultsQueuedAt } = item;
      if (typeof tenantId !== "string" || typeof eventId !== "string" || typeof startsAt !== "string")
        return [];
      if (item.sk !== clockSk(tenantId, eventId) || typeof scoring !== "object" || scoring === null)
        return [];
      return [
        {
          tenantId,
          eventId,
          startsAt,
          ...(typeof endsAt === "string" ? { endsAt } : {}),
          scoring: scoring as ClockEntry["scoring"],
          ...(typeof resultsQueuedAt === "number" ? { resultsQueuedAt } : {}),
        },
      ];
    });
  }

  async markResultsQueued(tenantId: string, eventId: string, at: number): Promise<void> {
    try {
      await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { pk: CLOCK_PK, sk: clockSk(tenantId, eventId) },
          UpdateExpression: "SET resultsQueuedAt = :at",
          // An event deleted meanwhile stays off the clock.
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":at": at },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async dropFromClock(tenantId: string, eventId: string): Promise<void> {
    await this.options.client.send(
      new DeleteCommand({
        TableName: this.options.tableName,
        Key: { pk: CLOCK_PK, sk: clockSk(tenantId, eventId) },
      }),
    );
  }

  async owned(tenantId: string, eventId: string): Promise<OwnedValues> {
    const items = await this.query({
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :sk)",
      ExpressionAttributeValues: { ":pk": ownedPk(tenantId, eventId), ":sk": OWNED_SK },
    });
    const values: Record<string, Partial<Record<ParticipantField, OwnedValue>>> = {};
    for (const item of items) {
      if (item.tenantId !== tenantId || item.eventId !== eventId) continue;
      const fields = fieldsOf(item);
      if (Object.keys(fields).length > 0) values[String(item.sk).slice(OWNED_SK.length)] = fields;
    }
    return values;
  }

  /**
   * One update sets and removes the fields together (two callers changing different fields of one
   * participant both stand); an item left with no field is then deleted, unless one was set since.
   */
  async setOwned(
    tenantId: string,
    eventId: string,
    participantId: string,
    values: Readonly<Partial<Record<ParticipantField, OwnedValue | null>>>,
  ): Promise<void> {
    const entries = Object.entries(values).filter(([field, value]) => {
      if (!FIELDS.has(field)) throw new Error(`not a participant field: ${field.slice(0, 64)}`);
      return value !== undefined;
    });
    if (entries.length === 0) return;
    const key = { pk: ownedPk(tenantId, eventId), sk: `${OWNED_SK}${participantId}` };
    const names: Record<string, string> = { "#tenant": "tenantId", "#event": "eventId" };
    const attributeValues: Record<string, unknown> = { ":tenant": tenantId, ":event": eventId };
    const set = ["#tenant = :tenant", "#event = :event"];
    const remove: string[] = [];
    entries.forEach(([field, value], i) => {
      names[`#f${i}`] = field;
      if (value === null) remove.push(`#f${i}`);
      else {
        attributeValues[`:v${i}`] = { value: value.value, by: value.by, at: value.at };
        set.push(`#f${i} = :v${i}`);
      }
    });
    const result = await this.options.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: key,
        UpdateExpression: `SET ${set.join(", ")}${remove.length > 0 ? ` REMOVE ${remove.join(", ")}` : ""}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: attributeValues,
        ReturnValues: "ALL_NEW",
      }),
    );
    if (Object.keys(fieldsOf(result.Attributes ?? {})).length > 0) return;
    try {
      await this.options.client.send(
        new DeleteCommand({
          TableName: this.options.tableName,
          Key: key,
          ConditionExpression: PARTICIPANT_FIELDS.map((_, i) => `attribute_not_exists(#f${i})`).join(" AND "),
          ExpressionAttributeNames: Object.fromEntries(PARTICIPANT_FIELDS.map((f, i) => [`#f${i}`, f])),
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /**
   * The event, and its clock entry in the same transaction: set (its times and target, keeping
   * when results were last queued) while it has a scoring target, removed once it has none.
   */
  private async put(
    record: RaceEventRecord,
    condition: Pick<
      PutCommand["input"],
      "ConditionExpression" | "ExpressionAttributeNames" | "ExpressionAttributeValues"
    >,
  ): Promise<boolean> {
    const TableName = this.options.tableName;
    const Key = { pk: CLOCK_PK, sk: clockSk(record.tenantId, record.eventId) };
    const clock = record.scoring
      ? {
          Update: {
            TableName,
            Key,
            UpdateExpression: `SET tenantId = :tenant, eventId = :event, startsAt = :starts, scoring = :scoring${
              record.endsAt === undefined ? " REMOVE endsAt" : ", endsAt = :ends"
            }`,
            ExpressionAttributeValues: {
              ":tenant": record.tenantId,
              ":event": record.eventId,
              ":starts": record.startsAt,
              ":scoring": record.scoring,
              ...(record.endsAt === undefined ? {} : { ":ends": record.endsAt }),
            },
          },
        }
      : { Delete: { TableName, Key } };
    try {
      await this.options.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName,
                Item: { pk: eventsPk(record.tenantId), sk: `${EVENT_SK}${record.eventId}`, ...record },
                ...condition,
              },
            },
            clock,
          ],
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  private async query(
    input: Pick<
      QueryCommandInput,
      "KeyConditionExpression" | "ExpressionAttributeValues" | "ProjectionExpression"
    >,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          ConsistentRead: true,
          ExclusiveStartKey,
          ...input,
        }),
      );
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }
}

/** A stored item as its record: the table's keys stripped. */
export function eventFromItem(item: Record<string, unknown>): RaceEventRecord {
  const { pk: _pk, sk: _sk, ...record } = item;
  return record as unknown as RaceEventRecord;
}

function fieldsOf(item: Record<string, unknown>): Partial<Record<ParticipantField, OwnedValue>> {
  const fields: Partial<Record<ParticipantField, OwnedValue>> = {};
  for (const field of PARTICIPANT_FIELDS) {
    const value = item[field] as Partial<OwnedValue> | undefined;
    if (typeof value?.value === "string" && typeof value.by === "string" && typeof value.at === "string") {
      fields[field] = { value: value.value, by: value.by, at: value.at };
    }
  }
  return fields;
}
