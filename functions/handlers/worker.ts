import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  makeIdempotent,
} from "@aws-lambda-powertools/idempotency";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { documentClient, dynamoClient, schedulerClient, sqsClient } from "#adapters/aws-clients.ts";
import { DynamoConnectionStore } from "#adapters/dynamo/connection-store.ts";
import { DynamoLimiter } from "#adapters/dynamo/dynamo-limiter.ts";
import { EntityStore } from "#adapters/dynamo/entity-store.ts";
import { JobStore } from "#adapters/dynamo/job-store.ts";
import { DynamoRaceEventStore } from "#adapters/dynamo/race-event-store.ts";
import { DynamoResponseCache } from "#adapters/dynamo/response-cache.ts";
import { SyncStateStore } from "#adapters/dynamo/sync-state-store.ts";
import { type EventBridgeSchedules, schedulesFor } from "#adapters/eventbridge-schedules.ts";
import { logger, tracing } from "#adapters/observability.ts";
import { createProviderFetch } from "#adapters/provider-fetch.ts";
import { connectionsForRuns } from "#adapters/run-connections.ts";
import { secretStoreFor } from "#adapters/secret-store-for.ts";
import { priorityFromQueueArn, SqsJobQueue } from "#adapters/sqs-job-queue.ts";
import {
  baseUrlEnvVar,
  findProvider,
  hostUrls,
  type ProviderDef,
  redirectHostsEnvVar,
} from "#catalog/index.ts";
import { optionalEnv, parseEnv } from "#core/env.ts";
import { WORKER_ENV } from "#core/functions.ts";
import { JobMessageSchema, scheduledJobId } from "#core/job.ts";
import { scaledProvider } from "#core/limit-time-scale.ts";
import { policyWithMarginFloor } from "#core/limiter/sliding-log.ts";
import { type LiveWindowSource, liveWindowsAfterSync } from "#core/live-windows.ts";
import { METRIC, METRICS_NAMESPACE, SERVICE_NAME } from "#core/metric-names.ts";
import { followResults } from "#core/race/event-results.ts";
import { followRegistrations, pushSlotMs, type RaceFollowUpDeps } from "#core/race/follow-ups.ts";
import { raceDayGate } from "#core/race/gate.ts";
import { MAX_SQS_DELAY_SECONDS } from "#core/resources.ts";
import { retryPolicyFromEnv } from "#core/retry-budget.ts";
import { type Delivery, type JobOutcome, runSyncJob, type SyncJobDeps } from "#core/sync-job.ts";
import type { ProviderModule } from "#providers/types.ts";
import { processSqsBatch } from "./sqs-batch.ts";

/**
 * The longest pause a provider's Retry-After may impose on everyone. Beyond it something is off
 * (a misconfigured header, a ban): Pacer resumes after the cap and the alarm on the capped-pause
 * metric calls a human.
 */
const MAX_PROVIDER_PAUSE_MS = 15 * 60_000;

/**
 * The worker Lambda of one provider: SQS batch in, partial batch failures out. Each record is a
 * sync job, processed idempotently on its job id (and deferral count), so an SQS redelivery of
 * a job that already ran does not call the provider again.
 */
export interface WorkerOptions {
  /** The provider's live windows (OpenF1's sessions): put after each run of their calendar sync. */
  readonly liveWindows?: LiveWindowSource;
}

