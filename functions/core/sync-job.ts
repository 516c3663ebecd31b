import { findSyncType, limitsFor, type ProviderDef, type SyncTypeDef } from "#catalog/index.ts";
import type { Entity, EntityReader, ProviderFetch, ProviderModule } from "#providers/types.ts";
import { PacerError, PermitUnavailableError, ProviderRateLimitedError, ValidationError } from "./errors.ts";
import {
  type JobCounts,
  type JobMessage,
  JobMessageSchema,
  type JobRecord,
  queueCounters,
  scheduledJobId,
} from "./job.ts";
import type { JobQueue, QueueRef } from "./job-queue.ts";
import { type HeldPermits, takePermit } from "./limiter/take-permit.ts";
import type { Limiter } from "./limiter/types.ts";
import { METRIC } from "./metric-names.ts";
import {
  LOW_PRIORITY_AGING_MS,
  MAX_PERMIT_WAIT_MS,
  MAX_RECEIVE_COUNT,
  MAX_SQS_DELAY_SECONDS,
  WORKER_TIMEOUT_SECONDS,
} from "./resources.ts";
import { DEFAULT_RETRY_POLICY, decideRetry, maxPermitWaitMs, type RetryPolicy } from "./retry-budget.ts";
import { slotsPerFiring } from "./schedule-plan.ts";
import { validateSyncParams } from "./sync-params.ts";

export interface JobRecords {
  create(record: JobRecord): Promise<boolean>;
  /**
   * Moves an open job on; undefined when it had already finished. `queue` says where its message
   * stands while it stays open (the sweep re-sends `pendingMessage` once `dueAt` is long past).
   */
  transition(
    job: JobRef,
    patch: Partial<JobRecord> & Pick<JobRecord, "status" | "updatedAt">,
    queue?: { dueAt: string; pendingMessage?: string; queuedAs?: string; expect?: string },
  ): Promise<JobRecord | undefined>;
}

type JobRef = Pick<JobRecord, "tenantId" | "jobId" | "provider" | "syncType">;

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

/** Where a run's failures are logged in full; what tenants see is only Pacer's code and message. */
export interface WorkerLog {
  error(message: string, details: Record<string, unknown>): void;
}

export interface SyncJobDeps {
  readonly provider: ProviderDef;
  readonly module: ProviderModule;
  readonly jobs: JobRecords;
  readonly entities: EntityWriter;
  readonly limiter: Limiter;
  readonly queue: JobQueue;
  /** The provider's HTTP client for one run, with the permits already taken for it. */
  readonly fetchFor: (
    job: JobMessage,
    syncType: SyncTypeDef,
    prepaid: HeldPermits,
    deadline: number | undefined,
  ) => ProviderFetch;
  readonly metrics: WorkerMetrics;
  readonly log?: WorkerLog;
  /** Attempts, backoff and age limits (core/retry-budget.ts). @default DEFAULT_RETRY_POLICY */
  readonly retry?: RetryPolicy;
  readonly clock?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** Deliveries of one message after which an infrastructure failure dead-letters it. */
  readonly maxReceiveCount?: number;
  /** Longest wait for a permit inside one invocation; longer waits go back to the queue. */
  readonly maxPermitWaitMs?: number;
  /** How long low-priority work waits before it is treated (and queued) as normal. */
  readonly agingMs?: number;
  /** How long after its message was due an open job counts as lost (the sweep's grace). */
  readonly runningGraceMs?: number;
}

/** A delivery's context: which queue it came from and how often SQS has handed it out. */
export interface Delivery {
  readonly body: string;
  readonly from: QueueRef;
  readonly receiveCount: number;
  /** When the invocation handling it ends (epoch ms); provider calls never outlive it. */
  readonly deadline?: number;
}

export type JobOutcome =
  | { readonly kind: "done"; readonly jobId: string; readonly status: JobRecord["status"] }
  /** A redelivery of a job that already finished: nothing to do. */
  | { readonly kind: "duplicate"; readonly jobId: string }
  | { readonly kind: "deferred"; readonly jobId: string; readonly retryAfterMs: number }
  /** A failed attempt, queued again within the job's retry budget. */
  | {
      readonly kind: "retrying";
      readonly jobId: string;
      readonly attempts: number;
      readonly retryAfterMs: number;
    }
  | {
      readonly kind: "dead-lettered";
      readonly jobId?: string;
      readonly code: string;
      readonly reason: string;
    };

/**
 * An infrastructure failure (Pacer's own tables or queues) the job could not even be re-queued
 * after: the delivery goes back to SQS, whose redrive policy bounds it.
 */
export class RetryableJobError extends PacerError {
  readonly code = "RETRYABLE";
  readonly disposition = "retry" as const;
}

/** Messages tenants see are bounded: a job record must stay far below a WebSocket message. */
const MAX_ERROR_MESSAGE_CHARS = 500;

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

/**
 * One more leg of a wait longer than SQS's delay. Each leg is a new message (one more deferral), so
 * it is a new delivery to the idempotency check, and the record follows it for the sweep.
 */
