import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { contentHash } from "#core/content-hash.ts";
import type { SyncState } from "#core/sync-job.ts";
import type { PushLedger } from "#providers/types.ts";
import { isConditionalCheckFailed } from "./dynamo-util.ts";

export interface SyncStateStoreOptions {
  readonly tableName: string;
  readonly client: DynamoDBDocumentClient;
}

/**
 * Sync state per connection, in the data table:
 *   watermark   pk STATE#<tenant>#<connectionId>             sk <syncType>   (+ completedAt, epoch ms)
 *   pushed      pk PUSH#<tenant>#<connectionId>#<entityType>  sk <entityId>   (content hash)
 *   push lease  pk LEASE#<tenant>#<connectionId>              sk <flight>     (holder, until, again)
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

  async claimPush(
    tenantId: string,
    connectionId: string,
    flight: string,
    jobId: string,
    now: number,
    until: number,
  ): Promise<{ readonly claimed: true } | { readonly claimed: false; readonly holder: string }> {
    const Key = { pk: `LEASE#${tenantId}#${connectionId}`, sk: flight };
    // A lease changing hands between the two writes (released, expired) is tried again.
    for (let round = 0; round < 3; round++) {
      try {
        await this.options.client.send(
          new UpdateCommand({
            TableName: this.options.tableName,
            Key,
            UpdateExpression: "SET holder = :job, #until = :until, again = if_not_exists(again, :no)",
            ConditionExpression: "attribute_not_exists(pk) OR holder = :job OR #until < :now",
            ExpressionAttributeNames: { "#until": "until" },
            ExpressionAttributeValues: { ":job": jobId, ":until": until, ":now": now, ":no": false },
          }),
        );
        return { claimed: true };
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
      try {
        const marked = await this.options.client.send(
          new UpdateCommand({
            TableName: this.options.tableName,
            Key,
            UpdateExpression: "SET again = :yes",
            ConditionExpression: "attribute_exists(pk) AND holder <> :job AND #until >= :now",
            ExpressionAttributeNames: { "#until": "until" },
            ExpressionAttributeValues: { ":job": jobId, ":now": now, ":yes": true },
            ReturnValues: "ALL_NEW",
          }),
        );
        return { claimed: false, holder: String(marked.Attributes?.holder) };
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
    }
    throw new Error(`the push lease ${flight} kept changing hands`);
  }

  async pushTurnedAway(
    tenantId: string,
    connectionId: string,
    flight: string,
    jobId: string,
  ): Promise<boolean> {
    const result = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: { pk: `LEASE#${tenantId}#${connectionId}`, sk: flight },
        ConsistentRead: true,
      }),
    );
    return result.Item?.holder === jobId && result.Item.again === true;
  }

  async releasePush(tenantId: string, connectionId: string, flight: string, jobId: string): Promise<void> {
    try {
      await this.options.client.send(
        new DeleteCommand({
          TableName: this.options.tableName,
          Key: { pk: `LEASE#${tenantId}#${connectionId}`, sk: flight },
          ConditionExpression: "holder = :job",
          ExpressionAttributeValues: { ":job": jobId },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
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
