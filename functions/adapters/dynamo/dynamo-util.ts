import {
  BatchGetCommand,
  type BatchGetKeysAndAttributes,
  BatchWriteCommand,
  type BatchWriteCommandOutput,
  type BatchWriteWriteRequest,
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";

/** A failed condition on a single write, or any item of a transaction. */
export function isConditionalCheckFailed(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  return name === "ConditionalCheckFailedException" || name === "TransactionCanceledException";
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping result order. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** Every item a query matches, page after page, read consistently. */
export async function queryAll(
  client: Pick<DynamoDBDocumentClient, "send">,
  tableName: string,
  input: Pick<
    QueryCommandInput,
    | "KeyConditionExpression"
    | "ExpressionAttributeValues"
    | "ExpressionAttributeNames"
    | "ProjectionExpression"
  >,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey, ...input }),
    );
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

/** What every answer of an AWS service carries: its request id, status and the SDK's attempts. */
type ResponseMetadata = BatchWriteCommandOutput["$metadata"];

/** DynamoDB's cap on the requests of one BatchWriteItem. */
export const BATCH_WRITE_MAX_ITEMS = 25;
/** DynamoDB's cap on the keys of one BatchGetItem. */
export const BATCH_GET_MAX_KEYS = 100;

/**
 * How often, and how far apart, a batch's unprocessed part is sent again. Unprocessed items are
 * DynamoDB shedding load on a hot partition: a short pause usually clears it, and a bounded number
 * of attempts keeps a Lambda from spending its time waiting on a table that stays throttled.
 */
export interface BatchRetryPolicy {
  /** Requests per batch, the first included. */
  readonly maxAttempts: number;
  /** The pause before the first retry; it doubles for each further one. */
  readonly baseDelayMs: number;
  /** The longest pause between two attempts. */
  readonly maxDelayMs: number;
}

/** At most 8 requests per batch, about 2.5 s of pauses in all (25 ms doubling, capped at 1 s). */
export const DEFAULT_BATCH_RETRY: BatchRetryPolicy = { maxAttempts: 8, baseDelayMs: 25, maxDelayMs: 1_000 };

/**
 * DynamoDB still left part of a batch unprocessed after every attempt the policy allows. It carries
 * the last response's `$metadata` (request id, for AWS support): like any error of an AWS service,
 * a job run failing with it is storage trouble, retried, and shown to the tenant without table names.
 */
export class UnprocessedItemsError extends Error {
  constructor(
    readonly operation: "BatchWriteItem" | "BatchGetItem",
    readonly tableName: string,
    readonly unprocessed: number,
    readonly attempts: number,
    readonly $metadata: ResponseMetadata,
  ) {
    super(`${operation} on ${tableName} left ${unprocessed} unprocessed after ${attempts} attempts`);
    this.name = "UnprocessedItemsError";
  }
}

/**
 * Puts every item, 25 per BatchWriteItem, sending unprocessed ones again with capped exponential
 * backoff (full jitter); throws UnprocessedItemsError when some still are after the last attempt.
 * Items are unconditional overwrites, and no two may share a key (DynamoDB refuses the batch).
 */
export async function batchWriteAll(
  client: Pick<DynamoDBDocumentClient, "send">,
  tableName: string,
  items: readonly Record<string, unknown>[],
  policy: BatchRetryPolicy = DEFAULT_BATCH_RETRY,
): Promise<void> {
  for (const chunk of chunks(items, BATCH_WRITE_MAX_ITEMS)) {
    const requests: BatchWriteWriteRequest[] = chunk.map((Item) => ({ PutRequest: { Item } }));
    await untilProcessed("BatchWriteItem", tableName, requests, policy, async (pending) => {
      const result = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      return { unprocessed: result.UnprocessedItems?.[tableName] ?? [], $metadata: result.$metadata };
    });
  }
}

/**
 * Every item stored under `keys` (absent ones are simply missing from the result, in no particular
 * order), 100 keys per BatchGetItem, unprocessed keys asked again like {@link batchWriteAll} does.
 * Duplicate keys are asked for once.
 */
export async function batchGetAll(
  client: Pick<DynamoDBDocumentClient, "send">,
  tableName: string,
  keys: readonly Record<string, unknown>[],
  input: Pick<
    BatchGetKeysAndAttributes,
    "ProjectionExpression" | "ExpressionAttributeNames" | "ConsistentRead"
  > = {},
  policy: BatchRetryPolicy = DEFAULT_BATCH_RETRY,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (const chunk of chunks(distinctKeys(keys), BATCH_GET_MAX_KEYS)) {
    await untilProcessed("BatchGetItem", tableName, chunk, policy, async (pending) => {
      const result = await client.send(
        new BatchGetCommand({ RequestItems: { [tableName]: { ...input, Keys: pending } } }),
      );
      items.push(...(result.Responses?.[tableName] ?? []));
      return { unprocessed: result.UnprocessedKeys?.[tableName]?.Keys ?? [], $metadata: result.$metadata };
    });
  }
  return items;
}

/** Sends `first`, then what each answer left unprocessed, until nothing is left or attempts run out. */
async function untilProcessed<T>(
  operation: UnprocessedItemsError["operation"],
  tableName: string,
  first: readonly T[],
  policy: BatchRetryPolicy,
  send: (pending: T[]) => Promise<{ unprocessed: T[]; $metadata: ResponseMetadata }>,
): Promise<void> {
  let pending = [...first];
  for (let attempt = 1; pending.length > 0; attempt++) {
    const answer = await send(pending);
    pending = answer.unprocessed;
    if (pending.length === 0) return;
    if (attempt >= policy.maxAttempts) {
      throw new UnprocessedItemsError(operation, tableName, pending.length, attempt, answer.$metadata);
    }
    // Full jitter: concurrent writers throttled together do not all come back at the same moment.
    const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
    await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
  }
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}

/** BatchGetItem refuses a request that names one key twice. */
function distinctKeys(keys: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  const byKey = new Map<string, Record<string, unknown>>();
  for (const key of keys) {
    byKey.set(JSON.stringify(Object.entries(key).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), key);
  }
  return [...byKey.values()];
}