async function hop(run: Run, waitMs: number): Promise<JobOutcome> {
  const { deps, message, job } = run;
  const next: JobMessage = { ...message, deferrals: message.deferrals + 1, notBefore: undefined };
  try {
    const open = await deps.jobs.transition(
      job,
      { status: "deferred", updatedAt: new Date(run.startedAt).toISOString(), deferrals: next.deferrals },
      { ...queueState(next, waitMs, run.startedAt), expect: queueCounters(message) },
    );
    if (!open) return { kind: "duplicate", jobId: job.jobId };
    await send(deps, next, waitMs, run.startedAt);
  } catch (error) {
    return infrastructureFailure(run, error);
  }
  return { kind: "deferred", jobId: job.jobId, retryAfterMs: waitMs };
}

interface Run {
  readonly deps: SyncJobDeps;
  readonly delivery: Delivery;
  readonly message: JobMessage;
  readonly syncType: SyncTypeDef;
  readonly job: JobRef;
  readonly startedAt: number;
}

/** Sorts a run's failure into wait, retry or give up. */
async function afterFailure(run: Run, error: unknown): Promise<JobOutcome> {
  const { deps, message } = run;
  const clock = deps.clock ?? Date.now;
  const policy = deps.retry ?? DEFAULT_RETRY_POLICY;
  if (error instanceof PacerError && error.disposition === "wait") {
    return defer(run, error instanceof PermitUnavailableError ? error.retryAfterMs : 0, clock());
  }
  if (error instanceof PacerError && error.disposition === "fail")
    return fail(run, publicError(deps, run, error));
  if (error instanceof ProviderRateLimitedError) deps.metrics.count(METRIC.providerThrottled);
  const attempts = message.attempts + 1;
  const now = clock();
  const decision = decideRetry(
    policy,
    {
      attempts,
      ageMs: now - firstQueuedAt(message, run.startedAt),
      ...(error instanceof ProviderRateLimitedError ? { retryAfterMs: error.retryAfterMs } : {}),
    },
    deps.random,
  );
  const last = publicError(deps, run, error);
  if (!decision.retry) {
    const throttled = error instanceof ProviderRateLimitedError;
    deps.metrics.count(throttled ? METRIC.throttledOut : METRIC.retriesExhausted);
    return fail(run, {
      code: throttled ? "PROVIDER_THROTTLED_OUT" : "RETRIES_EXHAUSTED",
      message: bounded(`gave up: ${decision.why}; last error ${last.code}: ${last.message}`),
    });
  }
  try {
    const next: JobMessage = { ...message, attempts, notBefore: undefined };
    const open = await deps.jobs.transition(
      run.job,
      {
        status: "queued",
        updatedAt: new Date(now).toISOString(),
        attempts,
        notBefore: new Date(now + decision.delayMs).toISOString(),
        error: last,
      },
      queueState(next, decision.delayMs, now),
    );
    // Already ended (the run's own finish was written before a later step failed): nothing to retry.
    if (!open) return { kind: "duplicate", jobId: run.job.jobId };
    await send(deps, next, decision.delayMs, now);
  } catch (infra) {
    return infrastructureFailure(run, infra);
  }
  return { kind: "retrying", jobId: run.job.jobId, attempts, retryAfterMs: decision.delayMs };
}

/**
 * What the tenant sees of a failure: Pacer's code and message. Anything that is not one of Pacer's
 * typed errors (an SDK error, a bug) is logged in full and shown only as an internal error: raw SDK
 * text can carry table names, ARNs or request details.
 */
function publicError(deps: SyncJobDeps, run: Run, error: unknown): { code: string; message: string } {
  if (error instanceof PacerError) return { code: error.code, message: bounded(error.message) };
  deps.log?.error("sync job failed with an unexpected error", {
    jobId: run.job.jobId,
    provider: run.job.provider,
    syncType: run.job.syncType,
    error,
  });
  // An AWS service's own error (it carries $metadata): Pacer's storage or queue, not a bug.
  if (typeof error === "object" && error !== null && "$metadata" in error) {
    return {
      code: "STORAGE_UNAVAILABLE",
      message: "Pacer's storage or queue failed during the run (throttled or unavailable)",
    };
  }
  return { code: "INTERNAL_ERROR", message: "Pacer could not complete this run (internal error)" };
}

function bounded(text: string): string {
  return text.length <= MAX_ERROR_MESSAGE_CHARS ? text : `${text.slice(0, MAX_ERROR_MESSAGE_CHARS - 1)}…`;
}

/**
 * Pacer's own tables or queues failed. Hand the delivery back to SQS (its receive count and
 * redrive policy bound it); on the last delivery, dead-letter it with the reason instead.
 */
