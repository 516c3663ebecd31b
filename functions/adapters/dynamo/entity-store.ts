import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { contentHash } from "#core/content-hash.ts";
import type { Entity, EntityReader } from "#providers/types.ts";
import { isConditionalCheckFailed, mapWithConcurrency } from "./dynamo-util.ts";

export interface UpsertResult {
  readonly written: number;
  readonly unchanged: number;
}

export interface EntityStoreOptions {
  readonly tableName: string;
  readonly client: DynamoDBDocumentClient;
  readonly historyRetentionDays: number;
}

const entityPk = (tenantId: string, provider: string, type: string) => `ENT#${tenantId}#${provider}#${type}`;
const historyPk = (tenantId: string, provider: string, type: string, id: string) =>
  `HIST#${tenantId}#${provider}#${type}#${id}`;

/**
 * Synced entities with delta detection. Stored hashes are read in batches first, so an unchanged
 * record costs half a read unit and no write; a changed one is written under a condition on its
 * hash (a concurrent identical write is still a no-op), raising exactly one stream event, and
 * leaves a history snapshot that expires after the retention.
 */
export class EntityStore {
  constructor(private readonly options: EntityStoreOptions) {}

  async upsert(
    scope: { tenantId: string; provider: string; jobId: string },
    entities: readonly Entity[],
    now: Date,
  ): Promise<UpsertResult> {
    const unique = dedupe(entities);
    const stored = await this.storedHashes(scope.tenantId, scope.provider, unique);
    const changed = unique
      .map((entity) => ({ entity, hash: contentHash(entity.data) }))
      .filter(({ entity, hash }) => stored.get(`${entity.type}\u0000${entity.id}`) !== hash);
    const results = await mapWithConcurrency(changed, 8, ({ entity, hash }) =>
      this.write(scope, entity, hash, now),
    );
    const written = results.filter(Boolean).length;
    return { written, unchanged: unique.length - written };
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
    const hashes = new Map<string, string>();
    for (let i = 0; i < entities.length; i += 100) {
      let keys: Record<string, unknown>[] | undefined = entities
        .slice(i, i + 100)
        .map((e) => ({ pk: entityPk(tenantId, provider, e.type), sk: e.id }));
      for (let attempt = 0; keys && keys.length > 0; attempt++) {
        if (attempt > 8) throw new Error("BatchGet kept returning unprocessed keys");
        if (attempt > 0) await new Promise((r) => setTimeout(r, 25 * 2 ** attempt));
        const result: BatchGetCommandOutput = await this.options.client.send(
          new BatchGetCommand({
            RequestItems: {
              [this.options.tableName]: {
                Keys: keys,
                ProjectionExpression: "entityType, sk, #h",
                ExpressionAttributeNames: { "#h": "hash" },
              },
            },
          }),
        );
        for (const item of result.Responses?.[this.options.tableName] ?? []) {
          hashes.set(`${item.entityType}\u0000${item.sk}`, String(item.hash));
        }
        keys = result.UnprocessedKeys?.[this.options.tableName]?.Keys;
      }
    }
    return hashes;
  }

  /** Returns false when the stored hash already matched (a concurrent writer got there first). */
  private async write(
    scope: { tenantId: string; provider: string; jobId: string },
    entity: Entity,
    hash: string,
    now: Date,
  ): Promise<boolean> {
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
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
    await this.options.client.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: {
          pk: historyPk(scope.tenantId, scope.provider, entity.type, entity.id),
          sk: `${at}#${String(version).padStart(8, "0")}`,
          data: entity.data,
          hash,
          version,
          jobId: scope.jobId,
          expiresAt: Math.floor(now.getTime() / 1000) + this.options.historyRetentionDays * 86_400,
        },
      }),
    );
    return true;
  }
}

/** A provider may return the same record twice in one payload; the last one wins. */
function dedupe(entities: readonly Entity[]): Entity[] {
  const byKey = new Map<string, Entity>();
  for (const e of entities) byKey.set(`${e.type}\u0000${e.id}`, e);
  return [...byKey.values()];
}
