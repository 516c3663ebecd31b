import type { ProviderDef, SyncTypeDef } from "#catalog/types.ts";
import { scheduleName, syncTypeEnabled } from "../schedule-plan.ts";
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
 * fingerprint of its credentials. Built field by field, so nothing internal (the secret's name,
 * the budget key) can slip through.
 */
export function connectionView(
  provider: Pick<ProviderDef, "syncTypes" | "limits" | "endpointGroups">,
  record: ConnectionRecord,
): ConnectionView {
  const scheduled = new Set(record.schedules);
  return {
    connectionId: record.connectionId,
    provider: record.provider,
    tier: record.tier,
    settings: { ...record.settings },
    enabled: record.enabled,
    credentials:
      record.credentialsFingerprint === undefined ? null : { fingerprint: record.credentialsFingerprint },
    syncTypes: provider.syncTypes.map((syncType) => ({
      syncType: syncType.id,
      cadence: describeCadence(syncType),
      scheduled: scheduled.has(scheduleName(record.connectionId, syncType.id)),
      enabled: syncTypeEnabled(syncType, record.settings),
    })),
    limits: provider.limits.map((limit) => ({
      limitId: limit.id,
      scope: limit.scope,
      calls: limit.tiers?.[record.tier] ?? limit.calls,
      perMs: limit.perMs,
      endpointGroups: provider.endpointGroups.filter((g) => g.limits.includes(limit.id)).map((g) => g.id),
      shared: limit.scope === "global" ? ("deployment" as const) : ("credentials" as const),
    })),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    version: record.version,
  };
}
