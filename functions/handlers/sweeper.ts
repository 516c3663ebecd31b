import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import { documentClient, sqsClient } from "#adapters/aws-clients.ts";
import { JobStore } from "#adapters/dynamo/job-store.ts";
import { logger } from "#adapters/observability.ts";
import { SqsJobQueue } from "#adapters/sqs-job-queue.ts";
import { catalog } from "#catalog/index.ts";
import { envJson, envNumber, requireEnv } from "#core/env.ts";
import { METRIC, METRICS_NAMESPACE, SERVICE_NAME } from "#core/metric-names.ts";
import { QUEUES_ENV_VAR, type QueueUrls, TABLES } from "#core/resources.ts";
import { type SweepResult, sweepLostJobs } from "#core/sweep.ts";

/** How long past its due time an open job's message counts as lost: `PACER_SWEEP_GRACE_MS`. */
export const DEFAULT_SWEEP_GRACE_MS = 5 * 60_000;

const jobs = new JobStore({
  tableName: requireEnv(TABLES.data.envVar),
  client: documentClient,
  jobRetentionDays: envNumber("PACER_JOB_RETENTION_DAYS", 30),
});
const queue = new SqsJobQueue(sqsClient, envJson<QueueUrls>(QUEUES_ENV_VAR));
const graceMs = envNumber("PACER_SWEEP_GRACE_MS", DEFAULT_SWEEP_GRACE_MS);
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

/**
 * The lost-job sweep, run every few minutes: an open job whose message is long overdue gets that
 * message again (core/sweep.ts), so no job is left open with nothing to finish it.
 */
export const handler = middy(async (): Promise<SweepResult> => {
  const result = await sweepLostJobs({
    providers: catalog.providers.map((p) => p.id),
    jobs,
    queue,
    graceMs,
    onRequeued: (job, reason) => {
      logger.warn("job message lost: sent again", { jobId: job.jobId, provider: job.provider, reason });
      const single = metrics.singleMetric();
      single.addDimensions({ provider: job.provider });
      single.addMetric(METRIC.jobsRequeued, MetricUnit.Count, 1);
    },
  });
  if (result.requeued > 0) logger.info("sweep done", { ...result });
  return result;
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
