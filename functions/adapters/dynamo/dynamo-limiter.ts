import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { BatchGetCommand, GetCommand, PutCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { Batches } from "#core/limiter/batches.ts";
import {
  type BatchEntry,
  contendedDecision,
  type Placement,
  placeBatch,
  takeoverLanded,
} from "#core/limiter/placement.ts";
import {
  emptyScopeState,
  isHeld,
  type LimiterState,
  type ScopeRef,
  scopeIdsOf,
  usageOf,
  withPause,
} from "#core/limiter/scope-state.ts";
import { defaultPolicy, type Hold, type LimitPolicy } from "#core/limiter/sliding-log.ts";
import type { Limiter, LimitUsage, PermitDecision, PermitRequest } from "#core/limiter/types.ts";
import { isConditionalCheckFailed } from "./dynamo-util.ts";
import { decodeScope, encodeScope, keyOf, limiterKey, storedKeyOf, unchangedSince } from "./limiter-codec.ts";

export interface DynamoLimiterOptions {
  readonly tableName: string;
  readonly client: DynamoDBDocumentClient;
  readonly policy?: LimitPolicy;
  readonly clock?: () => number;
  /** Optimistic-concurrency retries before answering "try again shortly". */
  readonly maxContentionRetries?: number;
}

/** The scope states a request reads, by scope id, and the version each write must find. */
interface ReadState {
  readonly state: LimiterState;
  readonly versions: ReadonlyMap<string, number | undefined>;
}

/**
 * The shared limiter on DynamoDB. All of a provider's limits of one scope (global, or one
 * tenant's) live in one item, so a grant under several limits at once is one conditional write
 * of about one write unit: read the item, place the permits (see placement.ts), write the item
 * back under a version condition. Concurrent workers can never both take the last permit, and no
 * permit is consumed when another limit refuses. Permits may be reserved ahead (`maxWaitMs`), so
 * concurrent callers queue on distinct moments instead of racing for one.
 */
export class DynamoLimiter implements Limiter {
  private readonly policy: LimitPolicy;
  private readonly clock: () => number;

  constructor(private readonly options: DynamoLimiterOptions) {
    this.policy = options.policy ?? defaultPolicy;
    this.clock = options.clock ?? Date.now;
  }

  async acquire(request: PermitRequest): Promise<PermitDecision> {
    const keys = scopeIdsOf(request).map(limiterKey).sort().join("|");
    return this.batches.run(keys, request);
  }

  /** This process's callers of one item, served a batch at a time: one read, one write. */
  private readonly batches = new Batches<PermitRequest, PermitDecision>((_, batch) => this.serve(batch));

  /**
   * Answers a batch of requests on the same item(s): reads once, places the batch, and writes once
   * under the version condition — again from a fresh read if another process wrote first.
   */
  private async serve(batch: readonly PermitRequest[]): Promise<PermitDecision[]> {
    const retries = this.options.maxContentionRetries ?? 12;
    const decisions: (PermitDecision | undefined)[] = batch.map(() => undefined);
    // Still to answer, each with the permits it gives back (freed with the next write).
    let pending: (BatchEntry & { readonly index: number })[] = batch.map((request, index) => ({
      request,
      index,
      ...(request.release ? { giveBack: request.release } : {}),
    }));
    for (let attempt = 0; attempt <= retries && pending.length > 0; attempt++) {
      const first = pending[0] as (typeof pending)[number];
      const read = await this.read(first.request);
      const { state, placements } = placeBatch(read.state, pending, this.clock(), { policy: this.policy });
      const placed: ((typeof pending)[number] & { placement: Placement & { granted: true } })[] = [];
      pending.forEach((entry, i) => {
        const placement = placements[i] as Placement;
        if (placement.granted) placed.push({ ...entry, placement });
        else decisions[entry.index] = placement.decision;
      });
      if (placed.length === 0) break;
      if (!(await this.write(read.versions, state))) {
        // Lost a race to another process: back off, jittered and growing — high work only briefly.
        const urgent = placed.some((p) => p.request.priority === "high");
        await new Promise((r) => setTimeout(r, backoffMs(urgent ? "high" : "low", attempt)));
        pending = placed;
        continue;
      }
      const writtenAt = this.clock();
      pending = [];
      for (const { index, request, placement } of placed) {
        if (placement.takeover && !takeoverLanded(placement.takeover, writtenAt))
          pending.push({ request, index, giveBack: { at: placement.decision.at, permits: 1 } });
        else decisions[index] = placement.decision;
      }
    }
    return decisions.map((decision) => decision ?? contendedDecision());
  }

  async confirm(scope: ScopeRef, hold: Hold): Promise<boolean> {
    const { state } = await this.read(scope);
    return isHeld(state, scope, hold, this.clock(), this.policy);
  }

  async pause(scope: ScopeRef, untilMs: number): Promise<void> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const read = await this.read(scope);
      const paused = withPause(read.state, scope, untilMs);
      if (!paused || (await this.write(read.versions, paused))) return;
    }
    throw new Error("could not record the provider's pause: too much contention on the limiter");
  }

  async usage(scope: ScopeRef): Promise<LimitUsage[]> {
    const { state } = await this.read(scope);
    return usageOf(state, scope, this.clock(), this.policy);
  }

  /** The scope's items, consistently read; a missing one reads as an empty state. */
  private async read(scope: ScopeRef): Promise<ReadState> {
    const ids = scopeIdsOf(scope);
    let raw: Record<string, unknown>[];
    if (ids.length === 1) {
      const result = await this.options.client.send(
        new GetCommand({
          TableName: this.options.tableName,
          Key: keyOf(limiterKey(ids[0] as string)),
          ConsistentRead: true,
        }),
      );
      raw = result.Item ? [result.Item] : [];
    } else {
      const result = await this.options.client.send(
        new BatchGetCommand({
          RequestItems: {
            [this.options.tableName]: { Keys: ids.map((id) => keyOf(limiterKey(id))), ConsistentRead: true },
          },
        }),
      );
      if (Object.keys(result.UnprocessedKeys ?? {}).length > 0) throw new Error("limiter read was throttled");
      raw = result.Responses?.[this.options.tableName] ?? [];
    }
    const byKey = new Map(raw.map((item) => [storedKeyOf(item), item]));
    const stored = ids.map((id) => [id, decodeScope(byKey.get(limiterKey(id)))] as const);
    return {
      state: new Map(stored.map(([id, s]) => [id, s.state])),
      versions: new Map(stored.map(([id, s]) => [id, s.version])),
    };
  }

  /** Writes the states back if no other writer changed any of their items since they were read. */
  private async write(versions: ReadState["versions"], state: LimiterState): Promise<boolean> {
    const now = this.clock();
    const puts = [...versions].map(([id, version]) => ({
      TableName: this.options.tableName,
      Item: encodeScope(limiterKey(id), version, state.get(id) ?? emptyScopeState, now),
      ...unchangedSince(version),
    }));
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
}

/** After a lost race: about a round trip, fully jittered, growing; a few ms for high work. */
function backoffMs(priority: PermitRequest["priority"], attempt: number): number {
  return priority === "high"
    ? 1 + Math.random() * Math.min(20, 4 * 2 ** attempt)
    : 5 + Math.random() * Math.min(200, 20 * 2 ** attempt);
}
