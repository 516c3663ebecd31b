import type { LimitDef, Priority } from "#catalog/types.ts";

/**
 * The arithmetic of exact sliding-window limits. A limit's state is the log of grant times still
 * able to fall in a window — past grants, and permits reserved for a moment ahead. A permit is
 * placed at a moment t only if every window of length W that contains t still holds at most N
 * grants afterwards, so no window, wherever it starts, ever holds more than N: the guarantee is an
 * invariant of every write, not a property of the traffic.
 *
 * Priority splits each window: normal and low work may hold at most N − reserve of its grants,
 * high work the rest, so the reserve is there for high work whatever the backlog, and high work
 * within it takes nothing from the others.
 */
export interface LimitLog {
  /** Grant times (epoch ms), ascending; may include reserved times ahead of now. */
  readonly grants: readonly number[];
  /** The grants of high work among `grants`, ascending (absent: none). */
  readonly high?: readonly number[];
  /** Provider feedback: nothing is granted before this time. */
  readonly pausedUntil?: number;
  /**
   * Reservations of normal and low work far enough ahead that high work may take them over. A
   * holder confirms before calling; one that finds its claim gone releases its moment.
   */
  readonly holds?: readonly Hold[];
}

/** A displaceable reservation: its moment and its holder's token. */
export interface Hold {
  readonly at: number;
  readonly token: number;
}

/**
 * High work may take over a reservation only this far ahead, and its holder confirms the
 * reservation CONFIRM_LEAD_MS before its moment. A takeover is therefore committed before the
 * holder looks, unless the takeover's own write took longer than the difference — then the taker
 * gives the permit up. Either way at most one of them calls (see takeoverCandidate).
 */
export const TAKEOVER_GUARD_MS = 30;
export const CONFIRM_LEAD_MS = 8;
/** A timer may fire this much early by the wall clock: a takeover written this close is void too. */
export const TIMER_SLACK_MS = 2;
/**
 * A reservation's claim is kept this long past its moment, so a holder whose confirmation comes
 * a little late (a slow read, a busy event loop) still finds it: losing it would waste the permit.
 * Past this no permit is usable any more (validForMs is at most 125 ms).
 */
export const HOLD_KEPT_MS = 250;

export interface LimitPolicy {
  /**
   * Added to every window, so that a call that reaches the provider a little later than its
   * neighbour (network and scheduling jitter) cannot squeeze N + 1 calls into the provider's W.
   */
  readonly safetyMarginMs: (limit: LimitDef) => number;
  /** Permits of each window only `high` work may take. */
  readonly reserve: (limit: LimitDef) => number;
  /**
   * The longest a caller may wake after its permit's moment and still call on it.
   * @default half the smallest margin of its limits
   */
  readonly validForMs?: (limits: readonly LimitDef[]) => number;
}

/**
 * 2% of W, at least 50 ms: on a loaded 2-core machine one call of a pair W apart reached the
 * strict fake provider 33 ms later than its moment, past a 25 ms floor (a 429); at most 250 ms.
 */
export const defaultPolicy: LimitPolicy = {
  safetyMarginMs: (limit) => Math.min(250, Math.max(50, Math.ceil(limit.perMs * 0.02))),
  reserve: (limit) => limit.reserve ?? Math.floor(limit.calls * 0.05),
};

/**
 * The default policy with every margin at least `floorMs`, and the caller's lateness kept at the
 * default's 25 ms, so all the rest of the margin is for the way from the caller to the provider's
 * clock. For the local stand-in (`PACER_LIMIT_MARGIN_MS`), whose fakes share one machine's CPU
 * with everything else: there, a call took up to 130 ms from being sent to being stamped by the
 * fake on a loaded 2-core machine, where a provider on its own machine sees network jitter only.
 */
export function policyWithMarginFloor(floorMs: number): LimitPolicy {
  if (floorMs <= 50) return defaultPolicy;
  return {
    ...defaultPolicy,
    safetyMarginMs: (limit) => Math.max(floorMs, defaultPolicy.safetyMarginMs(limit)),
    validForMs: () => 25,
  };
}

export function effectiveWindowMs(limit: LimitDef, policy: LimitPolicy = defaultPolicy): number {
  return limit.perMs + policy.safetyMarginMs(limit);
}

