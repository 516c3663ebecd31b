import type { Catalog, Priority, ProviderDef, SyncTypeDef } from "#catalog/types.ts";
import type { JobMessageInput } from "./job.ts";
import { placeConnection, planConnections, plannedExpression } from "./slot-plan.ts";
import type { ActiveHours } from "./slot-plan-cron.ts";
import { fitLine, fitReport } from "./slot-plan-fit.ts";

export { rateExpression, syncTypeEnabled } from "./slot-plan.ts";
export type { ActiveHours } from "./slot-plan-cron.ts";

const MINUTE_MS = 60_000;

/**
 * One schedule of a connection's sync type: an EventBridge Scheduler schedule (deployed) or the
 * local scheduler's (`npm run local`), created and removed with the connection at run time.
 */
export interface ScheduleDef {
  /** `<connectionId>.<syncType>`: unique, ≤ 64 chars, `[0-9a-zA-Z-_.]`. */
  readonly name: string;
  /** Scheduler expression: `rate(…)` or `cron(…)` (six fields, UTC). */
  readonly expression: string;
  readonly provider: string;
  readonly syncType: string;
  readonly tenantId: string;
  readonly connectionId: string;
  readonly priority: Priority;
  /** Sub-minute cadences: the worker turns each firing into `slots` jobs `slotIntervalMs` apart. */
  readonly slots: number;
  readonly slotIntervalMs: number;
  /**
   * Fires only from `startAt` to `endAt` (ISO 8601; Scheduler's StartDate and EndDate) and is
   * deleted after: a windowed sync type's schedule for one window (`SyncTypeDef.windowed`).
   * @default around the clock, until the connection removes it
   */
  readonly window?: { readonly startAt: string; readonly endAt: string };
  /**
   * The IANA time zone `expression` is read in (Scheduler's ScheduleExpressionTimezone): a
   * connection's office hours (`activeHours.timeZone`).
   * @default UTC
   */
  readonly timezone?: string;
}

/** Scheduler cannot fire more often than once a minute; faster cadences are fanned out in slots. */
export function slotsPerFiring(syncType: SyncTypeDef): { slots: number; slotIntervalMs: number } {
  if (syncType.cadence.kind !== "rate" || syncType.cadence.everyMs >= MINUTE_MS) {
    return { slots: 1, slotIntervalMs: 0 };
  }
  const everyMs = syncType.cadence.everyMs;
  return { slots: Math.max(1, Math.floor(MINUTE_MS / everyMs)), slotIntervalMs: everyMs };
}

/** What a connection's schedules are made from. */
export interface ScheduledConnection {
  readonly connectionId: string;
  readonly tenantId: string;
  readonly settings: Readonly<Record<string, unknown>>;
  /** Office hours: its schedules fire only inside them. @default around the clock */
  readonly activeHours?: ActiveHours;
  /**
   * Minutes into the period the slot planner gave its sync types (./slot-plan.ts), by id.
   * A sync type without one is placed among the connection's own schedules only.
   */
  readonly offsets?: Readonly<Record<string, number>>;
}

/**
 * The schedules of one enabled connection: one per sync type with a cadence that the connection's
 * settings enable, at the planned minutes (`connection.offsets`), inside its office hours. A
 * manual sync type, one its settings leave off, or a windowed one (scheduled per window at run
 * time) has none.
 */
export function connectionSchedulePlan(
  provider: ProviderDef,
  connection: ScheduledConnection,
): ScheduleDef[] {
  const placed = placeConnection(provider, [], {
    connectionId: connection.connectionId,
    tier: provider.tiers[0].id,
    budgetKey: connection.connectionId,
    settings: connection.settings,
    offsets: connection.offsets ?? {},
    ...(connection.activeHours === undefined ? {} : { activeHours: connection.activeHours }),
  });
  const timeZone = connection.activeHours?.timeZone;
  return placed
    .filter((schedule) => !schedule.syncType.windowed)
    .map((schedule) => ({
      name: scheduleName(connection.connectionId, schedule.syncType.id),
      expression: plannedExpression(schedule),
      provider: provider.id,
      syncType: schedule.syncType.id,
      tenantId: connection.tenantId,
      connectionId: connection.connectionId,
      priority: schedule.syncType.priority,
      ...slotsPerFiring(schedule.syncType),
      ...(timeZone === undefined ? {} : { timezone: timeZone }),
    }));
}

/** `<connectionId>.<syncType>`, cut to Scheduler's 64 characters. */
export function scheduleName(connectionId: string, syncTypeId: string): string {
  return `${connectionId}.${syncTypeId}`.slice(0, 64);
}

/** Placeholder Scheduler replaces with the firing's scheduled time. */
export const SCHEDULED_TIME_PLACEHOLDER = "<aws.scheduler.scheduled-time>";

