import { type LimiterState, logsOf, withLogs } from "./scope-state.ts";
import {
  CONFIRM_LEAD_MS,
  defaultPolicy,
  earliestSlot,
  type Hold,
  type LimitPolicy,
  place,
  release,
  TAKEOVER_GUARD_MS,
  TIMER_SLACK_MS,
  takeOver,
  takeoverCandidate,
  validForMs,
} from "./sliding-log.ts";
import type { PermitDecision, PermitRelease, PermitRequest } from "./types.ts";

/**
 * Where the permits of one request go, given the limiter's state: the policy of a grant, apart
 * from how the state is stored. The store reads a state, places a batch of requests on it and
 * writes the result back only if nobody else wrote meanwhile, so every grant is placed on the
 * logs as every grant before it left them.
 */

export type GrantedDecision = PermitDecision & { readonly granted: true };
export type RefusedDecision = PermitDecision & { readonly granted: false };

/** Where one request went: granted (perhaps by taking a reservation over), or refused. */
export type Placement =
  | { readonly granted: true; readonly decision: GrantedDecision; readonly takeover?: Hold }
  | { readonly granted: false; readonly decision: RefusedDecision };

export interface PlacementOptions {
  readonly policy?: LimitPolicy;
  /** A number in [0, 1): the source of reservation tokens. @default Math.random */
  readonly random?: () => number;
}

/** A request still to answer, with the permits its caller gives back in the same write. */
export interface BatchEntry {
  readonly request: PermitRequest;
  readonly giveBack?: PermitRelease;
}

/**
 * Places one request on `state` at `now`: the earliest moment every limit allows within the
 * request's `maxWaitMs`, or for a single high-priority permit the nearest reservation of other
 * work it may take over, if that comes sooner. Normal and low work reserving far enough ahead
 * get a `hold`, a reservation high work may take over. Refused, the state is unchanged and the
 * caller learns how long until its permits would fit.
 */
export function placeRequest(
  state: LimiterState,
  request: PermitRequest,
  now: number,
  options: PlacementOptions = {},
): { readonly state: LimiterState; readonly placement: Placement } {
  const policy = options.policy ?? defaultPolicy;
  const random = options.random ?? Math.random;
  const logs = logsOf(state, request, now, policy);
  let slot = earliestSlot({ ...request, logs, now, policy });
  const takeover =
    request.priority === "high" && request.permits === 1 && slot > now
      ? takeoverCandidate(logs, now, slot)
      : undefined;
  if (takeover) slot = takeover.at;
  if (slot - now > (request.maxWaitMs ?? 0))
    return {
      state,
      placement: { granted: false, decision: { granted: false, retryAfterMs: Math.max(1, slot - now) } },
    };
  const hold: Hold | undefined =
    request.priority !== "high" && slot - now >= TAKEOVER_GUARD_MS
      ? { at: slot, token: Math.floor(random() * 2 ** 30) + 1 }
      : undefined;
  const placed = logs.map((log) =>
    takeover
      ? place(takeOver(log, takeover), 1, slot, { high: true })
      : place(log, request.permits, slot, { hold, high: request.priority === "high" }),
  );
  return {
    state: withLogs(state, request, placed),
    placement: {
      granted: true,
      decision: {
        granted: true,
        at: slot,
        waitMs: Math.max(0, slot - now),
        validForMs: validForMs(request.limits, policy),
        ...(hold ? { hold } : {}),
      },
      ...(takeover ? { takeover } : {}),
    },
  };
}

/**
 * Answers a batch of requests on one state: first frees every permit given back, then places
 * each request in turn, in the batch's order (high priority first), on the logs as the ones
 * before it left them. One placement per entry, in its order.
 */
export function placeBatch(
  state: LimiterState,
  entries: readonly BatchEntry[],
  now: number,
  options: PlacementOptions = {},
): { readonly state: LimiterState; readonly placements: Placement[] } {
  const policy = options.policy ?? defaultPolicy;
  let next = state;
  for (const { request, giveBack } of entries) {
    if (!giveBack) continue;
    const freed = logsOf(next, request, now, policy).map((log) =>
      release(log, giveBack.at, giveBack.permits, request.priority === "high"),
    );
    next = withLogs(next, request, freed);
  }
  const placements: Placement[] = [];
  for (const { request } of entries) {
    const placed = placeRequest(next, request, now, options);
    next = placed.state;
    placements.push(placed.placement);
  }
  return { state: next, placements };
}

/**
 * Whether a takeover written at `writtenAt` counts: only if it was written before the holder
 * looks (see TAKEOVER_GUARD_MS), allowing for the holder's timer firing early. Otherwise the
 * holder may call, so the taker must not: it gives its permit back and tries again.
 */
export function takeoverLanded(takeover: Hold, writtenAt: number): boolean {
  return writtenAt < takeover.at - CONFIRM_LEAD_MS - TIMER_SLACK_MS;
}

/** The answer when the state kept changing under every attempt: try again shortly, jittered. */
export function contendedDecision(random: () => number = Math.random): RefusedDecision {
  return { granted: false, retryAfterMs: 20 + Math.floor(random() * 30) };
}