/** How late after its moment a reserved permit may still be used: half the margin, the rest is for the network. */
export function validForMs(limits: readonly LimitDef[], policy: LimitPolicy = defaultPolicy): number {
  if (policy.validForMs) return policy.validForMs(limits);
  return Math.floor(Math.min(...limits.map((l) => policy.safetyMarginMs(l))) / 2);
}

/**
 * The grants of a window a priority may fill: high all of them, the rest all but the reserve
 * (never below one run's permits) — counting their own grants only.
 */
export function budgetFor(
  limit: LimitDef,
  priority: Priority,
  permits: number,
  policy: LimitPolicy = defaultPolicy,
): number {
  if (priority === "high") return limit.calls;
  return Math.max(limit.calls - policy.reserve(limit), Math.min(permits, limit.calls));
}

/** Entries that can no longer share a window with any moment from `now` on. */
export function prune(
  log: LimitLog,
  limit: LimitDef,
  now: number,
  policy: LimitPolicy = defaultPolicy,
): LimitLog {
  const windowMs = effectiveWindowMs(limit, policy);
  return {
    grants: log.grants.filter((t) => t > now - windowMs),
    high: (log.high ?? []).filter((t) => t > now - windowMs),
    pausedUntil: log.pausedUntil,
    holds: (log.holds ?? []).filter((h) => h.at > now - HOLD_KEPT_MS),
  };
}

/**
 * Normal and low work is paced: one grant every W / budget, so it never bursts, never makes
 * callers collide on one moment, and leaves every window room for high work's reserve.
 */
export function spacingMs(
  limits: readonly LimitDef[],
  priority: Priority,
  permits: number,
  policy: LimitPolicy = defaultPolicy,
): number {
  if (priority === "high") return 0;
  // Whole milliseconds keep every moment an integer, so window edges compare exactly.
  return Math.max(
    0,
    ...limits.map((l) => Math.ceil(effectiveWindowMs(l, policy) / budgetFor(l, priority, permits, policy))),
  );
}

