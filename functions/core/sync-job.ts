import { findSyncType, limitsFor, type ProviderDef, type SyncTypeDef } from "#catalog/index.ts";
import { ValidationError } from "./errors.ts";
import { type JobCounts, type JobMessage, JobMessageSchema, queueCounters, scheduledJobId } from "./job.ts";
import { takePermit } from "./limiter/take-permit.ts";
import { METRIC } from "./metric-names.ts";
import { LOW_PRIORITY_AGING_MS, MAX_PERMIT_WAIT_MS } from "./resources.ts";
import { slotsPerFiring } from "./schedule-plan.ts";
import { afterFailure, deadLetter, defer, finish, hop, infrastructureFailure } from "./sync-job/outcomes.ts";
import { effectivePriority, runningDueAt } from "./sync-job/timing.ts";
import type { Delivery, JobOutcome, JobRef, Run, SyncJobDeps } from "./sync-job/types.ts";
import { validateSyncParams } from "./sync-params.ts";

export { effectivePriority } from "./sync-job/timing.ts";
export {
  type Delivery,
  type EntityWriter,
  type JobOutcome,
  type JobRecords,
  RetryableJobError,
  type SyncJobDeps,
  type WorkerLog,
  type WorkerMetrics,
} from "./sync-job/types.ts";

/**
 * Runs one sync job delivery: validates it, fans a sub-minute schedule out into its slots, takes
 * the run's permits, calls the provider, upserts with delta detection and records the job.
 *
 * Every delivery ends in one of three ways, so nothing is lost and nothing runs forever:
 * - done (succeeded or skipped);
 * - queued again as a new message: waiting for a permit (a deferral, bounded by the sync type's
 *   maximum wait) or after a failed attempt (bounded by the retry budget: attempts and age);
 * - failed, with the message in its DLQ carrying the reason.
 * Only when Pacer's own tables or queues fail is the delivery handed back to SQS.
 */
export async function runSyncJob(deps: SyncJobDeps, delivery: Delivery): Promise<JobOutcome> {
  const clock = deps.clock ?? Date.now;
  const parsed = parseMessage(deps.provider, delivery.body);
  if ("problem" in parsed) return deadLetter(deps, delivery, undefined, "INVALID_MESSAGE", parsed.problem);
  const { syncType } = parsed;
  const message: JobMessage = {
    ...parsed.message,
    jobId: parsed.message.jobId ?? scheduledJobId(parsed.message),
  };
  const jobId = message.jobId as string;
  const now = clock();

  if (
    message.source === "schedule" &&
    message.slot === 0 &&
    message.deferrals === 0 &&
    message.attempts === 0
  ) {
    await fanOutSlots(deps, message, syncType);
  }
  const job: JobRef = {
    tenantId: message.tenantId,
    jobId,
    provider: deps.provider.id,
    syncType: syncType.id,
  };
  const run: Run = { deps, delivery, message, syncType, job, startedAt: now };
  if (message.notBefore !== undefined && message.notBefore > now) return hop(run, message.notBefore - now);

  const iso = new Date(now).toISOString();
  try {
    await deps.jobs.create({
      ...job,
      priority: message.priority,
      source: message.source,
      params: message.params,
      status: "queued",
      attempts: message.attempts,
      deferrals: message.deferrals,
      createdAt: message.enqueuedAt ?? message.scheduledAt ?? iso,
      updatedAt: iso,
    });
    const running = await deps.jobs.transition(
      job,
      { status: "running", startedAt: iso, updatedAt: iso, deferrals: message.deferrals },
      {
        dueAt: runningDueAt(deps, now),
        pendingMessage: JSON.stringify(message),
        queuedAs: queueCounters(message),
        // Only the delivery the record expects: an older message of a job that has moved on is stale.
        expect: queueCounters(message),
      },
    );
    if (!running) return { kind: "duplicate", jobId };
  } catch (error) {
    return infrastructureFailure(run, error);
  }

  try {
    const params = validateSyncParams(syncType, message.params);
    if (!params.ok) throw new ValidationError(params.problem);
    return await execute(run, params.params);
  } catch (error) {
    return await afterFailure(run, error);
  }
}

async function execute(run: Run, params: Readonly<Record<string, string>>): Promise<JobOutcome> {
  const { deps, message, syncType, job, startedAt } = run;
  const clock = deps.clock ?? Date.now;
  const store = deps.entities.reader(message.tenantId, deps.provider.id);
  const base = { tenantId: message.tenantId, syncType: syncType.id, params, now: new Date(startedAt), store };
  const plan = deps.module.plan ? await deps.module.plan(base) : { run: true as const, params };
  if (!plan.run) {
    await finish(deps, job, "skipped", clock(), { reason: plan.reason, startedMs: startedAt });
    deps.metrics.count(METRIC.jobSkipped);
    return { kind: "done", jobId: job.jobId, status: "skipped" };
  }

  const permit = await takePermit(
    deps.limiter,
    {
      provider: deps.provider.id,
      limits: limitsFor(deps.provider, syncType),
      tenantId: message.tenantId,
      permits: syncType.cost,
      priority: effectivePriority(message, startedAt, deps.agingMs ?? LOW_PRIORITY_AGING_MS),
    },
    {
      maxWaitMs: deps.maxPermitWaitMs ?? MAX_PERMIT_WAIT_MS,
      clock,
      sleep: deps.sleep,
      onVoided: () => deps.metrics.count(METRIC.permitVoided),
    },
  );
  if (!permit.granted) {
    deps.metrics.count(METRIC.permitsRefused, syncType.cost);
    return defer(run, permit.retryAfterMs, clock());
  }
  deps.metrics.count(METRIC.permitsGranted, syncType.cost);
  // From here on the provider is called: this is an attempt, and the record says so.
  await deps.jobs.transition(job, {
    status: "running",
    updatedAt: new Date(clock()).toISOString(),
    attempts: message.attempts + 1,
  });

  const entities = await deps.module.sync({
    ...base,
    params: plan.params,
    fetch: deps.fetchFor(message, syncType, permit, run.delivery.deadline),
  });
  const { written, unchanged } = await deps.entities.upsert(job, entities, new Date(clock()));
  const counts: JobCounts = { fetched: entities.length, written, unchanged };
  await finish(deps, job, "succeeded", clock(), { counts, startedMs: startedAt });
  deps.metrics.count(METRIC.jobSucceeded);
  return { kind: "done", jobId: job.jobId, status: "succeeded" };
}

function parseMessage(
  provider: ProviderDef,
  body: string,
): { message: JobMessage; syncType: SyncTypeDef } | { problem: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return { problem: "body is not JSON" };
  }
  const result = JobMessageSchema.safeParse(raw);
  if (!result.success) {
    return {
      problem: result.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; "),
    };
  }
  const message = result.data;
  if (message.provider !== provider.id) {
    return { problem: `provider "${message.provider}" sent to the ${provider.id} worker` };
  }
  const syncType = findSyncType(provider, message.syncType);
  if (!syncType) return { problem: `${provider.id} has no sync type "${message.syncType}"` };
  return { message, syncType };
}

/** Scheduler fires at most once a minute; a 30-second cadence becomes two jobs per firing. */
async function fanOutSlots(deps: SyncJobDeps, message: JobMessage, syncType: SyncTypeDef): Promise<void> {
  const { slots, slotIntervalMs } = slotsPerFiring(syncType);
  for (let slot = 1; slot < slots; slot++) {
    await deps.queue.send(
      { ...message, jobId: scheduledJobId({ ...message, slot }), slot },
      { delaySeconds: Math.round((slot * slotIntervalMs) / 1000) },
    );
  }
}
