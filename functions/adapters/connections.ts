import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import { documentClient } from "#adapters/aws-clients.ts";
import { UnauthorizedError } from "#core/errors.ts";
import type { Connection, ConnectionStore } from "#core/live.ts";

/**
 * API Gateway closes a WebSocket after 2 hours; items live 10 minutes longer, so a connection
 * whose `$disconnect` never arrived still disappears (TTL) shortly after it can no longer exist.
 */
export const CONNECTION_TTL_SECONDS = 2 * 3600 + 10 * 60;

const META = "META";
const connectionPk = (connectionId: string) => `CONN#${connectionId}`;
const subscriptionSk = (topic: string) => `SUB#${topic}`;
const subscribersPk = (tenantId: string, topic: string) => `SUB#${tenantId}#${topic}`;

type Key = { pk: string; sk: string };
type WriteRequests = NonNullable<BatchWriteCommandInput["RequestItems"]>[string];

export interface ConnectionRepositoryOptions {
  readonly tableName: string;
  readonly client: Pick<DynamoDBDocumentClient, "send">;
  readonly now?: () => number;
}

/** How often a write that collided with a transaction on its connection's items is tried again. */
const TRANSACTION_CONFLICT_RETRIES = 3;

/**
 * The connections table:
 *   CONN#<id> / META                 the connection and its tenant
 *   CONN#<id> / SUB#<topic>          what it listens to (so `remove` finds its subscriptions)
 *   SUB#<tenant>#<topic> / <id>      who listens to a topic (so a broadcast is one query)
 *
 * A subscription never outlives its connection: `subscribe` writes only while the META item
 * exists (one transaction with a condition check on it), and `remove` deletes META first, then
 * every subscription a strongly consistent read finds. A subscribe racing `$disconnect` thus
 * either commits before the META delete (and the read after it sees and removes it) or fails.
 */
export function createConnectionRepository(options: ConnectionRepositoryOptions): ConnectionStore {
  const { tableName: TableName, client } = options;
  const now = options.now ?? Date.now;
  const expiresAt = (fromMs: number) => Math.floor(fromMs / 1000) + CONNECTION_TTL_SECONDS;

  async function queryAll(pk: string, consistent = false): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": pk },
          ConsistentRead: consistent,
          ExclusiveStartKey,
        }),
      );
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  async function deleteAll(keys: Key[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 25) {
      let requests: WriteRequests = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
      // Unprocessed items are throttled writes: retry them with backoff, then give up loudly.
      for (let attempt = 0; requests.length > 0; attempt += 1) {
        if (attempt === 5)
          throw new Error(`could not delete ${requests.length} connection items from ${TableName}`);
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        const result = await client.send(new BatchWriteCommand({ RequestItems: { [TableName]: requests } }));
        requests = result.UnprocessedItems?.[TableName] ?? [];
      }
    }
  }

  return {
    async save({ connectionId, tenantId, connectedAt }) {
      const connectedMs = Date.parse(connectedAt);
      await client.send(
        new PutCommand({
          TableName,
          Item: {
            pk: connectionPk(connectionId),
            sk: META,
            connectionId,
            tenantId,
            connectedAt,
            expiresAt: expiresAt(Number.isNaN(connectedMs) ? now() : connectedMs),
          },
        }),
      );
    },

    async get(connectionId) {
      const { Item } = await client.send(
        new GetCommand({
          TableName,
          Key: { pk: connectionPk(connectionId), sk: META },
          ConsistentRead: true,
        }),
      );
      if (!Item) return undefined;
      return {
        connectionId: String(Item.connectionId),
        tenantId: String(Item.tenantId),
        connectedAt: String(Item.connectedAt),
      } satisfies Connection;
    },

    async subscribe(connectionId, tenantId, topic) {
      const ttl = expiresAt(now());
      const command = new TransactWriteCommand({
        TransactItems: [
          {
            ConditionCheck: {
              TableName,
              Key: { pk: connectionPk(connectionId), sk: META },
              ConditionExpression: "attribute_exists(pk) AND tenantId = :tenantId",
              ExpressionAttributeValues: { ":tenantId": tenantId },
            },
          },
          {
            Put: {
              TableName,
              Item: {
                pk: connectionPk(connectionId),
                sk: subscriptionSk(topic),
                tenantId,
                topic,
                expiresAt: ttl,
              },
            },
          },
          {
            Put: {
              TableName,
              Item: { pk: subscribersPk(tenantId, topic), sk: connectionId, expiresAt: ttl },
            },
          },
        ],
      });
      try {
        await retryOnConflict(() => client.send(command));
      } catch (error) {
        if (cancellationReason(error) === "ConditionalCheckFailed") {
          throw new UnauthorizedError(
            "this connection is not registered (it may have closed or expired): reconnect",
          );
        }
        throw error;
      }
    },

    async unsubscribe(connectionId, tenantId, topic) {
      const command = new TransactWriteCommand({
        TransactItems: [
          { Delete: { TableName, Key: { pk: connectionPk(connectionId), sk: subscriptionSk(topic) } } },
          { Delete: { TableName, Key: { pk: subscribersPk(tenantId, topic), sk: connectionId } } },
        ],
      });
      await retryOnConflict(() => client.send(command));
    },

    async subscribers(tenantId, topic) {
      const items = await queryAll(subscribersPk(tenantId, topic));
      return items.map((item) => String(item.sk));
    },

    async remove(connectionId) {
      // META goes first: from here on no subscribe can commit, so the read below sees them all.
      await retryOnConflict(() =>
        client.send(new DeleteCommand({ TableName, Key: { pk: connectionPk(connectionId), sk: META } })),
      );
      const items = await queryAll(connectionPk(connectionId), true);
      const keys: Key[] = [];
      for (const item of items) {
        keys.push({ pk: String(item.pk), sk: String(item.sk) });
        if (
          String(item.sk).startsWith("SUB#") &&
          typeof item.tenantId === "string" &&
          typeof item.topic === "string"
        ) {
          keys.push({ pk: subscribersPk(item.tenantId, item.topic), sk: connectionId });
        }
      }
      await deleteAll(keys);
    },
  };
}

/**
 * Runs `write` again when it collided with a transaction on the same items (a subscribe racing its
 * connection's `$disconnect`, or two subscribes): the SDK retries neither kind of conflict.
 */
async function retryOnConflict<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await write();
    } catch (error) {
      const conflict =
        (error as { name?: unknown } | null)?.name === "TransactionConflictException" ||
        cancellationReason(error) === "TransactionConflict";
      if (!conflict || attempt === TRANSACTION_CONFLICT_RETRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt * (0.5 + Math.random())));
    }
  }
}

/**
 * Why DynamoDB cancelled a transaction, for the first item that had a reason; undefined for any
 * other error. (`TransactionCanceledException.CancellationReasons` lists one entry per item.)
 */
function cancellationReason(error: unknown): string | undefined {
  const e = error as { name?: unknown; CancellationReasons?: { Code?: string }[] } | null;
  if (e?.name !== "TransactionCanceledException") return undefined;
  return e.CancellationReasons?.map((r) => r.Code).find((code) => code !== undefined && code !== "None");
}

/** The repository over the connections table, through the shared document client; call at module load. */
export function connectionsOn(tableName: string): ConnectionStore {
  return createConnectionRepository({ tableName, client: documentClient });
}