/** The SQS message body a schedule sends; deployed, `scheduledAt` is Scheduler's placeholder. */
export function scheduleMessage(def: ScheduleDef, scheduledAt: string): JobMessageInput {
  return {
    tenantId: def.tenantId,
    connectionId: def.connectionId,
    provider: def.provider,
    syncType: def.syncType,
    priority: def.priority,
    source: "schedule",
    scheduledAt,
    slot: 0,
  };
}

/**
 * Everything wrong with a catalog, collected (empty when it is sound): dangling references, a
 * provider without tiers or with limits for tiers it does not sell, and schedules of one
 * connection that overflow a limit on any tier (the slot planner's fit check,
 * ./slot-plan-fit.ts). `cdk synth` fails with all of them at once. (Runs needing more calls than
 * a window grants are fine: they continue when the next permit frees.)
 */
export function checkCatalog(catalog: Catalog): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const provider of catalog.providers) {
    if (!/^[a-z0-9]+$/.test(provider.id)) problems.push(`provider id "${provider.id}" must be [a-z0-9]+`);
    if (ids.has(provider.id)) problems.push(`provider "${provider.id}" is defined twice`);
    ids.add(provider.id);
    const tierIds = new Set(provider.tiers.map((t) => t.id));
    for (const limit of provider.limits) {
      if (!(limit.calls >= 1 && Number.isInteger(limit.calls)) || !(limit.perMs > 0)) {
        problems.push(
          `${provider.id}: limit "${limit.id}" must be a whole number of calls ≥ 1 per a positive window`,
        );
      }
      for (const [tier, calls] of Object.entries(limit.tiers ?? {})) {
        if (!tierIds.has(tier))
          problems.push(`${provider.id}: limit "${limit.id}" names unknown tier "${tier}"`);
        if (!(calls >= 1 && Number.isInteger(calls)))
          problems.push(`${provider.id}: limit "${limit.id}" on tier "${tier}" must be a whole number ≥ 1`);
      }
    }
    for (const group of provider.endpointGroups) {
      for (const id of group.limits) {
        if (!provider.limits.some((l) => l.id === id)) {
          problems.push(`${provider.id}: endpoint group "${group.id}" names unknown limit "${id}"`);
        }
      }
      for (const endpoint of group.endpoints) {
        if (!/^(GET|POST|PUT|PATCH|DELETE) \/\S*$/.test(endpoint))
          problems.push(
            `${provider.id}: endpoint "${endpoint}" of group "${group.id}" must read "METHOD /path"`,
          );
      }
    }
    const syncIds = new Set<string>();
    for (const syncType of provider.syncTypes) {
      if (syncIds.has(syncType.id))
        problems.push(`${provider.id}: sync type "${syncType.id}" is defined twice`);
      syncIds.add(syncType.id);
      for (const [groupId, calls] of Object.entries(syncType.calls)) {
        if (!provider.endpointGroups.some((g) => g.id === groupId))
          problems.push(`${provider.id}/${syncType.id}: unknown endpoint group "${groupId}"`);
        if (!(calls >= 0 && Number.isInteger(calls)))
          problems.push(
            `${provider.id}/${syncType.id}: expected calls on "${groupId}" must be a whole number ≥ 0`,
          );
      }
      if (syncType.cadence.kind === "rate" && syncType.cadence.everyMs < 1_000) {
        problems.push(`${provider.id}/${syncType.id}: cadence below one second`);
      }
      // A schedule sends no params: a scheduled sync type that needs some would fail every firing.
      if (syncType.cadence.kind !== "manual" && syncType.params && !syncType.params.safeParse({}).success) {
        problems.push(
          `${provider.id}/${syncType.id}: scheduled, but its params are required (a schedule sends none): make it manual or the params optional`,
        );
      }
    }
    problems.push(...overflowOfOneConnection(provider));
  }
  return problems;
}

/**
 * The fit check at synth, for what is fixed at deploy time: one connection on each tier (the
 * default first), every sync type its settings could enable scheduled, planned alone. Each limit
 * it overflows, in the words of the run-time report.
 */
function overflowOfOneConnection(provider: ProviderDef): string[] {
  if (provider.limits.some((l) => !(l.calls >= 1 && l.perMs > 0))) return [];
  const settings = Object.fromEntries(
    provider.syncTypes.flatMap((s) => (s.requiresSetting ? [[s.requiresSetting, true]] : [])),
  );
  return provider.tiers.flatMap((tier) => {
    const connection = { connectionId: "synth", tier: tier.id, budgetKey: "synth", settings, offsets: {} };
    const plan = planConnections(provider, [connection]);
    return fitReport(provider, plan, connection)
      .filter((entry) => !entry.fits)
      .map((entry) => `${fitLine(provider.id, entry)} (one connection on tier "${tier.id}")`);
  });
}
