import type { Catalog, LimitDef, Priority, ProviderDef, SyncTypeDef } from "#catalog/types.ts";
import type { JobMessageInput } from "./job.ts";

const MINUTE_MS = 60_000;

/** One EventBridge Scheduler schedule (deployed) or local scheduler timer (`npm run local`). */
export interface ScheduleDef {
  /** Unique, ≤ 64 chars, `[0-9a-zA-Z-_.]`. */
  readonly name: string;
  /** Scheduler expression: `rate(…)` or `cron(…)` (six fields, UTC). */
  readonly expression: string;
  readonly provider: string;
  readonly syncType: string;
  readonly tenantId: string;
  readonly priority: Priority;
  /** Sub-minute cadences: the worker turns each firing into `slots` jobs `slotIntervalMs` apart. */
  readonly slots: number;
  readonly slotIntervalMs: number;
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

/** The schedules a deployment runs: one per (scheduled tenant, scheduled sync type). */
export function schedulePlan(catalog: Catalog, tenants: readonly string[]): ScheduleDef[] {
  const defs: ScheduleDef[] = [];
  for (const provider of catalog.providers) {
    for (const syncType of provider.syncTypes) {
      const cadence = syncType.cadence;
      if (cadence.kind === "manual") continue;
      const expression = cadence.kind === "cron" ? cadence.expression : rateExpression(cadence.everyMs);
      for (const tenantId of tenants) {
        defs.push({
          name: `pacer-${provider.id}-${syncType.id}-${tenantId}`.slice(0, 64),
          expression,
          provider: provider.id,
          syncType: syncType.id,
          tenantId,
          priority: syncType.priority,
          ...slotsPerFiring(syncType),
        });
      }
    }
  }
  return defs;
}

/** Placeholder Scheduler replaces with the firing's scheduled time. */
export const SCHEDULED_TIME_PLACEHOLDER = "<aws.scheduler.scheduled-time>";

/** The SQS message body a schedule sends; deployed, `scheduledAt` is Scheduler's placeholder. */
export function scheduleMessage(def: ScheduleDef, scheduledAt: string): JobMessageInput {
  return {
    tenantId: def.tenantId,
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

/** Calls a schedule plan makes in one window of `limit` on average, across the tenants sharing it. */
export function scheduledDemand(provider: ProviderDef, limit: LimitDef, tenantCount: number): number {
  const sharing = limit.scope === "global" ? tenantCount : 1;
  let demand = 0;
  for (const syncType of provider.syncTypes) {
    const group = provider.endpointGroups.find((g) => g.id === syncType.endpointGroup);
    const everyMs = averageEveryMs(syncType);
    if (!group?.limits.includes(limit.id) || everyMs === undefined) continue;
    demand += syncType.cost * (limit.perMs / everyMs) * sharing;
  }
  return demand;
}

/**
 * Everything wrong with a catalog and schedule plan, collected (empty when it is sound): dangling
 * references, runs that cost more than a limit ever grants, and schedules whose steady demand
 * exceeds a limit. `cdk synth` fails with all of them at once.
 */
export function checkCatalog(catalog: Catalog, tenants: readonly string[]): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const provider of catalog.providers) {
    if (!/^[a-z0-9]+$/.test(provider.id)) problems.push(`provider id "${provider.id}" must be [a-z0-9]+`);
    if (ids.has(provider.id)) problems.push(`provider "${provider.id}" is defined twice`);
    ids.add(provider.id);
    for (const limit of provider.limits) {
      if (!(limit.calls >= 1 && Number.isInteger(limit.calls)) || !(limit.perMs > 0)) {
        problems.push(
          `${provider.id}: limit "${limit.id}" must be a whole number of calls ≥ 1 per a positive window`,
        );
      }
    }
    for (const group of provider.endpointGroups) {
      for (const id of group.limits) {
        if (!provider.limits.some((l) => l.id === id)) {
          problems.push(`${provider.id}: endpoint group "${group.id}" names unknown limit "${id}"`);
        }
      }
    }
    const syncIds = new Set<string>();
    for (const syncType of provider.syncTypes) {
      if (syncIds.has(syncType.id))
        problems.push(`${provider.id}: sync type "${syncType.id}" is defined twice`);
      syncIds.add(syncType.id);
      const group = provider.endpointGroups.find((g) => g.id === syncType.endpointGroup);
      if (!group) {
        problems.push(`${provider.id}/${syncType.id}: unknown endpoint group "${syncType.endpointGroup}"`);
        continue;
      }
      for (const limit of provider.limits.filter((l) => group.limits.includes(l.id))) {
        if (syncType.cost > limit.calls) {
          problems.push(
            `${provider.id}/${syncType.id}: one run costs ${syncType.cost} calls but limit "${limit.id}" grants ${limit.calls}`,
          );
        }
      }
      if (syncType.cadence.kind === "rate" && syncType.cadence.everyMs < 1_000) {
        problems.push(`${provider.id}/${syncType.id}: cadence below one second`);
      }
    }
    for (const limit of provider.limits) {
      const demand = scheduledDemand(provider, limit, tenants.length);
      if (demand > limit.calls) {
        problems.push(
          `${provider.id}: schedules need ${demand.toFixed(2)} calls per ${limit.perMs} ms but limit "${limit.id}" allows ${limit.calls}`,
        );
      }
    }
  }
  return problems;
}
