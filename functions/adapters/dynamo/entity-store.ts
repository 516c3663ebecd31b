import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { contentHash } from "#core/content-hash.ts";
import { EntityTooLargeError } from "#core/errors.ts";
import type { Entity, EntityReader, EntityRef } from "#providers/types.ts";
import {
  BATCH_WRITE_MAX_ITEMS,
  batchGetAll,
  batchWriteAll,
  isConditionalCheckFailed,
  mapWithConcurrency,
} from "./dynamo-util.ts";

export interface UpsertResult {
  readonly written: number;
  readonly unchanged: number;
}

export interface EntityStoreOptions {
  readonly tableName: string;
  readonly client: DynamoDBDocumentClient;
  readonly historyRetentionDays: number;
}

/**
 * The most `data` one entity may hold, as DynamoDB counts it. An item may not exceed 400 KB, and
 * both the entity's item and its history snapshot carry `data` beside keys (up to 3 KB), hash and
 * timestamps: this leaves them ample room.
 */
export const MAX_ENTITY_DATA_BYTES = 350 * 1024;
/** An entity's id is its item's sort key, which DynamoDB caps at 1 KB. */
export const MAX_ENTITY_ID_BYTES = 1024;

const entityPk = (tenantId: string, provider: string, type: string) => `ENT#${tenantId}#${provider}#${type}`;
const historyPk = (tenantId: string, provider: string, type: string, id: string) =>
  `HIST#${tenantId}#${provider}#${type}#${id}`;

/**
 * Synced entities with delta detection. Stored hashes are read in batches first, so an unchanged
 * record costs half a read unit and no write; a changed one is written under a condition on its
 * hash (a concurrent identical write is still a no-op), raising exactly one stream event, and
 * leaves a history snapshot that expires after the retention. Snapshots go 25 to a BatchWriteItem
 * (25 of the largest entities still fit its 16 MB), not one PutItem each.
 */
export class EntityStore {
  constructor(private readonly options: EntityStoreOptions) {}

  async upsert(
    scope: { tenantId: string; provider: string; jobId: string },
    entities: readonly Entity[],
    now: Date,
  ): Promise<UpsertResult> {
    const unique = dedupe(entities);
    // All checked before the first write: a run either stores its page or fails with the reason.
    for (const entity of unique) assertStorable(entity);
    const stored = await this.storedHashes(scope.tenantId, scope.provider, unique);
    const changed = unique
      .map((entity) => ({ entity, hash: contentHash(entity.data) }))
      .filter(({ entity, hash }) => stored.get(`${entity.type}\u0000${entity.id}`) !== hash);
    // Groups of 25, each group's snapshots stored before the next group is written. A snapshot can
    // only follow its entity's update (the version comes from it), so when the update succeeds and
    // the snapshot does not, the run fails, the retry finds the entity unchanged (same hash) and
    // that version never gets a snapshot; the entity item still holds its data until it changes
    // again. That gap is accepted rather than snapshots of updates that never happened, or a second
    // stream event. Per group it is at most one group: a batch DynamoDB still refuses after its
    // retries, or a process that dies mid-group (with a PutItem each, one entity). A single batch
    // at the end of the page would widen it to every entity written before any write that fails.
    // Memory decides nothing either way: snapshots share the page's data objects.
    let written = 0;
    for (let i = 0; i < changed.length; i += BATCH_WRITE_MAX_ITEMS) {
      const group = changed.slice(i, i + BATCH_WRITE_MAX_ITEMS);
      const outcomes = await mapWithConcurrency(group, 8, ({ entity, hash }) =>
        settle(this.write(scope, entity, hash, now)),
      );
      const snapshots = outcomes.flatMap((o) => (o.status === "fulfilled" && o.value ? [o.value] : []));
      await batchWriteAll(this.options.client, this.options.tableName, snapshots);
      written += snapshots.length;
      const failed = outcomes.find((o) => o.status === "rejected");
      if (failed) throw failed.reason;
    }
    return { written, unchanged: unique.length - written };
  }

  /**
   * Deletes stored entities the provider says are gone, each raising one stream event (`deleted`
   * to subscribers); returns how many were stored. Their history snapshots stay until they expire.
   */
  async remove(
    scope: { tenantId: string; provider: string; jobId: string },
    refs: readonly EntityRef[],
  ): Promise<number> {
    const results = await mapWithConcurrency(
      dedupe(refs.map((ref) => ({ ...ref, data: {} }))),
      8,
      async (ref) => {
        try {
          await this.options.client.send(
            new DeleteCommand({
              TableName: this.options.tableName,
              Key: { pk: entityPk(scope.tenantId, scope.provider, ref.type), sk: ref.id },
              ConditionExpression: "attribute_exists(pk)",
            }),
          );
          return true;
        } catch (error) {
          if (isConditionalCheckFailed(error)) return false;
          throw error;
        }
      },
    );
    return results.filter(Boolean).length;
  }

  /** Read access for provider modules, scoped to one tenant and provider. */
  reader(tenantId: string, provider: string): EntityReader {
    return {
      get: async (type, id) => {
        const items = await this.query(entityPk(tenantId, provider, type), id);
        return items[0];
      },
      list: (type) => this.query(entityPk(tenantId, provider, type)),
    };
  }

