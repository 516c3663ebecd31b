import type { LimitDef } from "#catalog/types.ts";
import {
  defaultPolicy,
  type Hold,
  type LimitLog,
  type LimitPolicy,
  prune,
  stillHeld,
} from "./sliding-log.ts";
import type { LimitUsage, PermitRequest } from "./types.ts";

/** What a request names to find its budgets: the provider, its limits, the tenant. */
export type ScopeRef = Pick<PermitRequest, "provider" | "limits" | "scopeKey">;

/**
 * The limiter's state of one budget scope — a provider's global limits, or one tenant's — with
 * the logs and pauses of all its limits, so that a grant under several limits at once is one
 * change of one state.
 */
export interface ScopeState {
  /** Each limit's grant times, by limit id, ascending. */
  readonly logs: Readonly<Record<string, readonly number[]>>;
  /** Of each limit's log, the grants of high work. */
  readonly highLogs: Readonly<Record<string, readonly number[]>>;
  /** Provider feedback, by limit id: nothing is granted before this moment. */
  readonly pauses: Readonly<Record<string, number>>;
  /**
   * Displaceable reservations, by the set of limits they were taken under (see signatureOf). High
   * work may only take over a reservation made under exactly its own limits: the moment stays in
   * those limits' logs and nowhere else.
   */
  readonly holds: Readonly<Record<string, readonly Hold[]>>;
}

/** The states a request's limits live in, by scope id (see scopeIdOf). */
export type LimiterState = ReadonlyMap<string, ScopeState>;

export const emptyScopeState: ScopeState = { logs: {}, highLogs: {}, pauses: {}, holds: {} };

/** Which budget a limit draws on: `<provider>#*` for a global limit, `<provider>#<tenant>` otherwise. */
export const scopeIdOf = (scope: ScopeRef, limit: LimitDef): string =>
  `${scope.provider}#${limit.scope === "global" ? "*" : scope.scopeKey}`;

/** The distinct scopes of a request's limits, in the order its limits first name them. */
export const scopeIdsOf = (scope: ScopeRef): string[] => [
  ...new Set(scope.limits.map((limit) => scopeIdOf(scope, limit))),
];

/** The limits a request is taken under, as one string: `per-minute,per-second`. */
export const signatureOf = (scope: ScopeRef): string =>
  scope.limits
    .map((l) => l.id)
    .sort()
    .join(",");

/** One limit's log as `state` holds it for this request, pruned to what can still matter from `now`. */
function logOf(
  state: LimiterState,
  scope: ScopeRef,
  limit: LimitDef,
  now: number,
  policy: LimitPolicy,
): LimitLog {
  const scoped = state.get(scopeIdOf(scope, limit));
  const log: LimitLog = {
    grants: scoped?.logs[limit.id] ?? [],
    high: scoped?.highLogs[limit.id] ?? [],
    pausedUntil: scoped?.pauses[limit.id],
    holds: scoped?.holds[signatureOf(scope)] ?? [],
  };
  return prune(log, limit, now, policy);
}

/** The request's logs (one per limit, in its order) as `state` holds them at `now`. */
export function logsOf(
  state: LimiterState,
  scope: ScopeRef,
  now: number,
  policy: LimitPolicy = defaultPolicy,
): LimitLog[] {
  return scope.limits.map((limit) => logOf(state, scope, limit, now, policy));
}

/** `state` with the request's logs (one per limit, in its order) put back in their scopes. */
export function withLogs(state: LimiterState, scope: ScopeRef, logs: readonly LimitLog[]): LimiterState {
  const next = new Map(state);
  const signature = signatureOf(scope);
  scope.limits.forEach((limit, i) => {
    const log = logs[i] as LimitLog;
    const id = scopeIdOf(scope, limit);
    const scoped = next.get(id) ?? emptyScopeState;
    next.set(id, {
      ...scoped,
      logs: { ...scoped.logs, [limit.id]: [...log.grants] },
      highLogs: { ...scoped.highLogs, [limit.id]: [...(log.high ?? [])] },
      holds: { ...scoped.holds, [signature]: [...(log.holds ?? [])] },
    });
  });
  return next;
}

/** Whether the holder of `hold` still holds it under every one of its limits. */
export function isHeld(
  state: LimiterState,
  scope: ScopeRef,
  hold: Hold,
  now: number,
  policy: LimitPolicy = defaultPolicy,
): boolean {
  return logsOf(state, scope, now, policy).every((log) => stillHeld(log, hold));
}

/** `state` with no permits for the scope's limits before `untilMs`; undefined if none was paused shorter. */
export function withPause(state: LimiterState, scope: ScopeRef, untilMs: number): LimiterState | undefined {
  const next = new Map(state);
  let changed = false;
  for (const limit of scope.limits) {
    const id = scopeIdOf(scope, limit);
    const scoped = next.get(id) ?? emptyScopeState;
    if ((scoped.pauses[limit.id] ?? 0) < untilMs) {
      next.set(id, { ...scoped, pauses: { ...scoped.pauses, [limit.id]: untilMs } });
      changed = true;
    }
  }
  return changed ? next : undefined;
}

/** Each of the scope's limits as an operator sees it at `now`: used, reserved, paused. */
export function usageOf(
  state: LimiterState,
  scope: ScopeRef,
  now: number,
  policy: LimitPolicy = defaultPolicy,
): LimitUsage[] {
  return scope.limits.map((limit) => {
    const log = logOf(state, scope, limit, now, policy);
    const pausedUntil = log.pausedUntil;
    return {
      limitId: limit.id,
      scope: limit.scope,
      calls: limit.calls,
      perMs: limit.perMs,
      used: log.grants.filter((t) => t > now - limit.perMs && t <= now).length,
      reserved: log.grants.filter((t) => t > now).length,
      ...(pausedUntil !== undefined && pausedUntil > now
        ? { pausedUntil: new Date(pausedUntil).toISOString() }
        : {}),
    };
  });
}
