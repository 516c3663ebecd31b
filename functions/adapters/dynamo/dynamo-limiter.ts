import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { BatchGetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { LimitDef } from "#catalog/types.ts";
import {
  defaultPolicy,
  effectiveWindowMs,
  grant,
  type LimitPolicy,
  type LimitState,
  liveGrants,
  waitMs,
} from "#core/limiter/sliding-log.ts";
import type { Limiter, LimitUsage, PermitDecision, PermitRequest } from "#core/limiter/types.ts";
import { isConditionalCheckFailed } from "./dynamo-util.ts";

export interface DynamoLimiterOptions {
  readonly tableName: string;
  readonly client: DynamoDBDocumentClient;
  readonly policy?: LimitPolicy;
  readonly clock?: () => number;
  /** Optimistic-concurrency retries before answering "try again shortly". */
  readonly maxContentionRetries?: number;
}

interface StoredLimit {
  readonly key: string;
  readonly limit: LimitDef;
  readonly state: LimitState;
  /** undefined: the item does not exist yet. */
  readonly version: number | undefined;
}

type Scope = Omit<PermitRequest, "permits" | "priority">;

const itemKey = (scope: Scope, limit: LimitDef) =>
  `LIM#${scope.provider}#${limit.id}#${limit.scope === "global" ? "*" : scope.tenantId}`;

/**
 * The shared limiter on DynamoDB: one item per limit and scope holds that limit's sliding log.
 * A grant reads the items, checks every limit, and writes them all back under a version
 * condition (one transaction when there are several), so concurrent workers can never both take
 * the last permit, and no permit is consumed when another limit refuses.
 */
export class DynamoLimiter implements Limiter {
  private readonly policy: LimitPolicy;
  private readonly clock: () => number;

  constructor(private readonly options: DynamoLimiterOptions) {
    this.policy = options.policy ?? defaultPolicy;
    this.clock = options.clock ?? Date.now;
  }

  async acquire(request: PermitRequest): Promise<PermitDecision> {
    const retries = this.options.maxContentionRetries ?? 12;
    for (let attempt = 0; attempt <= retries; attempt++) {
      const stored = await this.read(request);
      const now = this.clock();
      const wait = Math.max(
        0,
        ...stored.map((s) => waitMs(s.state, s.limit, request.permits, request.priority, now, this.policy)),
      );
      if (wait > 0) return { granted: false, retryAfterMs: wait };
      if (await this.write(stored, request.permits, now)) return { granted: true };
      // Lost a race to another worker: back off a little, with jitter so racers spread out.
      await new Promise((r) => setTimeout(r, 2 + Math.random() * 8 * (attempt + 1)));
    }
    return { granted: false, retryAfterMs: 50 + Math.floor(Math.random() * 50) };
  }

  async pause(scope: Scope, untilMs: number): Promise<void> {
    await Promise.all(
      scope.limits.map(async (limit) => {
        try {
          await this.options.client.send(
            new UpdateCommand({
              TableName: this.options.tableName,
              Key: { pk: itemKey(scope, limit) },
              UpdateExpression: "SET pausedUntil = :until, expiresAt = :exp",
              ConditionExpression: "attribute_not_exists(pausedUntil) OR pausedUntil < :until",
              ExpressionAttributeValues: { ":until": untilMs, ":exp": this.expiry(limit, untilMs) },
            }),
          );
        } catch (error) {
          if (!isConditionalCheckFailed(error)) throw error; // an even later pause is already set
        }
      }),
    );
  }

  async usage(scope: Scope): Promise<LimitUsage[]> {
    const stored = await this.read(scope);
    const now = this.clock();
    return stored.map(({ limit, state }) => ({
      limitId: limit.id,
      scope: limit.scope,
      calls: limit.calls,
      perMs: limit.perMs,
      used: liveGrants(state, limit.perMs, now).length,
      ...(state.pausedUntil !== undefined && state.pausedUntil > now
        ? { pausedUntil: new Date(state.pausedUntil).toISOString() }
        : {}),
    }));
  }

  private async read(scope: Scope): Promise<StoredLimit[]> {
    const keys = scope.limits.map((limit) => itemKey(scope, limit));
    const result = await this.options.client.send(
      new BatchGetCommand({
        RequestItems: {
          [this.options.tableName]: { Keys: keys.map((pk) => ({ pk })), ConsistentRead: true },
        },
      }),
    );
    const items = new Map(
      (result.Responses?.[this.options.tableName] ?? []).map((item) => [String(item.pk), item]),
    );
    if (Object.keys(result.UnprocessedKeys ?? {}).length > 0) throw new Error("limiter read was throttled");
    return scope.limits.map((limit, i) => {
      const key = keys[i] as string;
      const item = items.get(key);
      return {
        key,
        limit,
        version: item ? Number(item.version) : undefined,
        state: {
          grants: Array.isArray(item?.grants) ? (item.grants as number[]) : [],
          pausedUntil: item?.pausedUntil === undefined ? undefined : Number(item.pausedUntil),
        },
      };
    });
  }

  /** Writes every limit's new log if no other writer changed any of them since the read. */
  private async write(stored: readonly StoredLimit[], permits: number, now: number): Promise<boolean> {
    const puts = stored.map((s) => {
      const next = grant(s.state, s.limit, permits, now, this.policy);
      return {
        TableName: this.options.tableName,
        Item: {
          pk: s.key,
          grants: next.grants,
          version: (s.version ?? 0) + 1,
          ...(next.pausedUntil !== undefined ? { pausedUntil: next.pausedUntil } : {}),
          expiresAt: this.expiry(s.limit, Math.max(now, next.pausedUntil ?? 0)),
        },
        ConditionExpression: s.version === undefined ? "attribute_not_exists(pk)" : "version = :v",
        ...(s.version === undefined ? {} : { ExpressionAttributeValues: { ":v": s.version } }),
      };
    });
    try {
      if (puts.length === 1) await this.options.client.send(new PutCommand(puts[0] as (typeof puts)[0]));
      else
        await this.options.client.send(
          new TransactWriteCommand({ TransactItems: puts.map((Put) => ({ Put })) }),
        );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /** Limiter items are worthless once their window (and any pause) has passed; TTL removes them. */
  private expiry(limit: LimitDef, fromMs: number): number {
    return Math.ceil((fromMs + effectiveWindowMs(limit, this.policy)) / 1000) + 3600;
  }
}