  private async query(pk: string, sk?: string): Promise<Entity[]> {
    const entities: Entity[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: sk === undefined ? "pk = :pk" : "pk = :pk AND sk = :sk",
          ExpressionAttributeValues: sk === undefined ? { ":pk": pk } : { ":pk": pk, ":sk": sk },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        entities.push({ type: String(item.entityType), id: String(item.sk), data: item.data ?? {} });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return entities;
  }

  private async storedHashes(tenantId: string, provider: string, entities: readonly Entity[]) {
    const items = await batchGetAll(
      this.options.client,
      this.options.tableName,
      entities.map((e) => ({ pk: entityPk(tenantId, provider, e.type), sk: e.id })),
      { ProjectionExpression: "entityType, sk, #h", ExpressionAttributeNames: { "#h": "hash" } },
    );
    return new Map(items.map((item) => [`${item.entityType}\u0000${item.sk}`, String(item.hash)]));
  }

  /**
   * Updates the entity and returns its history snapshot, still to be stored; undefined when the
   * stored hash already matched (a concurrent writer got there first).
   */
  private async write(
    scope: { tenantId: string; provider: string; jobId: string },
    entity: Entity,
    hash: string,
    now: Date,
  ): Promise<Record<string, unknown> | undefined> {
    const at = now.toISOString();
    let version: number;
    try {
      const result = await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { pk: entityPk(scope.tenantId, scope.provider, entity.type), sk: entity.id },
          UpdateExpression:
            "SET #data = :data, #hash = :hash, updatedAt = :at, createdAt = if_not_exists(createdAt, :at), " +
            "entityType = :type, provider = :provider, tenantId = :tenant, lastJobId = :job ADD version :one",
          ConditionExpression: "attribute_not_exists(pk) OR #hash <> :hash",
          ExpressionAttributeNames: { "#data": "data", "#hash": "hash" },
          ExpressionAttributeValues: {
            ":data": entity.data,
            ":hash": hash,
            ":at": at,
            ":type": entity.type,
            ":provider": scope.provider,
            ":tenant": scope.tenantId,
            ":job": scope.jobId,
            ":one": 1,
          },
          ReturnValues: "UPDATED_NEW",
        }),
      );
      version = Number(result.Attributes?.version ?? 1);
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
    return {
      pk: historyPk(scope.tenantId, scope.provider, entity.type, entity.id),
      sk: `${at}#${String(version).padStart(8, "0")}`,
      data: entity.data,
      hash,
      version,
      jobId: scope.jobId,
      expiresAt: Math.floor(now.getTime() / 1000) + this.options.historyRetentionDays * 86_400,
    };
  }
}

/** Like Promise.allSettled for one promise: a group's failed update must not hide its successful ones. */
function settle<T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> {
  return promise.then(
    (value) => ({ status: "fulfilled", value }),
    (reason: unknown) => ({ status: "rejected", reason }),
  );
}

/** A provider may return the same record twice in one payload; the last one wins. */
function dedupe(entities: readonly Entity[]): Entity[] {
  const byKey = new Map<string, Entity>();
  for (const e of entities) byKey.set(`${e.type}\u0000${e.id}`, e);
  return [...byKey.values()];
}

/** Throws EntityTooLargeError when DynamoDB would refuse to store `entity` (its data or its id). */
export function assertStorable(entity: Entity): void {
  const name = `${entity.type} "${entity.id.length > 80 ? `${entity.id.slice(0, 80)}…` : entity.id}"`;
  const idBytes = Buffer.byteLength(entity.id);
  if (idBytes > MAX_ENTITY_ID_BYTES) {
    throw new EntityTooLargeError(
      `${name}: its id is ${idBytes} bytes; at most ${MAX_ENTITY_ID_BYTES} fit a key`,
    );
  }
  const dataBytes = storedSize(entity.data);
  if (dataBytes > MAX_ENTITY_DATA_BYTES) {
    throw new EntityTooLargeError(
      `${name} is ${kb(dataBytes)} KB as stored; Pacer stores at most ${kb(MAX_ENTITY_DATA_BYTES)} KB per entity (DynamoDB's item limit is 400 KB)`,
    );
  }
}

/**
 * The size of a value as a DynamoDB attribute, by AWS's documented rules: strings in UTF-8 bytes,
 * numbers one byte per two significant digits plus one, lists and maps 3 bytes plus one per
 * element (and a map's attribute names).
 */
export function storedSize(value: unknown): number {
  if (value === null || typeof value === "boolean") return 1;
  if (typeof value === "string") return Buffer.byteLength(value);
  if (typeof value === "number" || typeof value === "bigint") return numberSize(value);
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value) || value instanceof Set) {
    let size = 3;
    for (const element of value) size += 1 + storedSize(element);
    return size;
  }
  if (typeof value === "object") {
    let size = 3;
    for (const [key, element] of Object.entries(value)) {
      // The document client drops undefined attributes rather than storing them.
      if (element !== undefined) size += 1 + Buffer.byteLength(key) + storedSize(element);
    }
    return size;
  }
  return 0;
}

function numberSize(value: number | bigint): number {
  const [mantissa = ""] = String(value).replace("-", "").split("e");
  const digits = mantissa.replace(".", "").replace(/^0+/, "").replace(/0+$/, "");
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

const kb = (bytes: number) => Math.ceil(bytes / 1024);