export function createWorkerHandler(module: ProviderModule, options: WorkerOptions = {}) {
  const defined = findProvider(module.id);
  if (!defined) throw new Error(`provider ${module.id} is not in the catalog`);
  const metrics = new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName: SERVICE_NAME,
    defaultDimensions: { provider: defined.id },
  });
  const env = parseEnv(WORKER_ENV);
  // The limits this worker takes permits under, scaled once (1 deployed: as the catalog says).
  const provider = scaledProvider(defined, env.limitTimeScale);
  const limiter = new DynamoLimiter({
    tableName: env.limiterTable,
    client: documentClient,
    policy: policyWithMarginFloor(env.limitMarginMs),
  });
  const baseUrl = optionalEnv(baseUrlEnvVar(provider.id)) ?? provider.baseUrl;
  const hosts = hostUrls(provider, process.env);
  // createProviderFetch trims, lowercases and drops empty entries.
  const redirectHosts = (optionalEnv(redirectHostsEnvVar(provider.id)) ?? "").split(",");
  // How long one provider call (headers and body) may take.
  const providerTimeoutMs = env.providerTimeoutMs;
  const retry = retryPolicyFromEnv(env);
  // Node loads its HTTP client on the first fetch, synchronously, for tens of milliseconds. Doing it
  // now, at cold start, keeps that stall out of the moment between taking a permit and calling.
  void fetch("data:text/plain,").catch(() => undefined);

  const queue = new SqsJobQueue(sqsClient, env.queues);
  const jobs = new JobStore({
    tableName: env.dataTable,
    client: documentClient,
    jobRetentionDays: env.jobRetentionDays,
  });
  const entities = new EntityStore({
    tableName: env.dataTable,
    client: documentClient,
    historyRetentionDays: env.historyRetentionDays,
  });
  // Provider answers reused within their sync's freshness target (adapters/dynamo/response-cache.ts).
  const responses = new DynamoResponseCache({ tableName: env.dataTable, client: documentClient });
  const connectionStore = new DynamoConnectionStore({ tableName: env.dataTable, client: documentClient });
  const deps: SyncJobDeps = {
    provider,
    module,
    limiter,
    jobs,
    // The JobStore is also the index of queued and running syncs: a scheduled firing of one ends skipped.
    activeJobs: jobs,
    entities,
    connections: connectionsForRuns(connectionStore, secretStoreFor(env)),
    state: new SyncStateStore({ tableName: env.dataTable, client: documentClient }),
    queue,
    metrics: { count: (name, value = 1) => metrics.addMetric(name, MetricUnit.Count, value) },
    log: { error: (message, details) => logger.error(message, details) },
    retry,
    fetchFor: (job, permits, deadline, leg) =>
      createProviderFetch({
        baseUrl,
        hosts,
        timeoutMs: providerTimeoutMs,
        deadline,
        redirectHosts,
        ...(leg?.reuse ? { reuse: { cache: responses, ...leg.reuse } } : {}),
        onRedirectRefused: (reason, message) => {
          metrics.addMetric(METRIC.redirectRefused, MetricUnit.Count, 1);
          logger.warn("provider redirect refused", { reason, message, jobId: job.jobId });
        },
        permits,
        maxPauseMs: MAX_PROVIDER_PAUSE_MS,
        onPauseCapped: (askedMs) => {
          metrics.addMetric(METRIC.pauseCapped, MetricUnit.Count, 1);
          logger.warn("provider asked for a longer pause than Pacer honours", {
            askedMs,
            cappedAtMs: MAX_PROVIDER_PAUSE_MS,
          });
        },
        onResponse: (latencyMs, status) => {
          metrics.addMetric(METRIC.providerLatency, MetricUnit.Milliseconds, latencyMs);
          logger.debug("provider answered", {
            jobId: job.jobId,
            attempts: job.attempts,
            deferrals: job.deferrals,
            status,
            latencyMs,
          });
        },
      }),
    // A registration provider's changes flow on into the Pacer events they feed, and its
    // scheduled participant syncs follow those events' race-day cadence; a scoring provider's
    // results are copied into the Pacer events it scores.
    ...raceHooks(
      provider,
      { entities, jobs, queue },
      { tableName: env.dataTable, timeScale: env.limitTimeScale },
    ),
    // A provider with live windows (OpenF1) has no race hooks: its afterSync is the windows'.
    ...(options.liveWindows === undefined
      ? {}
      : {
          afterSync: liveWindowsAfterSync({
            provider,
            source: options.liveWindows,
            schedules: windowSchedules(env),
            entities,
            connections: connectionStore,
          }),
        }),
  };

  const idempotencyConfig = new IdempotencyConfig({
    eventKeyJmesPath: "idempotencyKey",
    expiresAfterSeconds: 86_400,
  });
  const runOnce = makeIdempotent(
    async (input: { idempotencyKey: string; delivery: Delivery }): Promise<JobOutcome> =>
      runSyncJob(deps, input.delivery),
    {
      persistenceStore: new DynamoDBPersistenceLayer({
        tableName: env.idempotencyTable,
        awsSdkV3Client: dynamoClient,
      }),
      config: idempotencyConfig,
    },
  );

  const processRecord = async (
    record: SQSRecord,
    deadline: number,
    invocationMs: number,
  ): Promise<JobOutcome> => {
    const delivery: Delivery = {
      body: record.body,
      from: { provider: provider.id, priority: priorityFromQueueArn(record.eventSourceARN) },
      receiveCount: Number(record.attributes.ApproximateReceiveCount ?? "1"),
      deadline,
    };
    const identity = deliveryIdentity(record);
    logger.debug("job delivery received", {
      messageId: record.messageId,
      delivery: identity.key,
      receiveCount: delivery.receiveCount,
    });
    let outcome: JobOutcome;
    try {
      outcome = await runOnce({ idempotencyKey: identity.key, delivery });
    } catch (error) {
      if (!(error instanceof IdempotencyAlreadyInProgressError)) throw error;
      outcome = await waitForInProgress(queue, delivery, identity.jobId, error, invocationMs);
    }
    logger.info("job delivery processed", {
      messageId: record.messageId,
      delivery: identity.key,
      ...outcome,
    });
    return outcome;
  };

  return middy(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    idempotencyConfig.registerLambdaContext(context);
    const invocationMs = context.getRemainingTimeInMillis();
    const deadline = Date.now() + invocationMs;
    return processSqsBatch(event, context, (record) => processRecord(record, deadline, invocationMs));
  })
    .use(tracing)
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics));
}

