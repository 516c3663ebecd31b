import { PacerError, PermitUnavailableError, ProviderRateLimitedError } from "../errors.ts";
import { type JobCounts, type JobMessage, type JobRecord, queueCounters } from "../job.ts";
import { METRIC } from "../metric-names.ts";
import { LOW_PRIORITY_AGING_MS, MAX_RECEIVE_COUNT } from "../resources.ts";
import { DEFAULT_RETRY_POLICY, decideRetry, maxPermitWaitMs } from "../retry-budget.ts";
import { effectivePriority, progressAtFor, progressStart, queueState, send } from "./timing.ts";
import {
  type Delivery,
  type JobOutcome,
  type JobRef,
  MAX_ERROR_MESSAGE_CHARS,
  RetryableJobError,
  type Run,
  type SyncJobDeps,
} from "./types.ts";

/** How a run ends when it does not succeed: it waits, retries, fails or is dead-lettered. */

/**
 * One more leg of a wait longer than SQS's delay. Each leg is a new message (one more deferral), so
 * it is a new delivery to the idempotency check, and the record follows it for the sweep.
 */
export async function hop(run: Run, waitMs: number): Promise<JobOutcome> {
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

/** Sorts a run's failure into wait, retry or give up. */
export async function afterFailure(run: Run, error: unknown): Promise<JobOutcome> {
  const { deps, message } = run;
  const clock = deps.clock ?? Date.now;
  const policy = deps.retry ?? DEFAULT_RETRY_POLICY;
  if (error instanceof PacerError && error.disposition === "wait") {
    return defer(run, error instanceof PermitUnavailableError ? error.retryAfterMs : 0, clock());
  }
  if (error instanceof PacerError && error.disposition === "fail")
    return fail(run, publicError(deps, run, error), run.called ? message.attempts + 1 : undefined);
  if (error instanceof ProviderRateLimitedError) deps.metrics.count(METRIC.providerThrottled);
  const attempts = message.attempts + 1;
  const now = clock();
  const decision = decideRetry(
    policy,
    {
      attempts,
      ageMs: now - progressStart(message, run.progressedAt, run.startedAt),
      ...(error instanceof ProviderRateLimitedError ? { retryAfterMs: error.retryAfterMs } : {}),
    },
    deps.random,
  );
  const last = publicError(deps, run, error);
  if (!decision.retry) {
    const throttled = error instanceof ProviderRateLimitedError;
    deps.metrics.count(throttled ? METRIC.throttledOut : METRIC.retriesExhausted);
    return fail(
      run,
      {
        code: throttled ? "PROVIDER_THROTTLED_OUT" : "RETRIES_EXHAUSTED",
        message: bounded(`gave up: ${decision.why}; last error ${last.code}: ${last.message}`),
      },
      attempts,
    );
  }
  try {
    const next: JobMessage = {
      ...message,
      attempts,
      notBefore: undefined,
      progressAt: progressAtFor(message, run.progressedAt),
    };
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
export function publicError(deps: SyncJobDeps, run: Run, error: unknown): { code: string; message: string } {
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

export function bounded(text: string): string {
  return text.length <= MAX_ERROR_MESSAGE_CHARS ? text : `${text.slice(0, MAX_ERROR_MESSAGE_CHARS - 1)}…`;
}

/**
 * Pacer's own tables or queues failed. Hand the delivery back to SQS (its receive count and
 * redrive policy bound it); on the last delivery, dead-letter it with the reason instead.
 */
export async function infrastructureFailure(run: Run, error: unknown): Promise<JobOutcome> {
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

/**
 * Puts the job back to wait for a permit — not a failure, but not forever either: past the sync
 * type's maximum wait (from when it was first queued) the job fails with that reason.
 */
export async function defer(run: Run, waitMs: number, now: number): Promise<JobOutcome> {
  const { deps, message, syncType, job } = run;
  const policy = deps.retry ?? DEFAULT_RETRY_POLICY;
  const limit = maxPermitWaitMs(syncType, policy);
  const waited = now - progressStart(message, run.progressedAt, run.startedAt);
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
    progressAt: progressAtFor(message, run.progressedAt),
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

/**
 * Fails the job for good: the record says why (and how many provider attempts it made), and the
 * message goes to its DLQ with the reason.
 */
export async function fail(
  run: Run,
  reason: { code: string; message: string },
  attempts?: number,
): Promise<JobOutcome> {
  const { deps, delivery, job } = run;
  try {
    await finish(deps, job, "failed", (deps.clock ?? Date.now)(), {
      error: reason,
      startedMs: run.startedAt,
      attempts,
    });
  } catch (error) {
    return infrastructureFailure(run, error);
  }
  deps.metrics.count(METRIC.jobFailed);
  return deadLetter(deps, delivery, job.jobId, reason.code, reason.message);
}

export async function finish(
  deps: SyncJobDeps,
  job: JobRef,
  status: "succeeded" | "skipped" | "failed",
  now: number,
  details: {
    counts?: JobCounts;
    race?: JobRecord["race"];
    reason?: string;
    error?: JobRecord["error"];
    startedMs?: number;
    attempts?: number;
    /** When the stored data was fetched, if it reused earlier answers (epoch ms). */
    dataAsOf?: number;
  },
): Promise<void> {
  const iso = new Date(now).toISOString();
  const ended = await deps.jobs.transition(job, {
    status,
    updatedAt: iso,
    finishedAt: iso,
    counts: details.counts,
    race: details.race,
    reason: details.reason,
    error: details.error,
    durationMs: details.startedMs === undefined ? undefined : now - details.startedMs,
    attempts: details.attempts,
    dataAsOf: details.dataAsOf === undefined ? undefined : new Date(details.dataAsOf).toISOString(),
  });
  // Only the transition that ended the job tells its parent, so a child is counted once.
  if (ended && job.parentJobId !== undefined) {
    await deps.jobs.childEnded({ tenantId: job.tenantId, jobId: job.parentJobId }, status);
  }
}

export async function deadLetter(
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
