import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { documentClient, sqsClient } from "#adapters/aws-clients.ts";
import { JobStore } from "#adapters/dynamo/job-store.ts";
import { DynamoRaceEventStore } from "#adapters/dynamo/race-event-store.ts";
import { logger } from "#adapters/observability.ts";
import { SqsJobQueue } from "#adapters/sqs-job-queue.ts";
import { catalog } from "#catalog/index.ts";
import { parseEnv } from "#core/env.ts";
import { FUNCTIONS } from "#core/functions.ts";
import { type ClockRun, runResultsClock } from "#core/race/results-clock.ts";

const env = parseEnv(FUNCTIONS.raceClock.env);
const jobs = new JobStore({
  tableName: env.dataTable,
  client: documentClient,
  jobRetentionDays: env.jobRetentionDays,
});
const index = new DynamoRaceEventStore({ tableName: env.dataTable, client: documentClient });
const queue = new SqsJobQueue(sqsClient, env.queues);

/**
 * The race clock, run every 5 minutes: queues the results pull of every race event whose results
 * are due, across tenants (functions/core/race/results-clock.ts). Each job carries its event's
 * own tenant and connection.
 */
export const handler = middy(async (): Promise<ClockRun> => {
  const run = await runResultsClock({ index, jobs, queue, catalog, timeScale: env.limitTimeScale });
  if (run.due > 0 || run.dropped > 0) logger.info("race clock ran", { ...run });
  return run;
}).use(injectLambdaContext(logger));
