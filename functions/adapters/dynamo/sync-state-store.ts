import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { contentHash } from "#core/content-hash.ts";
import type { SyncState } from "#core/sync-job.ts";
import type { PushLedger } from "#providers/types.ts";

export interface SyncStateStoreOptions {
  readonly tableName: string;
  readonly client: DynamoDBDocumentClient;
}

/**
 * Sync state per connection, in the data table:
 *   watermark   pk STATE#<tenant>#<connectionId>             sk <syncType>   (+ completedAt, epoch ms)
 *   pushed      pk PUSH#<tenant>#<connectionId>#<entityType>  sk <entityId>   (content hash)
 * Neither is broadcast (the broadcaster only announces ENT# and JOB# items).
 */
export class SyncStateStore implements SyncState {
  constructor(private readonly options: SyncStateStoreOptions) {}

  async watermark(tenantId: string, connectionId: string, syncType: string): Promise<string | undefined> {
    const result = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: { pk: `STATE#${tenantId}#${connectionId}`, sk: syncType },
        ConsistentRead: true,
      }),
    );
    const value = result.Item?.watermark;
    return typeof value === "string" ? value : undefined;
  }

  async commitWatermark(
    tenantId: string,
    connectionId: string,
    syncType: string,
    watermark: string,
  ): Promise<void> {
    await this.options.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: { pk: `STATE#${tenantId}#${connectionId}`, sk: syncType },
        UpdateExpression: "SET watermark = :w, committedAt = :at",
        ExpressionAttributeValues: { ":w": watermark, ":at": new Date().toISOString() },
      }),
    );
  }

  async lastCompleted(tenantId: string, connectionId: string, syncType: string): Promise<number | undefined> {
    const result = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: { pk: `STATE#${tenantId}#${connectionId}`, sk: syncType },
        ConsistentRead: true,
      }),
    );
    const value = result.Item?.completedAt;
    return typeof value === "number" ? value : undefined;
  }

  async markCompleted(tenantId: string, connectionId: string, syncType: string, at: number): Promise<void> {
    await this.options.client
      .send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { pk: `STATE#${tenantId}#${connectionId}`, sk: syncType },
          // A later run may finish first (two legs overlapping): the newest start stands.
          UpdateExpression: "SET completedAt = :at",
          ConditionExpression: "attribute_not_exists(completedAt) OR completedAt < :at",
          ExpressionAttributeValues: { ":at": at },
        }),
      )
      .catch((error: unknown) => {
        if ((error as { name?: string }).name !== "ConditionalCheckFailedException") throw error;
      });
  }

  pushLedger(tenantId: string, connectionId: string): PushLedger {
    const key = (type: string, id: string) => ({ pk: `PUSH#${tenantId}#${connectionId}#${type}`, sk: id });
    return {
      changed: async (type, id, data) => {
        const result = await this.options.client.send(
          new GetCommand({ TableName: this.options.tableName, Key: key(type, id), ConsistentRead: true }),
        );
        return result.Item?.hash !== contentHash(data);
      },
      remember: async (type, id, data) => {
        await this.options.client.send(
          new PutCommand({
            TableName: this.options.tableName,
            Item: { ...key(type, id), hash: contentHash(data), pushedAt: new Date().toISOString() },
          }),
        );
      },
    };
  }
}
