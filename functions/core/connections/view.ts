import type { ProviderDef, SyncTypeDef } from "#catalog/types.ts";
import { scheduleName, syncTypeEnabled } from "../schedule-plan.ts";
import type { FitEntry } from "../slot-plan-fit.ts";
import type { ConnectionView } from "./schemas.ts";
import type { ConnectionRecord } from "./types.ts";

/**
 * A sync type's cadence in words, as `GET /status` reports it: `manual`, the cron expression, or
 * `every N s`.
 */
export function describeCadence(syncType: SyncTypeDef): string {
  const c = syncType.cadence;
  if (c.kind === "manual") return "manual";
  if (c.kind === "cron") return c.expression;
  return `every ${c.everyMs / 1000} s`;
}

/**
 * What a caller sees of its connection: what runs, under which limits on its tier, and a
 * fingerprint of its credentials; with `fit` (the slot planner's report for its budgets), each
 * limit's planned calls and headroom. Built field by field, so nothing internal (the secret's
 * name, the budget key, planned minutes, other connections) can slip through: of a budget shared
 * with others only numbers show.
 */
export function connectionView(
  provider: Pick<ProviderDef, "syncTypes" | "limits" | "endpointGroups">,
  record: ConnectionRecord,
  fit?: readonly FitEntry[],
): ConnectionView {
  const scheduled = new Set(record.schedules);
  const active = record.activeHours;
  return {
    connectionId: record.connectionId,
    provider: record.provider,
    tier: record.tier,
    settings: { ...record.settings },
    enabled: record.enabled,
    activeHours:
      active === undefined
        ? null
        : {
            from: active.from,
            to: active.to,
            ...(active.timeZone === undefined ? {} : { timeZone: active.timeZone }),
          },
    refreshOnRead: record.refreshOnRead !== false,
    credentials:
      record.credentialsFingerprint === undefined ? null : { fingerprint: record.credentialsFingerprint },
    syncTypes: provider.syncTypes.map((syncType) => ({
      syncType: syncType.id,
      cadence: describeCadence(syncType),
      scheduled: scheduled.has(scheduleName(record.connectionId, syncType.id)),
      enabled: syncTypeEnabled(syncType, record.settings),
    })),
    limits: provider.limits.map((limit) => {
      const entry = fit?.find((e) => e.limitId === limit.id);
      return {
        limitId: limit.id,
        scope: limit.scope,
        calls: limit.tiers?.[record.tier] ?? limit.calls,
        perMs: limit.perMs,
        endpointGroups: provider.endpointGroups.filter((g) => g.limits.includes(limit.id)).map((g) => g.id),
        shared: limit.scope === "global" ? ("deployment" as const) : ("credentials" as const),
        ...(entry === undefined
          ? {}
          : {
              plannedWindowMs: entry.windowMs,
              planned: entry.planned,
              headroom: entry.allowed - entry.planned,
            }),
      };
    }),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    version: record.version,
  };
}
