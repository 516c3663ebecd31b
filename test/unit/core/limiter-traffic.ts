import fc from "fast-check";
import type { LimitDef, Priority } from "#catalog/types.ts";
import { type BatchEntry, placeBatch, takeoverLanded } from "#core/limiter/placement.ts";
import type { LimiterState } from "#core/limiter/scope-state.ts";
import {
  CONFIRM_LEAD_MS,
  defaultPolicy,
  type LimitPolicy,
  TIMER_SLACK_MS,
} from "#core/limiter/sliding-log.ts";
import type { PermitRequest } from "#core/limiter/types.ts";

/**
 * Traffic for the placement properties: a provider's limits, callers asking under some of them
 * (generated), and a replay of their asks through the placement rules on a virtual clock that
 * plays every caller's part the way takePermit and the DynamoDB adapter do, recording the calls
 * actually made — the thing a strict provider counts.
 */

/** One caller's ask: who asks, under which limits, how much and how long it may wait. */
export interface Ask {
  readonly at: number;
  readonly tenant: string;
  readonly limits: readonly LimitDef[];
  readonly permits: number;
  readonly priority: Priority;
  readonly maxWaitMs: number;
  /** How long the write of the batch this ask lands in takes: decides whether a takeover lands. */
  readonly writeMs: number;
  /** How late in its permit's validity the caller calls, 0..1. */
  readonly lateness: number;
  /** How early its timers fire, by the wall clock (at most TIMER_SLACK_MS). */
  readonly timerEarlyMs: number;
}

/** A call made to the provider. */
export interface Call {
  readonly at: number;
  readonly ask: Ask;
}

export interface Replayed {
  readonly calls: Call[];
  /** Every grant's moment and its ask, including reservations later taken over. */
  readonly grants: { readonly at: number; readonly waitMs: number; readonly ask: Ask }[];
  /** Takeovers that landed: the taker's ask and the holder's. */
  readonly takeovers: { readonly taker: Ask; readonly holder: Ask }[];
  readonly state: LimiterState;
}

/**
 * A provider's limits: `a` and `c` global (one item, one budget for every tenant), `b` per tenant.
 * A request names some of them, in any order.
 */
export interface Limits {
  readonly a: LimitDef;
  readonly b: LimitDef;
  readonly c: LimitDef;
}
export const USES = ["a", "b", "c", "ab", "ba", "ac", "cab"] as const;
export type Uses = (typeof USES)[number];
export const limitsOf = (uses: Uses, limits: Limits): LimitDef[] =>
  [...uses].map((id) => limits[id as keyof Limits]);
export const all = (limits: Limits) => [limits.a, limits.b, limits.c];

/** A limit of 1–8 calls per 0.2–3.2 s (long against the traffic's spread, so work reserves ahead). */
export const limitArb = (id: string, scope: "global" | "tenant", reserve: { min: number; max: number }) =>
  fc.integer({ min: Math.max(1, reserve.min + 1), max: 8 }).chain((calls) =>
    fc.record({
      id: fc.constant(id),
      calls: fc.constant(calls),
      perMs: fc.integer({ min: 200, max: 3_200 }),
      scope: fc.constant(scope),
      reserve: fc.integer({ min: reserve.min, max: Math.min(reserve.max, Math.max(reserve.min, calls - 1)) }),
    }),
  );
export const limitsArb = (reserve: { min: number; max: number }): fc.Arbitrary<Limits> =>
  fc.record({
    a: limitArb("a", "global", reserve),
    b: limitArb("b", "tenant", reserve),
    c: limitArb("c", "global", reserve),
  });
export const anyReserve = { min: 0, max: 2 };
/** A reserve of at least one, below the limit: normal and low work always has a share. */
export const someReserve = { min: 1, max: 2 };
export const marginArb = fc.integer({ min: 0, max: 30 });
export const policyOf = (margin: number): LimitPolicy => ({ ...defaultPolicy, safetyMarginMs: () => margin });

export const shapeArb = (priorities: readonly Priority[]) =>
  fc.record({
    at: fc.integer({ min: 0, max: 3_000 }),
    tenant: fc.constantFrom("t1", "t2"),
    uses: fc.constantFrom(...USES),
    permits: fc.integer({ min: 1, max: 3 }),
    priority: fc.constantFrom(...priorities),
    maxWaitMs: fc.constantFrom(0, 500, 5_000, 5_000),
    // Quick, or slow enough that a takeover of a near reservation is written after its holder looked.
    writeMs: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 15, max: 45 })),
    lateness: fc.double({ min: 0, max: 1, noNaN: true }),
    timerEarlyMs: fc.integer({ min: 0, max: TIMER_SLACK_MS }),
  });
export type Shape = typeof shapeArb extends (p: Priority[]) => fc.Arbitrary<infer S> ? S : never;
export const anyTraffic = fc.array(shapeArb(["high", "normal", "low", "low"]), {
  minLength: 10,
  maxLength: 120,
  size: "medium",
});

/** Asks from shapes, each for no more permits than its limits allow at all. */
export const asksOf = (
  shapes: readonly Shape[],
  limits: Limits,
  maxPermits = (l: LimitDef) => l.calls,
): Ask[] =>
  shapes.map(({ uses, ...shape }) => {
    const named = limitsOf(uses, limits);
    return { ...shape, limits: named, permits: Math.min(shape.permits, ...named.map(maxPermits)) };
  });

