import type { ProviderDef, SyncTypeDef } from "#catalog/types.ts";
import {
  type ActiveHours,
  activeHourList,
  confineCron,
  cronMinutesOfDay,
  hourField,
} from "./slot-plan-cron.ts";
import { callsOn, countedLimit, loadOn, sharesBudget, worstWith } from "./slot-plan-fit.ts";

/**
 * The slot planner: gives each schedule of a connection a minute inside its period, so that the
 * calls on every limit are spread and connections (tenants) land on different minutes instead of
 * all at :00. Deterministic: a stable hash of connection id and sync type names the preferred
 * minute; the schedule then takes the minute that leaves the busiest window it touches least
 * loaded, on every limit it calls, counting the schedules already placed on the same budgets
 * (./slot-plan-fit.ts says how calls are counted). Ties go to the minute fewest of the
 * provider's schedules already use, then to the one nearest after the preferred minute.
 * A schedule once placed keeps its minute (the connection records it), so a plan only grows.
 */

const MINUTE_MS = 60_000;
const DAY_MINUTES = 1_440;

/** How a sync type's schedule fires. */
export type Firing =
  /** A rate the planner places: whole minutes (≥ 2) dividing an hour, or whole hours dividing a day. */
  | { readonly kind: "slotted"; readonly periodMinutes: number }
  /** A catalog cron, kept as written (confined to office hours): it was chosen by hand. */
  | { readonly kind: "cron"; readonly expression: string; readonly minutes: readonly number[] }
  /** Any other cadence: its phase is not the planner's to choose. */
  | { readonly kind: "steady"; readonly everyMs: number };

/** A connection as the planner sees it. */
export interface PlanConnection {
  readonly connectionId: string;
  readonly tier: string;
  /** Whose `tenant` limits it spends (ConnectionRecord.budgetKey). */
  readonly budgetKey: string;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly activeHours?: ActiveHours;
  /**
   * Minutes into the period already given to its sync types, by id: kept as they are. Absent:
   * the connection was placed before the planner kept offsets; its schedules' phase is unknown.
   */
  readonly offsets?: Readonly<Record<string, number>>;
}

/** One connection's schedule of one sync type, with where it fires. */
export interface PlacedSchedule {
  readonly connection: PlanConnection;
  readonly syncType: SyncTypeDef;
  readonly firing: Firing;
  /** Minutes of the day it fires at; none for a steady firing. */
  readonly minutes: readonly number[];
  /** Minutes into its period (slotted only). */
  readonly offset?: number;
}

/** Whether a sync type runs for a connection: its required setting, if any, is `true`. */
export function syncTypeEnabled(syncType: SyncTypeDef, settings: Readonly<Record<string, unknown>>): boolean {
  return syncType.requiresSetting === undefined || settings[syncType.requiresSetting] === true;
}

/** How a sync type's schedule fires for a connection with these office hours; undefined when manual. */
export function firingOf(syncType: SyncTypeDef, active?: ActiveHours): Firing | undefined {
  const cadence = syncType.cadence;
  if (cadence.kind === "manual") return undefined;
  const everyMs = cadence.kind === "rate" ? cadence.everyMs : cadence.approxEveryMs;
  if (syncType.windowed) return { kind: "steady", everyMs };
  if (cadence.kind === "cron") {
    const expression = confineCron(cadence.expression, active);
    const minutes = cronMinutesOfDay(expression);
    return minutes ? { kind: "cron", expression, minutes } : { kind: "steady", everyMs };
  }
  const periodMinutes = plannablePeriod(cadence.everyMs);
  return periodMinutes === undefined ? { kind: "steady", everyMs } : { kind: "slotted", periodMinutes };
}

function plannablePeriod(everyMs: number): number | undefined {
  if (everyMs % MINUTE_MS !== 0) return undefined;
  const minutes = everyMs / MINUTE_MS;
  if (minutes >= 2 && 60 % minutes === 0) return minutes;
  if (minutes % 60 === 0 && DAY_MINUTES % minutes === 0) return minutes;
  return undefined;
}

