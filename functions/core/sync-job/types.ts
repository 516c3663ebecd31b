import type { ProviderDef, SyncTypeDef } from "#catalog/index.ts";
import type { Entity, EntityReader, ProviderFetch, ProviderModule } from "#providers/types.ts";
import { PacerError } from "../errors.ts";
import type { JobMessage, JobRecord } from "../job.ts";
import type { JobQueue, QueueRef } from "../job-queue.ts";
import type { HeldPermits } from "../limiter/take-permit.ts";
import type { Limiter } from "../limiter/types.ts";
import type { RetryPolicy } from "../retry-budget.ts";

/** What a sync job run is given and what it ends in (see ../sync-job.ts). */

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

export type JobRef = Pick<JobRecord, "tenantId" | "jobId" | "provider" | "syncType">;

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
export const MAX_ERROR_MESSAGE_CHARS = 500;

export interface Run {
  readonly deps: SyncJobDeps;
  readonly delivery: Delivery;
  readonly message: JobMessage;
  readonly syncType: SyncTypeDef;
  readonly job: JobRef;
  readonly startedAt: number;
}
