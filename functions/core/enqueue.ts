import { createHash, randomUUID } from "node:crypto";
import { findProvider, findSyncType } from "#catalog/index.ts";
import type { Priority, SyncTypeDef } from "#catalog/types.ts";
import { canonicalJson } from "./content-hash.ts";
import { ConflictError } from "./errors.ts";
import { firstMessageOf, type JobRecord, queuedJob, TERMINAL_STATUSES } from "./job.ts";
import type { JobQueue } from "./job-queue.ts";
import { WORKER_TIMEOUT_SECONDS } from "./resources.ts";
import { DEFAULT_RETRY_POLICY, maxPermitWaitMs, type RetryPolicy } from "./retry-budget.ts";
import type { JobReads } from "./sync-requests.ts";

/** Why a job was queued outside a schedule. */
export type TriggerSource = "manual" | "initial" | "read" | "recovery";

/** One sync someone wants run now. */
export interface SyncWanted {
  readonly tenantId: string;
  readonly connectionId: string;
  readonly provider: string;
  readonly syncType: string;
  readonly params: Readonly<Record<string, string>>;
  readonly priority: Priority;
  readonly source: TriggerSource;
}

/**
 * A subject is "the same sync": one tenant's connection, one sync type, the same params (compared
 * with their keys sorted). Two jobs of one subject would fetch the same data.
 */
export interface SyncSubject {
  readonly tenantId: string;
  readonly connectionId: string;
  readonly syncType: string;
  readonly params: Readonly<Record<string, string>>;
}

/** What Pacer knows of a subject: the job queued or running for it, and when it last succeeded. */
export interface SubjectStatus {
  readonly activeJobId?: string;
  readonly lastSuccessAt?: string;
}

/** The outcome of claiming a subject for a job. */
export type SubjectClaim = { readonly claimed: true } | { readonly claimed: false; readonly holder: string };

/**
 * The index of active jobs: per subject, at most one job queued or running. A claim expires on
 * its own (a crashed job must not block its subject forever), and is released when its job ends.
 */
export interface ActiveJobs {
  /**
   * Names `jobId` as the subject's active job until `expiresAt` (epoch ms) — or renews its own
   * claim — unless another job holds an unexpired claim; then says which job does.
   */
  claimSubject(subject: SyncSubject, jobId: string, now: number, expiresAt: number): Promise<SubjectClaim>;
  /** Clears the subject's claim if `jobId` still holds it (a newer claim is left alone). */
  releaseSubject(subject: SyncSubject, jobId: string): Promise<void>;
  /** The subject's active job (if its claim has not expired) and its last success. */
  subjectStatus(
    tenantId: string,
    connectionId: string,
    syncType: string,
    params: Readonly<Record<string, string>>,
  ): Promise<SubjectStatus>;
  /**
   * Raises a job that is queued and was never tried (no attempt, no deferral) to `priority`;
   * returns the updated record, or undefined when the job has moved on or is not found (nothing
   * changes then).
   */
  raisePriority(tenantId: string, jobId: string, priority: Priority): Promise<JobRecord | undefined>;
}

