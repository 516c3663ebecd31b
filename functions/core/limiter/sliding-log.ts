import type { LimitDef, Priority } from "#catalog/types.ts";

/**
 * The arithmetic of exact sliding-window limits. A limit's state is the log of grant times still
 * able to fall in a window — past grants, and permits reserved for a moment ahead. A permit is
 * placed at a moment t only if every window of length W that contains t still holds at most N
 * grants afterwards, so no window, wherever it starts, ever holds more than N: the guarantee is an
 * invariant of every write, not a property of the traffic.
 */
export interface LimitLog {
  /** Grant times (epoch ms), ascending; may include reserved times ahead of now. */
  readonly grants: readonly number[];
  /** Provider feedback: nothing is granted before this time. */
  readonly pausedUntil?: number;
  /**
   * Reservations of normal and low work far enough ahead that high work may take them over
   * (their moments stay in `grants`; only the holder changes). A holder confirms before calling.
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
 * gives the permit up. Either way at most one of them calls.
 */
export const TAKEOVER_GUARD_MS = 50;
export const CONFIRM_LEAD_MS = 12;

export interface LimitPolicy {
  /**
   * Added to every window, so that a call that reaches the provider a little later than its
   * neighbour (network and scheduling jitter) cannot squeeze N + 1 calls into the provider's W.
   */
  readonly safetyMarginMs: (limit: LimitDef) => number;
  /** Permits of each window only `high` work may take. */
  readonly reserve: (limit: LimitDef) => number;
}

export const defaultPolicy: LimitPolicy = {
  safetyMarginMs: (limit) => Math.min(250, Math.max(25, Math.ceil(limit.perMs * 0.02))),
  reserve: (limit) => limit.reserve ?? Math.floor(limit.calls * 0.05),
};

export function effectiveWindowMs(limit: LimitDef, policy: LimitPolicy = defaultPolicy): number {
  return limit.perMs + policy.safetyMarginMs(limit);
}

/** How late after its moment a reserved permit may still be used: half the margin, the rest is for the network. */
export function validForMs(limits: readonly LimitDef[], policy: LimitPolicy = defaultPolicy): number {
  return Math.floor(Math.min(...limits.map((l) => policy.safetyMarginMs(l))) / 2);
}

/** The budget a priority may fill: high all of it, the rest all but the reserve (never below one run's permits). */
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
    pausedUntil: log.pausedUntil,
    holds: (log.holds ?? []).filter((h) => h.at > now),
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

function countIn(grants: readonly number[], from: number, to: number): number {
  let n = 0;
  for (const g of grants) if (g > from && g <= to) n++;
  return n;
}

/** Whether `permits` placed at `t` keep every window of this limit that contains t within `budget`. */
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
 * such moment, between reservations already made; other work only after the latest reservation
 * and one spacing after it, so it queues in order, evenly, and never ahead of a high-priority call.
 */
export function earliestSlot(request: SlotRequest): number {
  const policy = request.policy ?? defaultPolicy;
  const { limits, logs, permits, priority, now } = request;
  let start = now;
  for (const log of logs) start = Math.max(start, log.pausedUntil ?? 0);
  if (priority !== "high") {
    const spacing = spacingMs(limits, priority, permits, policy);
    for (const log of logs) {
      const last = log.grants.at(-1);
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
    limits.every((limit, i) =>
      fitsAt(
        logs[i]?.grants ?? [],
        effectiveWindowMs(limit, policy),
        budgetFor(limit, priority, permits, policy),
        permits,
        t,
      ),
    );
  for (const t of [...candidates].sort((a, b) => a - b)) if (fits(t)) return t;
  // Unreachable for a sound request (permits ≤ every limit): past the last candidate every window is empty.
  throw new Error(
    `no slot for ${permits} permits under ${limits.map((l) => `${l.calls}/${l.perMs}ms`).join(", ")}`,
  );
}

/**
 * For a single high-priority permit that cannot go now: the earliest reservation of other work it
 * may take over instead — held in every one of its limits, at least the guard ahead, and sooner
 * than the slot it would otherwise get.
 */
export function takeoverCandidate(logs: readonly LimitLog[], now: number, slot: number): Hold | undefined {
  const [first, ...rest] = logs;
  const candidates = (first?.holds ?? [])
    .filter((h) => h.at >= now + TAKEOVER_GUARD_MS && h.at < slot)
    .filter((h) => rest.every((log) => (log.holds ?? []).some((o) => o.at === h.at && o.token === h.token)))
    .sort((a, b) => a.at - b.at);
  return candidates[0];
}

/** The log after placing `permits` at `t`; `hold` makes it a reservation high work may take over. */
export function place(log: LimitLog, permits: number, t: number, hold?: Hold): LimitLog {
  const grants = [...log.grants, ...Array<number>(permits).fill(t)].sort((a, b) => a - b);
  return { grants, pausedUntil: log.pausedUntil, holds: hold ? [...(log.holds ?? []), hold] : log.holds };
}

/** The log after high work took over `hold`: same moments, the holder's claim gone. */
export function takeOver(log: LimitLog, hold: Hold): LimitLog {
  return { ...log, holds: (log.holds ?? []).filter((h) => !(h.at === hold.at && h.token === hold.token)) };
}

/** Whether the holder of `hold` still holds it in this log. */
export function stillHeld(log: LimitLog, hold: Hold): boolean {
  return (log.holds ?? []).some((h) => h.at === hold.at && h.token === hold.token);
}
