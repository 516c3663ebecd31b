import { findSyncType, limitsFor, type ProviderDef, type SyncTypeDef } from "#catalog/index.ts";
import type { Entity, EntityReader, ProviderFetch, ProviderModule } from "#providers/types.ts";
import {
  PacerError,
  PermitUnavailableError,
  ProviderRateLimitedError,
  ProviderRejectedError,
  ValidationError,
} from "./errors.ts";
import { type JobCounts, type JobMessage, JobMessageSchema, type JobRecord, scheduledJobId } from "./job.ts";
import type { JobQueue, QueueRef } from "./job-queue.ts";
import { type HeldPermits, takePermit } from "./limiter/take-permit.ts";
import type { Limiter } from "./limiter/types.ts";
import { METRIC } from "./metric-names.ts";
import {
  LOW_PRIORITY_AGING_MS,
  MAX_PERMIT_WAIT_MS,
  MAX_RECEIVE_COUNT,
  MAX_SQS_DELAY_SECONDS,
} from "./resources.ts";
import { withJitter } from "./retry-after.ts";
import { slotsPerFiring } from "./schedule-plan.ts";

export interface JobRecords {
  create(record: JobRecord): Promise<boolean>;
  transition(
    job: Pick<JobRecord, "tenantId" | "jobId" | "provider" | "syncType">,
    patch: Partial<JobRecord> & Pick<JobRecord, "status" | "updatedAt">,
    extra?: { incrementAttempts?: boolean },
  ): Promise<JobRecord | undefined>;
}

export interface EntityWriter {
  upsert(
    scope: { tenantId: string; provider: string; jobId: string },
    entities: readonly Entity[],
    now: Date,
  ): Promise<{ written: number; unchanged: number }>;
  reader(tenantId: string, provider: string): EntityReader;
}

export interface WorkerMetrics {
  count(metric: string, value?: number): void;
}

export interface SyncJobDeps {
  readonly provider: ProviderDef;
  readonly module: ProviderModule;
  readonly jobs: JobRecords;
  readonly entities: EntityWriter;
  readonly limiter: Limiter;
  readonly queue: JobQueue;
  /** The provider's HTTP client for one run, with the permits already taken for it. */
  readonly fetchFor: (job: JobMessage, syncType: SyncTypeDef, prepaid: HeldPermits) => ProviderFetch;
  readonly metrics: WorkerMetrics;
  readonly clock?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly maxReceiveCount?: number;
  /** Longest wait for a permit inside one invocation; longer waits go back to the queue. */
  readonly maxPermitWaitMs?: number;
  /** How long low-priority work waits before it is treated (and queued) as normal. */
  readonly agingMs?: number;
}

/** A delivery's context: which queue it came from and how often SQS has handed it out. */
export interface Delivery {
  readonly body: string;
  readonly from: QueueRef;
  readonly receiveCount: number;
}

export type JobOutcome =
  | { readonly kind: "done"; readonly jobId: string; readonly status: JobRecord["status"] }
  /** A redelivery of a job that already finished: nothing to do. */
  | { readonly kind: "duplicate"; readonly jobId: string }
  | { readonly kind: "deferred"; readonly jobId: string; readonly retryAfterMs: number }
  | {
      readonly kind: "dead-lettered";
      readonly jobId?: string;
      readonly code: string;
      readonly reason: string;
    };

/** A failure a later delivery may get past (provider 5xx, timeouts). The message goes back to SQS. */
export class RetryableJobError extends PacerError {
  readonly code = "RETRYABLE";
}

/**
 * Runs one sync job delivery: validates it, fans a sub-minute schedule out into its slots, takes
 * the run's permits, calls the provider, upserts with delta detection and records the job.
 * Waiting for a permit (or for the provider's Retry-After) re-queues the job for exactly then and
 * acknowledges the delivery, so waiting never counts toward maxReceiveCount. A message that can
 * never succeed goes to the DLQ with its reason; a transient failure is retried, and parked in
 * the DLQ with its reason on the last delivery.
 */
export async function runSyncJob(deps: SyncJobDeps, delivery: Delivery): Promise<JobOutcome> {
  const clock = deps.clock ?? Date.now;
  const parsed = parseMessage(deps.provider, delivery.body);
  if ("problem" in parsed) return deadLetter(deps, delivery, undefined, "INVALID_MESSAGE", parsed.problem);
  const { message, syncType } = parsed;
  const jobId = message.jobId ?? scheduledJobId(message);
  const now = clock();

  if (message.source === "schedule" && message.slot === 0 && message.deferrals === 0) {
    await fanOutSlots(deps, message, syncType);
  }
  if (message.notBefore !== undefined && message.notBefore > now) {
    await requeue(deps, message, jobId, message.notBefore - now, now);
    return { kind: "deferred", jobId, retryAfterMs: message.notBefore - now };
  }

  const iso = new Date(now).toISOString();
  const job = { tenantId: message.tenantId, jobId, provider: deps.provider.id, syncType: syncType.id };
  await deps.jobs.create({
    ...job,
    priority: message.priority,
    source: message.source,
    params: message.params,
    status: "queued",
    attempts: 0,
    deferrals: message.deferrals,
    createdAt: iso,
    updatedAt: iso,
  });
  const running = await deps.jobs.transition(
    job,
    { status: "running", startedAt: iso, updatedAt: iso, deferrals: message.deferrals },
    { incrementAttempts: true },
  );
  if (!running) return { kind: "duplicate", jobId };

  try {
    return await execute(deps, message, syncType, job, now);
  } catch (error) {
    if (error instanceof PermitUnavailableError || error instanceof ProviderRateLimitedError) {
      if (error instanceof ProviderRateLimitedError) deps.metrics.count(METRIC.providerThrottled);
      return defer(deps, message, job, withJitter(error.retryAfterMs), clock());
    }
    const code = error instanceof PacerError ? error.code : "INTERNAL_ERROR";
    const reason = error instanceof Error ? error.message : String(error);
    const finalAttempt = delivery.receiveCount >= (deps.maxReceiveCount ?? MAX_RECEIVE_COUNT);
    if (error instanceof ProviderRejectedError || error instanceof ValidationError || finalAttempt) {
      await finish(deps, job, "failed", clock(), { error: { code, message: reason } });
      deps.metrics.count(METRIC.jobFailed);
      return deadLetter(deps, delivery, jobId, code, reason);
    }
    await deps.jobs.transition(job, {
      status: "queued",
      updatedAt: new Date(clock()).toISOString(),
      error: { code, message: reason },
    });
    throw new RetryableJobError(`${jobId}: ${reason}`, { cause: error });
  }
}

