import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import { documentClient } from "#adapters/aws-clients.ts";
import { DynamoConnectionStore } from "#adapters/dynamo/connection-store.ts";
import { JobStore, type SyncStatus } from "#adapters/dynamo/job-store.ts";
import { logger } from "#adapters/observability.ts";
import { catalog } from "#catalog/index.ts";
import type { Catalog } from "#catalog/types.ts";
import type { ConnectionRecord } from "#core/connections/types.ts";
import { parseEnv } from "#core/env.ts";
import { FUNCTIONS } from "#core/functions.ts";
import { METRIC, METRICS_NAMESPACE, SERVICE_NAME } from "#core/metric-names.ts";
import { syncTypeEnabled } from "#core/schedule-plan.ts";

const env = parseEnv(FUNCTIONS.freshness.env);
// It only reads job status: the retention it would give new records does not matter.
const jobs = new JobStore({ tableName: env.dataTable, client: documentClient, jobRetentionDays: 30 });
const connections = new DynamoConnectionStore({ tableName: env.dataTable, client: documentClient });
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

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
  statusesOf: (tenantId: string) => readonly SyncStatus[],
  now: number,
): Freshness[] {
  const result: Freshness[] = [];
  for (const provider of pacerCatalog.providers) {
    const running = records.filter((c) => c.enabled && c.provider === provider.id);
    for (const syncType of provider.syncTypes) {
      if (syncType.cadence.kind === "manual") continue;
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

/**
 * Freshness monitor, run every few minutes: how long since each scheduled sync type last
 * succeeded for the connections that run it (a skipped run counts: it checked and had nothing
 * to do). The worst connection's value is published, because the alarm asks "is any tenant's
 * data stale?". The tenants are those with connections: there is no deploy-time list.
 */
export const handler = middy(async (): Promise<{ published: number }> => {
  const now = Date.now();
  const records = await connections.listAll();
  const tenants = [...new Set(records.filter((c) => c.enabled).map((c) => c.tenantId))];
  const statuses = new Map<string, SyncStatus[]>();
  for (const tenantId of tenants) statuses.set(tenantId, await jobs.statuses(tenantId));

  const freshness = worstFreshness(catalog, records, (tenantId) => statuses.get(tenantId) ?? [], now);
  for (const { provider, syncType, seconds } of freshness) {
    const single = metrics.singleMetric();
    single.addDimensions({ provider, syncType });
    single.addMetric(METRIC.freshness, MetricUnit.Seconds, seconds);
  }
  return { published: freshness.length };
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
