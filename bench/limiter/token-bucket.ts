import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { LimitDef, Priority } from "#catalog/types.ts";
import { type Bucket, type BucketShape, msUntilToken, refill, takeToken } from "./bucket.ts";
import type { BenchDecision, BenchLimiter } from "./worker-loop.ts";

export interface TokenBucketOptions {
  readonly tableName: string;
  readonly client: DynamoDBDocumentClient;
  readonly limits: readonly LimitDef[];
  /** Names each limit's bucket (its scope key). */
  readonly bucketKey: (limit: LimitDef) => string;
  readonly clock?: () => number;
}

/**
 * The baseline a team writes first: one bucket item per limit, read (GetItem), refilled in
 * memory, and written back with one token less (PutItem) when every bucket holds one. Nothing
 * conditions the write, so two workers that read the same state both take "the last" token;
 * and a full bucket lets a burst of N through right after N others. No priorities.
 */
export class TokenBucketLimiter implements BenchLimiter {
  readonly #options: TokenBucketOptions;
  readonly #clock: () => number;

  constructor(options: TokenBucketOptions) {
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
  }

  async acquire(_priority: Priority, _maxWaitMs: number): Promise<BenchDecision> {
    const { client, tableName, limits, bucketKey } = this.#options;
    const stored = await Promise.all(
      limits.map((limit) =>
        client.send(
          new GetCommand({ TableName: tableName, Key: { pk: bucketKey(limit) }, ConsistentRead: true }),
        ),
      ),
    );
    const now = this.#clock();
    const buckets = limits.map((limit, i) => refill(asBucket(stored[i]?.Item), shapeOf(limit), now));
    const wait = Math.max(
      0,
      ...buckets.map((bucket, i) => msUntilToken(bucket, shapeOf(limits[i] as LimitDef))),
    );
    if (wait > 0) return { granted: false, retryAfterMs: wait };
    await Promise.all(
      limits.map((limit, i) =>
        client.send(
          new PutCommand({
            TableName: tableName,
            Item: { pk: bucketKey(limit), ...takeToken(buckets[i] as Bucket) },
          }),
        ),
      ),
    );
    return { granted: true, waitMs: 0, validForMs: Number.POSITIVE_INFINITY };
  }
}

function shapeOf(limit: LimitDef): BucketShape {
  return { capacity: limit.calls, perMs: limit.perMs };
}

function asBucket(item: Record<string, unknown> | undefined): Bucket | undefined {
  if (item === undefined) return undefined;
  return { tokens: Number(item.tokens), updatedAt: Number(item.updatedAt) };
}