async function execute(
  deps: SyncJobDeps,
  message: JobMessage,
  syncType: SyncTypeDef,
  job: Pick<JobRecord, "tenantId" | "jobId" | "provider" | "syncType">,
  startedAt: number,
): Promise<JobOutcome> {
  const clock = deps.clock ?? Date.now;
  const store = deps.entities.reader(message.tenantId, deps.provider.id);
  const base = {
    tenantId: message.tenantId,
    syncType: syncType.id,
    params: message.params,
    now: new Date(startedAt),
    store,
  };
  const plan = deps.module.plan
    ? await deps.module.plan(base)
    : { run: true as const, params: message.params };
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
    { maxWaitMs: deps.maxPermitWaitMs ?? MAX_PERMIT_WAIT_MS, clock, sleep: deps.sleep },
  );
  if (!permit.granted) {
    deps.metrics.count(METRIC.permitsRefused, syncType.cost);
    return defer(deps, message, job, permit.retryAfterMs, clock());
  }
  deps.metrics.count(METRIC.permitsGranted, syncType.cost);

  const entities = await deps.module.sync({
    ...base,
    params: plan.params,
    fetch: deps.fetchFor(message, syncType, permit),
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
      { ...message, jobId: undefined, slot },
      { delaySeconds: Math.round((slot * slotIntervalMs) / 1000) },
    );
  }
}

async function defer(
  deps: SyncJobDeps,
  message: JobMessage,
  job: Pick<JobRecord, "tenantId" | "jobId" | "provider" | "syncType">,
  waitMs: number,
  now: number,
): Promise<JobOutcome> {
  await requeue(deps, message, job.jobId, waitMs, now);
  await deps.jobs.transition(job, {
    status: "deferred",
    updatedAt: new Date(now).toISOString(),
    deferrals: message.deferrals + 1,
    notBefore: new Date(now + waitMs).toISOString(),
  });
  deps.metrics.count(METRIC.jobDeferred);
  return { kind: "deferred", jobId: job.jobId, retryAfterMs: waitMs };
}

/** Puts the job back for `waitMs`; past SQS's 15-minute delay it hops, carrying `notBefore`. */
async function requeue(deps: SyncJobDeps, message: JobMessage, jobId: string, waitMs: number, now: number) {
  const delaySeconds = Math.min(MAX_SQS_DELAY_SECONDS, Math.ceil(waitMs / 1000));
  await deps.queue.send(
    {
      ...message,
      jobId,
      // Aged low work moves to the normal queue, so a busy normal queue cannot starve it.
      priority: effectivePriority(message, now, deps.agingMs ?? LOW_PRIORITY_AGING_MS),
      enqueuedAt: message.enqueuedAt ?? message.scheduledAt ?? new Date(now).toISOString(),
      deferrals: message.deferrals + 1,
      notBefore: waitMs > MAX_SQS_DELAY_SECONDS * 1000 ? now + waitMs : undefined,
    },
    { delaySeconds },
  );
}

/** Low work that has waited `agingMs` since it was first queued counts as normal: it is never starved. */
export function effectivePriority(message: JobMessage, now: number, agingMs: number): JobMessage["priority"] {
  if (message.priority !== "low") return message.priority;
  const since = Date.parse(message.enqueuedAt ?? message.scheduledAt ?? "");
  return Number.isFinite(since) && now - since >= agingMs ? "normal" : "low";
}

async function finish(
  deps: SyncJobDeps,
  job: Pick<JobRecord, "tenantId" | "jobId" | "provider" | "syncType">,
  status: "succeeded" | "skipped" | "failed",
  now: number,
  details: { counts?: JobCounts; reason?: string; error?: JobRecord["error"]; startedMs?: number },
): Promise<void> {
  const iso = new Date(now).toISOString();
  await deps.jobs.transition(job, {
    status,
    updatedAt: iso,
    finishedAt: iso,
    counts: details.counts,
    reason: details.reason,
    error: details.error,
    durationMs: details.startedMs === undefined ? undefined : now - details.startedMs,
  });
}

async function deadLetter(
  deps: SyncJobDeps,
  delivery: Delivery,
  jobId: string | undefined,
  code: string,
  reason: string,
): Promise<JobOutcome> {
  await deps.queue.deadLetter(delivery.body, delivery.from, { code, message: reason });
  deps.metrics.count(METRIC.deadLettered);
  // Outcomes are stored as idempotency records, which cannot hold undefined values.
  return { kind: "dead-lettered", ...(jobId === undefined ? {} : { jobId }), code, reason };
}