/** The minutes of the day a slotted schedule fires at from `offset`, inside office hours. */
export function slottedMinutes(periodMinutes: number, offset: number, active?: ActiveHours): number[] {
  const open = new Set(activeHourList(active));
  const minutes: number[] = [];
  for (let m = offset; m < DAY_MINUTES; m += periodMinutes) if (open.has(Math.floor(m / 60))) minutes.push(m);
  return minutes;
}

/** The offsets a slotted schedule may take: those that fire at least once inside office hours. */
export function candidateOffsets(periodMinutes: number, active?: ActiveHours): number[] {
  const offsets: number[] = [];
  for (let o = 0; o < periodMinutes; o++) {
    if (slottedMinutes(periodMinutes, o, active).length > 0) offsets.push(o);
  }
  return offsets;
}

/** The offset a stable hash of the connection id and sync type prefers. */
export function preferredOffset(
  connectionId: string,
  syncTypeId: string,
  candidates: readonly number[],
): number {
  if (candidates.length === 0) return 0;
  return candidates[fnv1a(`${connectionId}.${syncTypeId}`) % candidates.length] ?? 0;
}

/** The sync types a connection's settings schedule (any cadence but manual), in catalog order. */
export function scheduledSyncTypes(provider: ProviderDef, connection: PlanConnection): SyncTypeDef[] {
  return provider.syncTypes.filter(
    (s) => s.cadence.kind !== "manual" && syncTypeEnabled(s, connection.settings),
  );
}

/**
 * `connection`'s schedules placed among `others` (already placed, kept as they are): its
 * recorded offsets kept, every other slotted schedule given its minute in catalog order.
 * Returns every schedule, `others` first.
 */
export function placeConnection(
  provider: ProviderDef,
  others: readonly PlacedSchedule[],
  connection: PlanConnection,
): PlacedSchedule[] {
  const placed = [...others];
  for (const syncType of scheduledSyncTypes(provider, connection)) {
    const firing = firingOf(syncType, connection.activeHours);
    if (firing === undefined) continue;
    if (firing.kind !== "slotted") {
      placed.push({ connection, syncType, firing, minutes: firing.kind === "cron" ? firing.minutes : [] });
      continue;
    }
    const kept = connection.offsets?.[syncType.id];
    const candidates = candidateOffsets(firing.periodMinutes, connection.activeHours);
    const offset =
      kept !== undefined && candidates.includes(kept)
        ? kept
        : bestOffset(provider, placed, connection, syncType, firing.periodMinutes, candidates);
    const minutes = slottedMinutes(firing.periodMinutes, offset, connection.activeHours);
    placed.push({ connection, syncType, firing, minutes, offset });
  }
  return placed;
}

/**
 * The schedules of connections already placed (read back from their records): their recorded
 * offsets; a slotted schedule without one fires at a phase the planner does not know (steady).
 */
export function placedAsRecorded(provider: ProviderDef, connection: PlanConnection): PlacedSchedule[] {
  return scheduledSyncTypes(provider, connection).flatMap((syncType): PlacedSchedule[] => {
    const firing = firingOf(syncType, connection.activeHours);
    if (firing === undefined) return [];
    if (firing.kind === "cron") return [{ connection, syncType, firing, minutes: firing.minutes }];
    if (firing.kind === "steady") return [{ connection, syncType, firing, minutes: [] }];
    const offset = connection.offsets?.[syncType.id];
    if (offset === undefined) {
      const everyMs = firing.periodMinutes * MINUTE_MS;
      return [{ connection, syncType, firing: { kind: "steady", everyMs }, minutes: [] }];
    }
    const minutes = slottedMinutes(firing.periodMinutes, offset, connection.activeHours);
    return [{ connection, syncType, firing, minutes, offset }];
  });
}

/** Places each connection in turn among those before it: a whole deployment's plan, from nothing. */
export function planConnections(
  provider: ProviderDef,
  connections: readonly PlanConnection[],
): PlacedSchedule[] {
  let placed: PlacedSchedule[] = [];
  for (const connection of connections) placed = placeConnection(provider, placed, connection);
  return placed;
}

/** The offsets of `connection`'s slotted schedules, by sync type id: what its record keeps. */
export function offsetsOf(
  schedules: readonly PlacedSchedule[],
  connectionId: string,
): Record<string, number> {
  const offsets: Record<string, number> = {};
  for (const s of schedules) {
    if (s.connection.connectionId === connectionId && s.offset !== undefined)
      offsets[s.syncType.id] = s.offset;
  }
  return offsets;
}

