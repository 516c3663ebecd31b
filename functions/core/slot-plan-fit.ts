import { groupsOf } from "#catalog/index.ts";
import type { LimitDef, ProviderDef } from "#catalog/types.ts";
import { defaultPolicy } from "./limiter/sliding-log.ts";
import type { PlacedSchedule, PlanConnection } from "./slot-plan.ts";
import { CallTimeline, type PlannedCalls, worstWithAdded } from "./slot-plan-timeline.ts";

/**
 * Whether a plan fits a limit, counted from the planned firing times, not from averages:
 *
 * - A run of k calls on a limit of N per W does not need its k calls in one window: it goes on
 *   when the next permit frees. It is counted as N calls at its firing, N more one window later,
 *   and so on (ceil(k/N) consecutive windows). So ZwiftRacing's clubMembers, 3 calls a day on
 *   clubs 1 per hour, fits: one call in each of three hours. Runs on one budget that fire in the
 *   same minute are served one after another, so they count as one run of all their calls (two
 *   clubs on one key, both at the catalog's 02:20: six hours of one call each).
 * - N is what scheduled work may take: the limit's number on the connection's tier, less the
 *   reserve kept for high-priority work (`LimitDef.reserve`).
 * - A limit shorter than a minute is counted per minute (N × whole windows in a minute): Scheduler
 *   fires on minutes, and the limiter spreads a minute's calls over its windows.
 * - Schedules whose phase the planner does not choose (a rate below two minutes or one no cron
 *   expresses, a windowed sync type at its cadence, a connection placed before offsets were kept)
 *   are counted at their worst: ceil(window / interval) runs in every window.
 * - A catalog cron is counted as firing every day, and office hours as if in UTC.
 * - The worst window is found over a day that repeats, windows half-open as the limiter's log
 *   counts them.
 */

/** One limit's verdict for one budget. */
export interface FitEntry {
  readonly limitId: string;
  readonly scope: LimitDef["scope"];
  /** The window counted: the limit's own, or a minute for shorter ones. */
  readonly windowMs: number;
  /** Calls planned in the worst such window, every connection sharing the budget included. */
  readonly planned: number;
  /** Calls scheduled work may make in such a window. */
  readonly allowed: number;
  readonly fits: boolean;
}

const MINUTE_MS = 60_000;

/** A limit as the fit check counts it on `tier`. */
export interface CountedLimit {
  readonly limit: LimitDef;
  /** Calls per the limit's own window that scheduled work may take (≥ 1). */
  readonly share: number;
  readonly windowMs: number;
  readonly allowed: number;
}

export function countedLimit(provider: ProviderDef, limitId: string, tier: string): CountedLimit {
  const base = provider.limits.find((l) => l.id === limitId);
  if (!base) throw new Error(`${provider.id}: unknown limit ${limitId}`);
  const limit = { ...base, calls: base.tiers?.[tier] ?? base.calls };
  const share = Math.max(1, limit.calls - defaultPolicy.reserve(limit));
  if (limit.perMs >= MINUTE_MS) return { limit, share, windowMs: limit.perMs, allowed: share };
  return { limit, share, windowMs: MINUTE_MS, allowed: share * Math.floor(MINUTE_MS / limit.perMs) };
}

/** Calls one run of the schedule makes on `limitId`, over every endpoint group the limit guards. */
export function callsOn(provider: ProviderDef, schedule: PlacedSchedule, limitId: string): number {
  let calls = 0;
  for (const groupId of groupsOf(schedule.syncType)) {
    const group = provider.endpointGroups.find((g) => g.id === groupId);
    if (group?.limits.includes(limitId)) calls += schedule.syncType.calls[groupId] ?? 0;
  }
  return calls;
}

/**
 * The calls `total` calls planned for one minute make on the limit: `share` at that minute, as
 * many one window later, and so on; with `before`, only those the first `before` did not make
 * (what adding calls to that minute adds, each point no fewer calls than before).
 */
export function spreadAt(minute: number, total: number, counted: CountedLimit, before = 0): PlannedCalls[] {
  const points: PlannedCalls[] = [];
  const { share } = counted;
  for (let j = Math.floor(before / share); j * share < total; j++) {
    const now = Math.min(share, total - j * share);
    const then = Math.max(0, Math.min(share, before - j * share));
    if (now > then) points.push({ at: minute * MINUTE_MS + j * counted.limit.perMs, calls: now - then });
  }
  return points;
}

