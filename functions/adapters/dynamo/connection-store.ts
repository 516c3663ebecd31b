import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import type { ConnectionRecord, ConnectionStore } from "#core/connections/types.ts";
import { isConditionalCheckFailed, queryAll } from "./dynamo-util.ts";

export interface DynamoConnectionStoreOptions {
  /** TABLES.data. */
  readonly tableName: string;
  readonly client: Pick<DynamoDBDocumentClient, "send">;
}

/**
 * Connection records in the data table, all in one partition (a deployment has few, and the
 * scheduler reads them all):
 *   pk CONNECTIONS   sk <tenantId>#<connectionId>
 * The WebSocket broadcaster ignores this partition: connections are never broadcast.
 */
export const CONNECTIONS_PK = "CONNECTIONS";
const sortKey = (tenantId: string, connectionId: string) => `${tenantId}#${connectionId}`;

export class DynamoConnectionStore implements ConnectionStore {
  constructor(private readonly options: DynamoConnectionStoreOptions) {}

  async create(record: ConnectionRecord): Promise<boolean> {
    return this.put(record, { ConditionExpression: "attribute_not_exists(pk)" });
  }

  async get(tenantId: string, connectionId: string): Promise<ConnectionRecord | undefined> {
    const result = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: { pk: CONNECTIONS_PK, sk: sortKey(tenantId, connectionId) },
        ConsistentRead: true,
      }),
    );
    const record = result.Item && connectionFromItem(result.Item);
    return record?.tenantId === tenantId && record.connectionId === connectionId ? record : undefined;
  }

  async list(tenantId: string): Promise<ConnectionRecord[]> {
    const records = await this.query({
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :tenant)",
      ExpressionAttributeValues: { ":pk": CONNECTIONS_PK, ":tenant": `${tenantId}#` },
    });
    // A tenant id may itself hold "#": the prefix of "a" also matches "a#b"'s keys.
    return records.filter((r) => r.tenantId === tenantId);
  }

  async listAll(): Promise<ConnectionRecord[]> {
    return this.query({
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": CONNECTIONS_PK },
    });
  }

  async update(record: ConnectionRecord): Promise<boolean> {
    return this.put(record, {
      ConditionExpression: "#version = :previous",
      ExpressionAttributeNames: { "#version": "version" },
      ExpressionAttributeValues: { ":previous": record.version - 1 },
    });
  }

  async delete(tenantId: string, connectionId: string): Promise<void> {
    await this.options.client.send(
      new DeleteCommand({
        TableName: this.options.tableName,
        Key: { pk: CONNECTIONS_PK, sk: sortKey(tenantId, connectionId) },
      }),
    );
  }

  private async put(
    record: ConnectionRecord,
    condition: Pick<
      PutCommand["input"],
      "ConditionExpression" | "ExpressionAttributeNames" | "ExpressionAttributeValues"
    >,
  ): Promise<boolean> {
    try {
      await this.options.client.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: { pk: CONNECTIONS_PK, sk: sortKey(record.tenantId, record.connectionId), ...record },
          ...condition,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  private async query(
    input: Pick<QueryCommandInput, "KeyConditionExpression" | "ExpressionAttributeValues">,
  ): Promise<ConnectionRecord[]> {
    return (await queryAll(this.options.client, this.options.tableName, input)).map(connectionFromItem);
  }
}

/** A stored item as its record: the table's keys stripped. */
export function connectionFromItem(item: Record<string, unknown>): ConnectionRecord {
  const { pk: _pk, sk: _sk, ...record } = item;
  return record as unknown as ConnectionRecord;
}