function bestOffset(
  provider: ProviderDef,
  placed: readonly PlacedSchedule[],
  connection: PlanConnection,
  syncType: SyncTypeDef,
  periodMinutes: number,
  candidates: readonly number[],
): number {
  const preferred = preferredOffset(connection.connectionId, syncType.id, candidates);
  const probe = (offset: number): PlacedSchedule => ({
    connection,
    syncType,
    firing: { kind: "slotted", periodMinutes },
    minutes: slottedMinutes(periodMinutes, offset, connection.activeHours),
    offset,
  });
  const calls = (limitId: string) => callsOn(provider, probe(preferred), limitId);
  const loads = provider.limits
    .filter((limit) => calls(limit.id) > 0)
    .map((limit) => {
      const counted = countedLimit(provider, limit.id, connection.tier);
      const budget = placed.filter((s) => sharesBudget(limit, s.connection, connection));
      return { calls: calls(limit.id), load: loadOn(provider, budget, counted) };
    });
  const crowd = new Map<number, number>();
  for (const s of placed) for (const m of s.minutes) crowd.set(m, (crowd.get(m) ?? 0) + 1);

  let best = preferred;
  let bestScore: number[] | undefined;
  for (const offset of candidates) {
    const minutes = slottedMinutes(periodMinutes, offset, connection.activeHours);
    const costs = loads.map(({ calls, load }) => worstWith(load, minutes, calls) / load.counted.allowed);
    const score = [
      Math.max(0, ...costs),
      costs.reduce((a, b) => a + b, 0),
      minutes.reduce((sum, m) => sum + (crowd.get(m) ?? 0), 0),
      (offset - preferred + periodMinutes) % periodMinutes,
    ];
    if (bestScore === undefined || lexicallyLess(score, bestScore)) {
      best = offset;
      bestScore = score;
    }
  }
  return best;
}

function lexicallyLess(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}

/**
 * The Scheduler expression of a schedule: a slotted one as a cron at its minutes
 * (`rate(1 hour)` at 7 → `cron(7 * * * ? *)`, 15 min → `cron(7,22,37,52 * * * ? *)`), a catalog
 * cron as written (confined to office hours), a rate of a minute or less as a cron of every minute
 * of the office hours (its slot fan-out unchanged) or `rate(1 minute)` without them, any other
 * rate as `rate(…)` (office hours cannot confine it).
 */
export function plannedExpression(
  schedule: Pick<PlacedSchedule, "firing" | "minutes" | "connection">,
): string {
  const { firing } = schedule;
  if (firing.kind === "cron") return firing.expression;
  const active = schedule.connection.activeHours;
  if (firing.kind === "slotted") {
    const minutesOfHour = [...new Set(schedule.minutes.map((m) => m % 60))].sort((a, b) => a - b);
    const hours = [...new Set(schedule.minutes.map((m) => Math.floor(m / 60)))];
    return `cron(${minutesOfHour.join(",")} ${hourField(hours)} * * ? *)`;
  }
  if (firing.everyMs <= MINUTE_MS) {
    return active === undefined ? "rate(1 minute)" : `cron(* ${hourField(activeHourList(active))} * * ? *)`;
  }
  return rateExpression(firing.everyMs);
}

/** `rate(…)` of whole days, hours or minutes (sub-minute cadences fire each minute and fan out). */
export function rateExpression(everyMs: number): string {
  if (everyMs < MINUTE_MS) return "rate(1 minute)";
  const units: [number, string][] = [
    [86_400_000, "day"],
    [3_600_000, "hour"],
    [MINUTE_MS, "minute"],
  ];
  for (const [ms, unit] of units) {
    if (everyMs % ms === 0) {
      const n = everyMs / ms;
      return `rate(${n} ${unit}${n === 1 ? "" : "s"})`;
    }
  }
  return `rate(${Math.round(everyMs / MINUTE_MS)} minutes)`;
}

/** 32-bit FNV-1a: a stable hash, the same on every machine and run. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}