/** The number of entries ≤ `t` in an ascending list. */
function countUpTo(sorted: readonly number[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Entries in (from, to] of an ascending list. */
function countIn(sorted: readonly number[], from: number, to: number): number {
  return countUpTo(sorted, to) - countUpTo(sorted, from);
}

/** The grants of normal and low work: `grants` less `high` (both ascending). */
export function lowerGrants(log: LimitLog): number[] {
  const high = log.high ?? [];
  if (high.length === 0) return [...log.grants];
  const lower: number[] = [];
  let h = 0;
  for (const g of log.grants) {
    while (h < high.length && (high[h] as number) < g) h++;
    if (h < high.length && high[h] === g) h++;
    else lower.push(g);
  }
  return lower;
}

/**
 * Whether `permits` placed at `t` keep every window of this limit that contains t within `budget`.
 * `grants` is ascending, as every log is.
 */
export function fitsAt(
  grants: readonly number[],
  windowMs: number,
  budget: number,
  permits: number,
  t: number,
): boolean {
  // Windows (x - W, x] containing t end at some x in [t, t + W); counts only change at entries.
  if (countIn(grants, t - windowMs, t) + permits > budget) return false;
  for (const e of grants) {
    if (e > t && e < t + windowMs && countIn(grants, e - windowMs, e) + permits > budget) return false;
  }
  return true;
}

export interface SlotRequest {
  readonly limits: readonly LimitDef[];
  readonly logs: readonly LimitLog[];
  readonly permits: number;
  readonly priority: Priority;
  readonly now: number;
  readonly policy?: LimitPolicy;
}

/**
 * The earliest moment from `now` at which `permits` fit under every limit. High work may take any
 * such moment, between reservations already made; other work only one spacing after the latest
 * reservation of other work, so it queues in order and evenly.
 */
export function earliestSlot(request: SlotRequest): number {
  const policy = request.policy ?? defaultPolicy;
  const { limits, logs, permits, priority, now } = request;
  let start = now;
  for (const log of logs) start = Math.max(start, log.pausedUntil ?? 0);
  // High work is bounded by N over all grants; the others also by their share over their own,
  // and they queue behind their own latest reservation.
  const lower = priority === "high" ? [] : logs.map((log) => lowerGrants(log));
  if (priority !== "high") {
    const spacing = spacingMs(limits, priority, permits, policy);
    for (const own of lower) {
      const last = own.at(-1);
      if (last !== undefined) start = Math.max(start, last + spacing);
    }
  }

  // Feasibility only changes where an entry enters or leaves a window; those are the candidates.
  const candidates = new Set<number>([start]);
  limits.forEach((limit, i) => {
    const windowMs = effectiveWindowMs(limit, policy);
    for (const g of logs[i]?.grants ?? []) {
      for (const c of [g, g + windowMs]) if (c > start) candidates.add(c);
    }
  });
  const fits = (t: number) =>
    limits.every((limit, i) => {
      const windowMs = effectiveWindowMs(limit, policy);
      if (!fitsAt(logs[i]?.grants ?? [], windowMs, limit.calls, permits, t)) return false;
      if (priority === "high") return true;
      return fitsAt(lower[i] ?? [], windowMs, budgetFor(limit, priority, permits, policy), permits, t);
    });
  for (const t of [...candidates].sort((a, b) => a - b)) if (fits(t)) return t;
  // Unreachable for a sound request (permits ≤ every limit): past the last candidate every window is empty.
  throw new Error(
    `no slot for ${permits} permits under ${limits.map((l) => `${l.calls}/${l.perMs}ms`).join(", ")}`,
  );
}

/**
 * For a single high-priority permit that cannot go before `slot`: the nearest reservation of
 * normal or low work it may take over instead — held in every one of the request's limits, at
 * least the guard ahead (so the takeover is written before its holder confirms), and not during
 * a provider's pause. The taker calls at the reservation's moment, in its holder's place.
 *
 * The taker's call is added to the log, and the holder's stays counted until the holder, finding
 * its reservation gone, releases it: should the takeover's write land too late, the holder calls
 * and the taker does not (and releases its own), so the log always counts every call made.
 */
export function takeoverCandidate(logs: readonly LimitLog[], now: number, slot: number): Hold | undefined {
  const start = Math.max(now + TAKEOVER_GUARD_MS, ...logs.map((log) => log.pausedUntil ?? 0));
  const [first, ...rest] = logs;
  return (first?.holds ?? [])
    .filter((h) => h.at >= start && h.at < slot)
    .filter((h) => rest.every((log) => stillHeld(log, h)))
    .sort((a, b) => a.at - b.at)[0];
}

/**
 * The log after placing `permits` at `t`: for high work (`high`), or for the others — `hold` makes
 * theirs a reservation high work may take over.
 */
export function place(
  log: LimitLog,
  permits: number,
  t: number,
  claim: { readonly hold?: Hold; readonly high?: boolean } = {},
): LimitLog {
  const added = Array<number>(permits).fill(t);
  const byTime = (a: number, b: number) => a - b;
  return {
    grants: [...log.grants, ...added].sort(byTime),
    high: claim.high ? [...(log.high ?? []), ...added].sort(byTime) : log.high,
    pausedUntil: log.pausedUntil,
    holds: claim.hold ? [...(log.holds ?? []), claim.hold] : log.holds,
  };
}

/**
 * The log after high work took over `hold`: the holder's claim is gone, its moment still counted
 * until the holder releases it (it cannot know sooner that the holder will not call).
 */
export function takeOver(log: LimitLog, hold: Hold): LimitLog {
  return { ...log, holds: (log.holds ?? []).filter((h) => !(h.at === hold.at && h.token === hold.token)) };
}

/**
 * The log without `permits` grants at `at` of high work (`high`) or of the others: permits whose
 * caller will not call on them (a reservation it found taken over, or woke too late for). Grants
 * no longer there are skipped.
 */
export function release(log: LimitLog, at: number, permits: number, high: boolean): LimitLog {
  const grants = [...log.grants];
  const highs = [...(log.high ?? [])];
  const count = (list: readonly number[]) => list.filter((t) => t === at).length;
  for (let n = 0; n < permits; n++) {
    if (high ? count(highs) === 0 : count(grants) <= count(highs)) break;
    grants.splice(grants.indexOf(at), 1);
    if (high) highs.splice(highs.indexOf(at), 1);
  }
  return { ...log, grants, high: highs };
}

/** Whether the holder of `hold` still holds it in this log. */
export function stillHeld(log: LimitLog, hold: Hold): boolean {
  return (log.holds ?? []).some((h) => h.at === hold.at && h.token === hold.token);
}
