import { groupsOf } from "#catalog/index.ts";
import type { Catalog, LimitDef, Priority, ProviderDef, SyncTypeDef } from "#catalog/types.ts";
import type { JobMessageInput } from "./job.ts";

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
}

/** Scheduler cannot fire more often than once a minute; faster cadences are fanned out in slots. */
export function slotsPerFiring(syncType: SyncTypeDef): { slots: number; slotIntervalMs: number } {
  if (syncType.cadence.kind !== "rate" || syncType.cadence.everyMs >= MINUTE_MS) {
    return { slots: 1, slotIntervalMs: 0 };
  }
  const everyMs = syncType.cadence.everyMs;
  return { slots: Math.max(1, Math.floor(MINUTE_MS / everyMs)), slotIntervalMs: everyMs };
}

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

/** What a connection's schedules are made from. */
export interface ScheduledConnection {
  readonly connectionId: string;
  readonly tenantId: string;
  readonly settings: Readonly<Record<string, unknown>>;
}

/** Whether a sync type runs for a connection: its required setting, if any, is `true`. */
export function syncTypeEnabled(syncType: SyncTypeDef, settings: Readonly<Record<string, unknown>>): boolean {
  return syncType.requiresSetting === undefined || settings[syncType.requiresSetting] === true;
}

/**
 * The schedules of one enabled connection: one per sync type with a cadence that the connection's
 * settings enable. A manual sync type, or one its settings leave off, has none.
 */
export function connectionSchedulePlan(
  provider: ProviderDef,
  connection: ScheduledConnection,
): ScheduleDef[] {
  const defs: ScheduleDef[] = [];
  for (const syncType of provider.syncTypes) {
    const cadence = syncType.cadence;
    if (cadence.kind === "manual" || !syncTypeEnabled(syncType, connection.settings)) continue;
    defs.push({
      name: scheduleName(connection.connectionId, syncType.id),
      expression: cadence.kind === "cron" ? cadence.expression : rateExpression(cadence.everyMs),
      provider: provider.id,
      syncType: syncType.id,
      tenantId: connection.tenantId,
      connectionId: connection.connectionId,
      priority: syncType.priority,
      ...slotsPerFiring(syncType),
    });
  }
  return defs;
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

function averageEveryMs(syncType: SyncTypeDef): number | undefined {
  const c = syncType.cadence;
  if (c.kind === "rate") return c.everyMs;
  if (c.kind === "cron") return c.approxEveryMs;
  return undefined;
}

/**
 * Calls one connection's schedules make in one window of `limit` on average: each sync type's
 * expected calls on the endpoint groups the limit guards, times its runs per window. A `global`
 * limit is shared by every connection of the deployment, so its demand is this times theirs.
 */
export function scheduledDemand(provider: ProviderDef, limit: LimitDef): number {
  let demand = 0;
  for (const syncType of provider.syncTypes) {
    const everyMs = averageEveryMs(syncType);
    if (everyMs === undefined) continue;
    for (const groupId of groupsOf(syncType)) {
      const group = provider.endpointGroups.find((g) => g.id === groupId);
      if (!group?.limits.includes(limit.id)) continue;
      demand += (syncType.calls[groupId] ?? 0) * (limit.perMs / everyMs);
    }
  }
  return demand;
}

/**
 * Everything wrong with a catalog, collected (empty when it is sound): dangling references, a
 * provider without tiers or with limits for tiers it does not sell, and schedules whose steady
 * demand of one connection on its default tier exceeds a limit. `cdk synth` fails with all of
 * them at once. (Runs needing more calls than a window grants are fine: they continue when the
 * next permit frees.)
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
    for (const limit of provider.limits) {
      const demand = scheduledDemand(provider, limit);
      if (demand > limit.calls) {
        problems.push(
          `${provider.id}: one connection's schedules need ${demand.toFixed(2)} calls per ${limit.perMs} ms but limit "${limit.id}" allows ${limit.calls}`,
        );
      }
    }
  }
  return problems;
}