async function infrastructureFailure(run: Run, error: unknown): Promise<JobOutcome> {
  const { deps, delivery, job } = run;
  const finalDelivery = delivery.receiveCount >= (deps.maxReceiveCount ?? MAX_RECEIVE_COUNT);
  if (!finalDelivery) {
    throw new RetryableJobError(`${job.jobId}: Pacer's storage or queue failed; SQS will deliver it again`, {
      cause: error,
    });
  }
  const reason = publicError(deps, run, error);
  // Best effort: the record may be just as unreachable as whatever failed.
  await finish(deps, job, "failed", (deps.clock ?? Date.now)(), { error: reason }).catch(() => undefined);
  deps.metrics.count(METRIC.jobFailed);
  return deadLetter(deps, delivery, job.jobId, "INFRASTRUCTURE_UNAVAILABLE", reason.message);
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

/**
 * Puts the job back to wait for a permit — not a failure, but not forever either: past the sync
 * type's maximum wait (from when it was first queued) the job fails with that reason.
 */
async function defer(run: Run, waitMs: number, now: number): Promise<JobOutcome> {
  const { deps, message, syncType, job } = run;
  const policy = deps.retry ?? DEFAULT_RETRY_POLICY;
  const limit = maxPermitWaitMs(syncType, policy);
  const waited = now - firstQueuedAt(message, run.startedAt);
  if (waited + waitMs > limit) {
    deps.metrics.count(METRIC.waitExhausted);
    return fail(run, {
      code: "PERMIT_WAIT_EXHAUSTED",
      message:
        `waited ${Math.round(waited / 1000)} s for a permit and the next is ${Math.round(waitMs / 1000)} s away: ` +
        `past the ${Math.round(limit / 1000)} s a ${deps.provider.id}/${syncType.id} job may wait`,
    });
  }
  const next: JobMessage = {
    ...message,
    deferrals: message.deferrals + 1,
    // Aged low work moves to the normal queue, so a busy normal queue cannot starve it.
    priority: effectivePriority(message, now, deps.agingMs ?? LOW_PRIORITY_AGING_MS),
    enqueuedAt: message.enqueuedAt ?? message.scheduledAt ?? new Date(run.startedAt).toISOString(),
    notBefore: undefined,
  };
  try {
    const open = await deps.jobs.transition(
      job,
      {
        status: "deferred",
        updatedAt: new Date(now).toISOString(),
        deferrals: next.deferrals,
        notBefore: new Date(now + waitMs).toISOString(),
      },
      queueState(next, waitMs, now),
    );
    if (!open) return { kind: "duplicate", jobId: job.jobId };
    await send(deps, next, waitMs, now);
  } catch (error) {
    return infrastructureFailure(run, error);
  }
  deps.metrics.count(METRIC.jobDeferred);
  return { kind: "deferred", jobId: job.jobId, retryAfterMs: waitMs };
}

/** Fails the job for good: the record says why, and the message goes to its DLQ with the reason. */
async function fail(run: Run, reason: { code: string; message: string }): Promise<JobOutcome> {
  const { deps, delivery, job } = run;
  try {
    await finish(deps, job, "failed", (deps.clock ?? Date.now)(), {
      error: reason,
      startedMs: run.startedAt,
    });
  } catch (error) {
    return infrastructureFailure(run, error);
  }
  deps.metrics.count(METRIC.jobFailed);
  return deadLetter(deps, delivery, job.jobId, reason.code, reason.message);
}

/** The message as it will be sent for `waitMs` from now; past SQS's 15-minute delay it hops, carrying `notBefore`. */
function delayed(
  message: JobMessage,
  waitMs: number,
  now: number,
): { body: JobMessage; delaySeconds: number } {
  const delaySeconds = Math.min(MAX_SQS_DELAY_SECONDS, Math.ceil(waitMs / 1000));
  return {
    body: { ...message, notBefore: waitMs > MAX_SQS_DELAY_SECONDS * 1000 ? now + waitMs : undefined },
    delaySeconds,
  };
}

async function send(deps: SyncJobDeps, message: JobMessage, waitMs: number, now: number): Promise<void> {
  const { body, delaySeconds } = delayed(message, waitMs, now);
  await deps.queue.send(body, { delaySeconds });
}

/** The record's side of a message about to be sent: due when SQS will show it, and its exact body. */
function queueState(message: JobMessage, waitMs: number, now: number) {
  const { body, delaySeconds } = delayed(message, waitMs, now);
  return {
    dueAt: new Date(now + delaySeconds * 1000).toISOString(),
    pendingMessage: JSON.stringify(body),
    queuedAs: queueCounters(message),
  };
}

/**
 * A running job is due once its invocation must have ended and SQS would have shown its message
 * again: past that, nothing will finish it but the sweep.
 */
function runningDueAt(deps: SyncJobDeps, now: number): string {
  return new Date(now + (deps.runningGraceMs ?? WORKER_TIMEOUT_SECONDS * 6 * 1000)).toISOString();
}

/** When the job was first queued: the start of its age (retry budget) and of its wait for permits. */
function firstQueuedAt(message: JobMessage, fallback: number): number {
  const at = Date.parse(message.enqueuedAt ?? message.scheduledAt ?? "");
  return Number.isFinite(at) ? at : fallback;
}

/** Low work that has waited `agingMs` since it was first queued counts as normal: it is never starved. */
export function effectivePriority(message: JobMessage, now: number, agingMs: number): JobMessage["priority"] {
  if (message.priority !== "low") return message.priority;
  return now - firstQueuedAt(message, now) >= agingMs ? "normal" : "low";
}

async function finish(
  deps: SyncJobDeps,
  job: JobRef,
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
