import type { LimitDef, Priority } from "#catalog/types.ts";

/**
 * The arithmetic of an exact sliding-window limit. The state of one limit is the log of the
 * grant times still inside its window; a request for k permits fits when the log plus k stays
 * within the budget, so no window of length W, wherever it starts, ever holds more than N grants.
 */
export interface LimitState {
  /** Grant times (epoch ms), ascending. */
  readonly grants: readonly number[];
  /** Provider feedback: nothing is granted before this time. */
  readonly pausedUntil?: number;
}

export interface LimitPolicy {
  /** Added to every window so that network jitter between grant and call can't squeeze two windows into one. */
  readonly safetyMarginMs: (limit: LimitDef) => number;
  /** Permits of each limit that only `high` work may take. */
  readonly reserve: (limit: LimitDef) => number;
}

export const defaultPolicy: LimitPolicy = {
  safetyMarginMs: (limit) => Math.min(250, Math.ceil(limit.perMs * 0.05)),
  reserve: (limit) => Math.floor(limit.calls * 0.1),
};

export function effectiveWindowMs(limit: LimitDef, policy: LimitPolicy): number {
  return limit.perMs + policy.safetyMarginMs(limit);
}

/** Grants still inside the window ending at `now`. */
export function liveGrants(state: LimitState, windowMs: number, now: number): number[] {
  return state.grants.filter((t) => t > now - windowMs);
}

/** The budget a priority may use: high all of it, the rest all but the reserve (never below one run). */
export function budgetFor(limit: LimitDef, priority: Priority, permits: number, policy: LimitPolicy): number {
  if (priority === "high") return limit.calls;
  return Math.max(limit.calls - policy.reserve(limit), Math.min(permits, limit.calls));
}

/** Milliseconds until `permits` fit under this limit (0: they fit now). */
export function waitMs(
  state: LimitState,
  limit: LimitDef,
  permits: number,
  priority: Priority,
  now: number,
  policy: LimitPolicy = defaultPolicy,
): number {
  const windowMs = effectiveWindowMs(limit, policy);
  const live = liveGrants(state, windowMs, now);
  const pause = state.pausedUntil !== undefined && state.pausedUntil > now ? state.pausedUntil - now : 0;
  const excess = live.length + permits - budgetFor(limit, priority, permits, policy);
  if (excess <= 0) return pause;
  // The `excess` oldest grants must leave the window first; the last of them leaves at t + W.
  const leaving = live[excess - 1] ?? now;
  return Math.max(pause, leaving + windowMs - now, 1);
}

/** The state after granting `permits` at `now`. */
export function grant(
  state: LimitState,
  limit: LimitDef,
  permits: number,
  now: number,
  policy = defaultPolicy,
): LimitState {
  const live = liveGrants(state, effectiveWindowMs(limit, policy), now);
  return { grants: [...live, ...Array<number>(permits).fill(now)], pausedUntil: state.pausedUntil };
}
