import type { DynamoDB } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { RateLimiterDynamo, RateLimiterRes, RateLimiterUnion } from "rate-limiter-flexible";
import type { LimitDef, Priority } from "#catalog/types.ts";
import { TokenBucketLimiter } from "./token-bucket.ts";
import type { BenchDecision, BenchLimiter } from "./worker-loop.ts";

export const LIMITER_NAMES = ["pacer", "rate-limiter-flexible", "token-bucket"] as const;
export type LimiterName = (typeof LIMITER_NAMES)[number];

export interface LimiterTarget {
  readonly tableName: string;
  readonly provider: string;
  readonly tenantId: string;
  readonly limits: readonly LimitDef[];
}

/** How every limiter here builds its document client: as Pacer's own adapters do. */
export function documentClientFor(dynamo: DynamoDB): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(dynamo, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
  });
}

/** Builds the limiter under test on an (instrumented) aggregated DynamoDB client. */
export async function createBenchLimiter(
  name: LimiterName,
  dynamo: DynamoDB,
  target: LimiterTarget,
): Promise<BenchLimiter> {
  switch (name) {
    case "pacer":
      return pacerLimiter(dynamo, target);
    case "rate-limiter-flexible":
      return flexibleLimiter(dynamo, target);
    case "token-bucket":
      return new TokenBucketLimiter({
        tableName: target.tableName,
        client: documentClientFor(dynamo),
        limits: target.limits,
        bucketKey: (limit) =>
          `TB#${target.provider}#${limit.id}#${limit.scope === "global" ? "*" : target.tenantId}`,
      });
  }
}

async function pacerLimiter(dynamo: DynamoDB, target: LimiterTarget): Promise<BenchLimiter> {
  // Loaded on demand: the other two limiters can be benchmarked while Pacer's is being edited.
  const { DynamoLimiter } = await import("#adapters/dynamo/dynamo-limiter.ts");
  const { takePermit } = await import("#core/limiter/take-permit.ts");
  const limiter = new DynamoLimiter({ tableName: target.tableName, client: documentClientFor(dynamo) });
  // Pacer's callers take permits through takePermit (reserve, wait for the moment, confirm a
  // reservation high work could take over, give up a permit woken too late for); so does the bench.
  return {
    acquire: async (priority, maxWaitMs) => {
      const permit = await takePermit(
        limiter,
        { provider: target.provider, limits: target.limits, scopeKey: target.tenantId, permits: 1, priority },
        { maxWaitMs },
      );
      return permit.granted
        ? { granted: true, waitMs: 0, validForMs: Math.max(0, permit.usableUntil - Date.now()) }
        : permit;
    },
  };
}

/**
 * rate-limiter-flexible as its README has a user combine several limits: one RateLimiterDynamo
 * per limit (points = N, duration = W in whole seconds, a fixed window), joined with
 * RateLimiterUnion, which consumes from all of them at once and rejects when any is exhausted.
 * With a single limit the RateLimiterDynamo is used directly. It has no notion of priority or of
 * reserving a later slot: a grant is for now, a rejection says when the window resets.
 */
function flexibleLimiter(dynamo: DynamoDB, target: LimiterTarget): BenchLimiter {
  const scopes = new Set(target.limits.map((limit) => limit.scope));
  // The union consumes one key from every limiter, so all limits must share one scope.
  if (scopes.size > 1) throw new Error("rate-limiter-flexible: a union needs limits of one scope");
  const key = scopes.has("tenant") ? target.tenantId : "global";
  const limiters = target.limits.map((limit) => {
    if (limit.perMs % 1_000 !== 0)
      throw new Error(`${limit.id}: RateLimiterDynamo counts whole seconds only`);
    return new RateLimiterDynamo({
      storeClient: dynamo,
      tableName: target.tableName,
      // The bench created the table (and its TTL) before the workers started.
      tableCreated: true,
      ttlSet: true,
      keyPrefix: `${target.provider}:${limit.id}`,
      points: limit.calls,
      duration: limit.perMs / 1_000,
    });
  });
  const [only] = limiters;
  const consumer = limiters.length === 1 && only ? only : new RateLimiterUnion(...limiters);
  return {
    acquire: async (_priority: Priority, _maxWaitMs: number): Promise<BenchDecision> => {
      try {
        await consumer.consume(key, 1);
        return { granted: true, waitMs: 0, validForMs: Number.POSITIVE_INFINITY };
      } catch (rejection) {
        const retryAfterMs = msBeforeNext(rejection);
        if (retryAfterMs === undefined) throw rejection;
        return { granted: false, retryAfterMs };
      }
    },
  };
}

/** A rejection's wait: one RateLimiterRes, or a union's record of them (the longest wins); undefined for a store error. */
function msBeforeNext(rejection: unknown): number | undefined {
  if (rejection instanceof RateLimiterRes) return Math.max(0, rejection.msBeforeNext);
  if (rejection === null || typeof rejection !== "object" || rejection instanceof Error) return undefined;
  const waits = Object.values(rejection)
    .filter((res): res is RateLimiterRes => res instanceof RateLimiterRes)
    .map((res) => Math.max(0, res.msBeforeNext));
  return waits.length > 0 ? Math.max(...waits) : undefined;
}