/**
 * The same delivery is being processed elsewhere — a duplicate running at once, or an invocation
 * that died mid-run and whose claim has not yet expired. Failing it would spend SQS receives until
 * the queue's redrive parks it in a DLQ with no reason while the job record says "running"; so it
 * comes back, unchanged, once the claim has expired: then it either finds the outcome stored
 * (the other run finished) or runs.
 */
async function waitForInProgress(
  queue: SqsJobQueue,
  delivery: Delivery,
  jobId: string | undefined,
  error: IdempotencyAlreadyInProgressError,
  invocationMs: number,
): Promise<JobOutcome> {
  // A claim lasts as long as the invocation that made it may run, which is as long as this one may
  // (same function, same timeout), so it is over within that. (Powertools does not always say when.)
  const expiresAt = error.existingRecord?.inProgressExpiryTimestamp ?? Date.now() + invocationMs;
  const waitMs = Math.min(MAX_SQS_DELAY_SECONDS * 1000, Math.max(1_000, expiresAt - Date.now() + 1_000));
  await queue.resend(delivery.body, delivery.from, waitMs / 1000);
  return { kind: "deferred", jobId: jobId ?? "(unknown)", retryAfterMs: waitMs };
}

/**
 * A delivery's identity for deduplication: its job and where the job stood when it was sent (failed
 * attempts and deferrals). Every re-queue changes one of them, so each is a new delivery; a
 * duplicate of the same message (SQS's at-least-once, a replayed batch, the sweep re-sending a
 * message that was not lost after all) is the same one and runs once.
 */
export function idempotencyKeyOf(record: Pick<SQSRecord, "body" | "messageId">): string {
  return deliveryIdentity(record).key;
}

/** The delivery's idempotency key and, when its body is a job, the job's id. */
function deliveryIdentity(record: Pick<SQSRecord, "body" | "messageId">): { key: string; jobId?: string } {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    return { key: record.messageId }; // not JSON: the message id identifies it
  }
  const message = JobMessageSchema.safeParse(body);
  if (!message.success) return { key: record.messageId };
  // A scheduled slot's own message carries no job id; it is the same job as any later message
  // for that slot (a re-queue, the sweep's re-send), so it is keyed by the id the worker derives.
  const jobId = message.data.jobId ?? scheduledJobId(message.data);
  return { key: `${jobId}#${message.data.attempts}#${message.data.deferrals}`, jobId };
}

/** The Scheduler group, role and DLQ of live-window schedules, which the CDK gives such a worker. */
function windowSchedules(env: ReturnType<typeof parseEnv<typeof WORKER_ENV>>): EventBridgeSchedules {
  if (env.scheduleGroup === undefined || env.schedulerRoleArn === undefined)
    throw new Error(
      "this worker's provider has live windows: PACER_SCHEDULE_GROUP and PACER_SCHEDULER_ROLE_ARN must be set",
    );
  return schedulesFor(schedulerClient, {
    groupName: env.scheduleGroup,
    roleArn: env.schedulerRoleArn,
    deadLetterArn: env.scheduleDlqArn,
    queues: env.queues,
  });
}

/**
 * A race provider's hooks: a registration provider's follow-ups and race-day gate; a scoring
 * provider's copy of pulled results into the Pacer events it scores. Other providers have none.
 */
function raceHooks(
  provider: ProviderDef,
  stores: Pick<RaceFollowUpDeps, "entities" | "jobs" | "queue">,
  { tableName, timeScale }: { readonly tableName: string; readonly timeScale: number },
): Pick<SyncJobDeps, "afterSync" | "gate"> {
  if (provider.role !== "registration" && provider.role !== "scoring") return {};
  const events = new DynamoRaceEventStore({ tableName, client: documentClient });
  if (provider.role === "scoring") {
    return { afterSync: followResults({ events, entities: stores.entities }, provider) };
  }
  return {
    afterSync: followRegistrations({ ...stores, events, pushSlotMs: pushSlotMs(timeScale) }, provider),
    gate: raceDayGate({ events }, provider),
  };
}
