import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import { documentClient } from "#adapters/aws-clients.ts";
import { JobStore } from "#adapters/dynamo/job-store.ts";
import { logger } from "#adapters/observability.ts";
import { catalog } from "#catalog/index.ts";
import { parseEnv } from "#core/env.ts";
import { FUNCTIONS } from "#core/functions.ts";
import { METRIC, METRICS_NAMESPACE, SERVICE_NAME } from "#core/metric-names.ts";

const env = parseEnv(FUNCTIONS.freshness.env);
// It only reads job status: the retention it would give new records does not matter.
const jobs = new JobStore({ tableName: env.dataTable, client: documentClient, jobRetentionDays: 30 });
const tenants = env.scheduledTenants;
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

/**
 * Freshness monitor, run every few minutes: how long since each scheduled sync type last
 * succeeded (a skipped run counts: it checked and had nothing to do). The worst tenant's value is
 * published, because the alarm asks "is any tenant's data stale?". A sync that never succeeded
 * publishes nothing; the alarm's missing-data rule covers it.
 */
export const handler = middy(async (): Promise<{ published: number }> => {
  const now = Date.now();
  const worst = new Map<string, number>();
  for (const tenantId of tenants) {
    for (const status of await jobs.statuses(tenantId)) {
      if (!status.lastSuccessAt) continue;
      const key = `${status.provider}#${status.syncType}`;
      const age = Math.max(0, Math.round((now - Date.parse(status.lastSuccessAt)) / 1000));
      worst.set(key, Math.max(worst.get(key) ?? 0, age));
    }
  }
  let published = 0;
  for (const provider of catalog.providers) {
    for (const syncType of provider.syncTypes) {
      const age = worst.get(`${provider.id}#${syncType.id}`);
      if (age === undefined || syncType.cadence.kind === "manual") continue;
      const single = metrics.singleMetric();
      single.addDimensions({ provider: provider.id, syncType: syncType.id });
      single.addMetric(METRIC.freshness, MetricUnit.Seconds, age);
      published++;
    }
  }
  return { published };
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
