import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import { documentClient, sqsClient } from "#adapters/aws-clients.ts";
import { JobStore } from "#adapters/dynamo/job-store.ts";
import { logger } from "#adapters/observability.ts";
import { SqsJobQueue } from "#adapters/sqs-job-queue.ts";
import { catalog } from "#catalog/index.ts";
import { parseEnv } from "#core/env.ts";
import { FUNCTIONS } from "#core/functions.ts";
import { METRIC, METRICS_NAMESPACE, SERVICE_NAME } from "#core/metric-names.ts";
import { type SweepResult, sweepLostJobs } from "#core/sweep.ts";

const env = parseEnv(FUNCTIONS.sweeper.env);
const jobs = new JobStore({
  tableName: env.dataTable,
  client: documentClient,
  jobRetentionDays: env.jobRetentionDays,
});
const queue = new SqsJobQueue(sqsClient, env.queues);
/** How long past its due time an open job's message counts as lost. */
const graceMs = env.sweepGraceMs;
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