export const isLower = (ask: Ask) => ask.priority !== "high";
/** The calls that count against `limit`: all of them for a global limit, one tenant's for a tenant limit. */
export const countedBy = (calls: readonly Call[], limit: LimitDef, tenant: string) =>
  calls.filter((c) => c.ask.limits.includes(limit) && (limit.scope === "global" || c.ask.tenant === tenant));

const RANK: Record<Priority, number> = { high: 0, normal: 1, low: 2 };
/** The adapter's optimistic-concurrency attempts (DynamoLimiterOptions.maxContentionRetries + 1). */
const ATTEMPTS = 13;

interface Pending {
  readonly time: number;
  readonly seq: number;
  readonly ask: Ask;
  readonly giveBack?: BatchEntry["giveBack"];
  readonly attempt: number;
}

/** The items a request reads, as the adapter batches by them. */
const itemsOf = (ask: Ask) =>
  [...new Set(ask.limits.map((l) => (l.scope === "global" ? "*" : ask.tenant)))].sort().join("|");

const requestOf = (ask: Ask): PermitRequest => ({
  provider: "p",
  limits: ask.limits,
  scopeKey: ask.tenant,
  permits: ask.permits,
  priority: ask.priority,
  maxWaitMs: ask.maxWaitMs,
});

export function replay(asks: readonly Ask[], policy: LimitPolicy, start: LimiterState = new Map()): Replayed {
  let state = start;
  let seq = 0;
  // Unique tokens, so a reservation names its holder.
  let token = 0;
  const random = () => ++token / 2 ** 30;
  const queue: Pending[] = asks.map((ask) => ({ time: ask.at, seq: seq++, ask, attempt: 0 }));
  const calls: Call[] = [];
  const grants: Replayed["grants"] = [];
  const takeovers: Replayed["takeovers"] = [];
  const holders = new Map<
    number,
    { readonly at: number; readonly validForMs: number; readonly ask: Ask; taken: boolean }
  >();
  const call = (at: number, ask: Ask, validForMs: number) => {
    for (let i = 0; i < ask.permits; i++) calls.push({ at: at + Math.round(ask.lateness * validForMs), ask });
  };

  while (queue.length > 0) {
    const now = Math.min(...queue.map((p) => p.time));
    const due = queue.filter((p) => p.time === now);
    queue.splice(0, queue.length, ...queue.filter((p) => p.time !== now));
    const byItems = new Map<string, Pending[]>();
    for (const p of due) byItems.set(itemsOf(p.ask), [...(byItems.get(itemsOf(p.ask)) ?? []), p]);
    for (const group of byItems.values()) {
      const batch = group.sort((x, y) => RANK[x.ask.priority] - RANK[y.ask.priority] || x.seq - y.seq);
      const entries = batch.map((p) => ({
        request: requestOf(p.ask),
        ...(p.giveBack ? { giveBack: p.giveBack } : {}),
      }));
      const placed = placeBatch(state, entries, now, { policy, random });
      // As the adapter: a batch that placed nothing writes nothing.
      if (!placed.placements.some((p) => p.granted)) continue;
      state = placed.state;
      const writtenAt = now + Math.max(...batch.map((p) => p.ask.writeMs));
      placed.placements.forEach((placement, i) => {
        const { ask, attempt } = batch[i] as Pending;
        if (!placement.granted) return;
        const { decision, takeover } = placement;
        grants.push({ at: decision.at, waitMs: decision.waitMs, ask });
        if (takeover) {
          const holder = holders.get(takeover.token);
          if (!holder) throw new Error(`took over a reservation nobody holds: ${JSON.stringify(takeover)}`);
          // The holder looks just before its moment: written by then, the takeover is what it finds.
          const holderLooksAt = holder.at - CONFIRM_LEAD_MS - holder.ask.timerEarlyMs;
          if (writtenAt < holderLooksAt) {
            holder.taken = true;
            queue.push({
              time: holderLooksAt,
              seq: seq++,
              ask: holder.ask,
              giveBack: { at: holder.at, permits: holder.ask.permits },
              attempt: 0,
            });
          }
          if (takeoverLanded(takeover, writtenAt)) {
            takeovers.push({ taker: ask, holder: holder.ask });
            call(decision.at, ask, decision.validForMs);
          } else if (attempt + 1 < ATTEMPTS) {
            // Too late to be sure the holder saw it: the taker gives its permit back and tries again.
            queue.push({
              time: writtenAt,
              seq: seq++,
              ask,
              giveBack: { at: decision.at, permits: 1 },
              attempt: attempt + 1,
            });
          }
          return;
        }
        if (decision.hold)
          holders.set(decision.hold.token, {
            at: decision.at,
            validForMs: decision.validForMs,
            ask,
            taken: false,
          });
        else call(decision.at, ask, decision.validForMs);
      });
    }
  }
  for (const holder of holders.values()) {
    if (!holder.taken) call(holder.at, holder.ask, holder.validForMs);
  }
  return { calls, grants, takeovers, state };
}

/** The most moments of `times` in any window (end − W, end], wherever it ends. */
export function maxInAnyWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  let from = 0;
  for (let to = 0; to < sorted.length; to++) {
    while ((sorted[from] as number) <= (sorted[to] as number) - windowMs) from++;
    max = Math.max(max, to - from + 1);
  }
  return max;
}