/** The most calls a schedule of unknown phase puts in any counted window. */
export function steadyBound(calls: number, everyMs: number, counted: CountedLimit): number {
  if (calls <= 0) return 0;
  return Math.ceil(counted.windowMs / everyMs) * Math.min(calls, counted.allowed);
}

/**
 * The calls of a set of schedules on one limit: per minute of the day, the calls planned to
 * start then (runs firing together are served one after another: one run of them all); their
 * timeline, spread; and a bound for schedules of unknown phase.
 */
export interface LimitLoad {
  readonly counted: CountedLimit;
  readonly perMinute: ReadonlyMap<number, number>;
  readonly timeline: CallTimeline;
  readonly background: number;
}

export function loadOn(
  provider: ProviderDef,
  schedules: readonly PlacedSchedule[],
  counted: CountedLimit,
): LimitLoad {
  const perMinute = new Map<number, number>();
  let background = 0;
  for (const schedule of schedules) {
    const calls = callsOn(provider, schedule, counted.limit.id);
    if (calls <= 0) continue;
    if (schedule.firing.kind === "steady") background += steadyBound(calls, schedule.firing.everyMs, counted);
    else for (const m of schedule.minutes) perMinute.set(m, (perMinute.get(m) ?? 0) + calls);
  }
  const points = [...perMinute].flatMap(([minute, total]) => spreadAt(minute, total, counted));
  return { counted, perMinute, timeline: new CallTimeline(points), background };
}

/** The calls in the worst window were `calls` more planned at each of `minutes`: what placing a schedule there costs. */
export function worstWith(load: LimitLoad, minutes: readonly number[], calls: number): number {
  const added = minutes.flatMap((m) => {
    const before = load.perMinute.get(m) ?? 0;
    return spreadAt(m, before + calls, load.counted, before);
  });
  return load.background + worstWithAdded(load.timeline, new CallTimeline(added), load.counted.windowMs);
}

/** Whether a connection's limit is shared with another's: every connection for a global limit, the same key for a tenant one. */
export function sharesBudget(limit: LimitDef, a: PlanConnection, b: PlanConnection): boolean {
  return limit.scope === "global" || a.budgetKey === b.budgetKey;
}

/**
 * Each limit of the provider as `subject` sees it: its budget's planned calls in the worst
 * window (every schedule of `schedules` sharing the budget counted, its own included) against
 * what its tier allows.
 */
export function fitReport(
  provider: ProviderDef,
  schedules: readonly PlacedSchedule[],
  subject: PlanConnection,
): FitEntry[] {
  return provider.limits.map((limit) => {
    const counted = countedLimit(provider, limit.id, subject.tier);
    const budget = schedules.filter((s) => sharesBudget(limit, s.connection, subject));
    const load = loadOn(provider, budget, counted);
    const planned = load.background + load.timeline.worst(counted.windowMs);
    return {
      limitId: limit.id,
      scope: limit.scope,
      windowMs: counted.windowMs,
      planned,
      allowed: counted.allowed,
      fits: planned <= counted.allowed,
    };
  });
}

/** The limits `subject`'s own schedules make calls on: those whose overflow it is refused for. */
export function limitsCalledBy(
  provider: ProviderDef,
  schedules: readonly PlacedSchedule[],
  subject: PlanConnection,
): Set<string> {
  const called = new Set<string>();
  for (const schedule of schedules) {
    if (schedule.connection.connectionId !== subject.connectionId) continue;
    for (const limit of provider.limits) if (callsOn(provider, schedule, limit.id) > 0) called.add(limit.id);
  }
  return called;
}

/** `zwiftracing limit "clubs" (tenant key): 3 calls planned in the worst 60 min window, 1 allowed`. */
export function fitLine(providerId: string, entry: FitEntry): string {
  const scope = entry.scope === "tenant" ? "tenant key" : "global";
  const calls = `${entry.planned} call${entry.planned === 1 ? "" : "s"}`;
  return `${providerId} limit "${entry.limitId}" (${scope}): ${calls} planned in the worst ${windowText(entry.windowMs)} window, ${entry.allowed} allowed`;
}

function windowText(ms: number): string {
  if (ms % MINUTE_MS !== 0) return `${ms / 1000} s`;
  if (ms <= 3_600_000 || ms % 3_600_000 !== 0) return `${ms / MINUTE_MS} min`;
  return `${ms / 3_600_000} h`;
}