export interface EnqueueDeps {
  readonly jobs: ActiveJobs & Pick<JobReads, "create" | "get">;
  readonly queue: JobQueue;
  readonly clock?: () => number;
  /**
   * A recorded job whose message could not be sent. The job is still accepted: its record is due
   * at once, so the lost-job sweep sends the message (core/sweep.ts).
   */
  readonly onSendFailed?: (jobId: string, error: unknown) => void;
  /** Bounds a job's life, hence how long its claim on its subject lasts. @default DEFAULT_RETRY_POLICY */
  readonly retry?: RetryPolicy;
  /** Waits between reads of a claim's holder whose record is not written yet. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

const ID_PREFIX: Readonly<Record<TriggerSource, string>> = {
  manual: "m",
  initial: "i",
  read: "r",
  recovery: "v",
};

const RANK: Readonly<Record<Priority, number>> = { high: 3, normal: 2, low: 1 };

/**
 * Queues a sync outside its schedule: recorded as queued, then sent to the provider's queue of
 * the wanted priority — unless the same sync (same tenant, connection, sync type and params) is
 * already queued or running.
 * merged: an equal sync was already queued or running; its job is returned (priority raised if asked higher).
 */
export async function enqueueSync(
  deps: EnqueueDeps,
  wanted: SyncWanted,
): Promise<{ job: JobRecord; merged: boolean }> {
  const now = (deps.clock ?? Date.now)();
  const record = queuedJob(
    {
      jobId: `${ID_PREFIX[wanted.source]}-${randomUUID()}`,
      tenantId: wanted.tenantId,
      connectionId: wanted.connectionId,
      provider: wanted.provider,
      syncType: wanted.syncType,
      priority: wanted.priority,
      source: wanted.source,
      params: { ...wanted.params },
    },
    now,
  );
  const life = maxJobLifeMs(syncTypeOf(wanted), deps.retry ?? DEFAULT_RETRY_POLICY);
  const claim = await claimOrHolder(deps.jobs, record, record.jobId, now, now + life, deps.sleep);
  if ("holder" in claim) return { job: await raised(deps, claim.holder, wanted.priority), merged: true };

  await deps.jobs.create(record);
  try {
    await deps.queue.send(firstMessageOf(record));
  } catch (error) {
    deps.onSendFailed?.(record.jobId, error);
  }
  return { job: record, merged: false };
}

/**
 * The merged-into job at the wanted priority, when it asked higher and the job has not been tried
 * yet: one more message for the same job goes to the higher queue. Whichever of its two messages
 * comes first runs it; the other is the same delivery to the worker's idempotency (job id,
 * attempts, deferrals) and to the record's expected counters, so it runs nothing.
 */
async function raised(deps: EnqueueDeps, holder: JobRecord, priority: Priority): Promise<JobRecord> {
  if (RANK[priority] <= RANK[holder.priority] || holder.status !== "queued") return holder;
  const updated = await deps.jobs.raisePriority(holder.tenantId, holder.jobId, priority);
  if (updated === undefined) return holder;
  try {
    await deps.queue.send(firstMessageOf(updated));
  } catch (error) {
    // The first message still runs it, at the priority it was sent with.
    deps.onSendFailed?.(updated.jobId, error);
  }
  return updated;
}

/** The subject a job is of. */
export const subjectOf = (job: SyncSubject): SyncSubject => ({
  tenantId: job.tenantId,
  connectionId: job.connectionId,
  syncType: job.syncType,
  params: job.params,
});

/**
 * A subject's key within its tenant: connection, sync type and a hash of its params with sorted
 * keys, so `{a, b}` and `{b, a}` are the same sync and the key stays short whatever the params.
 */
export function subjectKey(subject: Omit<SyncSubject, "tenantId">): string {
  const params = createHash("sha256").update(canonicalJson(subject.params)).digest("base64url").slice(0, 22);
  return `${subject.connectionId}#${subject.syncType}#${params}`;
}

/**
 * How long a job may live, so how long its claim lasts before another job may take the subject
 * over: the longest it may keep retrying or waiting for permits, plus the time a lost message
 * takes to be noticed. Each leg renews the claim, so a long sync that keeps progressing keeps it.
 */
export function maxJobLifeMs(syncType: SyncTypeDef | undefined, policy: RetryPolicy): number {
  const waiting = syncType === undefined ? 0 : maxPermitWaitMs(syncType, policy);
  return Math.max(policy.maxAgeMs, waiting) + WORKER_TIMEOUT_SECONDS * 6 * 1000;
}

function syncTypeOf(job: Pick<SyncSubject, "syncType"> & { readonly provider: string }) {
  const provider = findProvider(job.provider);
  return provider && findSyncType(provider, job.syncType);
}

/** How often, and how long apart, a holder whose record is not written yet is read again. */
const HOLDER_READS_MS = [25, 100, 400];

/**
 * Claims the subject for `jobId`, or finds the open job that holds it. A holder that has ended (its
 * release was lost) or never got recorded has its claim cleared and the claim is tried again.
 * The subject's claim is written just before its job's record, so a holder without a record may
 * be one being recorded now: it is read again a few times before it counts as lost.
 */
export async function claimOrHolder(
  jobs: ActiveJobs & Pick<JobReads, "get">,
  subject: SyncSubject,
  jobId: string,
  now: number,
  expiresAt: number,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<{ readonly claimed: true } | { readonly holder: JobRecord }> {
  for (let round = 0; round < 3; round++) {
    const claim = await jobs.claimSubject(subject, jobId, now, expiresAt);
    if (claim.claimed) return claim;
    let holder = await jobs.get(subject.tenantId, claim.holder);
    for (const ms of HOLDER_READS_MS) {
      if (holder !== undefined) break;
      await sleep(ms);
      holder = await jobs.get(subject.tenantId, claim.holder);
    }
    if (holder !== undefined && !TERMINAL_STATUSES.includes(holder.status)) return { holder };
    await jobs.releaseSubject(subject, claim.holder);
  }
  throw new ConflictError(`${subject.syncType}: its queued job kept changing; try again`);
}
