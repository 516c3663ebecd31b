import type { Catalog } from "#catalog/types.ts";
import type { ConnectionRecord } from "./connections/types.ts";
import { syncTypeEnabled } from "./schedule-plan.ts";

/** What the monitor reads of a tenant's per-sync status (GET /status's source). */
export interface SyncSuccess {
  readonly provider: string;
  readonly syncType: string;
  readonly lastSuccessAt?: string;
}

/** The freshness of one provider's scheduled sync type: the stalest of the connections that run it. */
export interface Freshness {
  readonly provider: string;
  readonly syncType: string;
  readonly seconds: number;
}

/**
 * Per provider and scheduled sync type, how stale the worst connection running it is: seconds
 * since its tenant's last success, or since the connection was created when that is later (a new
 * connection is not stale the moment it exists; one that never succeeds becomes so). A sync type
 * no enabled connection runs is 0: nothing is waiting on it, and its alarm must not fire on a
 * deployment that simply has no such connection. A broken monitor publishes nothing, which the
 * alarms treat as breaching.
 */
export function worstFreshness(
  pacerCatalog: Catalog,
  records: readonly ConnectionRecord[],
  statusesOf: (tenantId: string) => readonly SyncSuccess[],
  now: number,
): Freshness[] {
  const result: Freshness[] = [];
  for (const provider of pacerCatalog.providers) {
    const running = records.filter((c) => c.enabled && c.provider === provider.id);
    for (const syncType of provider.syncTypes) {
      // Windowed sync types idle between their windows by design: their age says nothing then.
      if (syncType.cadence.kind === "manual" || syncType.windowed === true) continue;
      let worstMs = 0;
      for (const connection of running.filter((c) => syncTypeEnabled(syncType, c.settings))) {
        const status = statusesOf(connection.tenantId).find(
          (s) => s.provider === provider.id && s.syncType === syncType.id,
        );
        const lastSuccess = status?.lastSuccessAt
          ? Date.parse(status.lastSuccessAt)
          : Number.NEGATIVE_INFINITY;
        const since = Math.max(lastSuccess, Date.parse(connection.createdAt));
        if (Number.isFinite(since)) worstMs = Math.max(worstMs, now - since);
      }
      result.push({
        provider: provider.id,
        syncType: syncType.id,
        seconds: Math.max(0, Math.round(worstMs / 1000)),
      });
    }
  }
  return result;
}
