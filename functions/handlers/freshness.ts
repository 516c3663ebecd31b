import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import { documentClient } from "#adapters/aws-clients.ts";
import { DynamoConnectionStore } from "#adapters/dynamo/connection-store.ts";
import { JobStore, type SyncStatus } from "#adapters/dynamo/job-store.ts";
import { logger } from "#adapters/observability.ts";
import { catalog } from "#catalog/index.ts";
import { parseEnv } from "#core/env.ts";
import { worstFreshness } from "#core/freshness.ts";
import { FUNCTIONS } from "#core/functions.ts";
import { METRIC, METRICS_NAMESPACE, SERVICE_NAME } from "#core/metric-names.ts";

const env = parseEnv(FUNCTIONS.freshness.env);
// It only reads job status: the retention it would give new records does not matter.
const jobs = new JobStore({ tableName: env.dataTable, client: documentClient, jobRetentionDays: 30 });
const connections = new DynamoConnectionStore({ tableName: env.dataTable, client: documentClient });
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

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
