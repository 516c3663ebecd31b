import type { ProviderDef, SyncTypeDef } from "#catalog/index.ts";
import type {
  Checkpoint,
  Entity,
  EntityReader,
  EntityRef,
  ProviderFetch,
  ProviderModule,
  ProviderRequest,
  PushLedger,
} from "#providers/types.ts";
import type { ConnectionRecord, Credentials } from "../connections/types.ts";
import type { ActiveJobs } from "../enqueue.ts";
import { PacerError } from "../errors.ts";
import type { JobCounts, JobMessage, JobRecord, RaceCounts } from "../job.ts";
import type { JobQueue, QueueRef } from "../job-queue.ts";
import type { Limiter } from "../limiter/types.ts";
import type { RetryPolicy } from "../retry-budget.ts";
import type { JobReads } from "../sync-requests.ts";
import type { CallPermits } from "./call-permits.ts";

/** What a sync job run is given and what it ends in (see ../sync-job.ts). */

/** Where an open job's message stands (the sweep re-sends `pendingMessage` once `dueAt` is long past). */
export interface QueueState {
  readonly dueAt: string;
  readonly pendingMessage?: string;
  readonly queuedAs?: string;
  /** Move the job only if the delivery doing so is the one the record expects. */
  readonly expect?: string;
}

/** What a job keeps between its legs, besides its counts: where to resume, and the staged watermark. */
export interface ResumeState {
  readonly checkpoint?: Checkpoint;
  /** The last page is stored: nothing is left to fetch. */
  readonly complete?: boolean;
  readonly watermark?: string;
}

export interface JobRecords {
  create(record: JobRecord): Promise<boolean>;
  /**
   * Moves an open job on; undefined when it had already finished. `queue` says where its message
   * stands while it stays open. `resume`, when given, replaces what the job keeps between legs
   * (a checkpoint of undefined removes it).
   */
  transition(
    job: JobRef,
    patch: Partial<JobRecord> & Pick<JobRecord, "status" | "updatedAt">,
    queue?: QueueState,
    resume?: ResumeState,
  ): Promise<JobRecord | undefined>;
  /** Like `transition` to running, returning also what the job kept from its earlier legs. */
  start(
    job: JobRef,
    patch: Partial<JobRecord> & Pick<JobRecord, "status" | "updatedAt">,
    queue: QueueState,
  ): Promise<{ record: JobRecord; resume: ResumeState } | undefined>;
  /** Counts children a parent enqueued (new ones only). */
  addChildren(parent: Pick<JobRef, "tenantId" | "jobId">, count: number): Promise<void>;
  /** Counts one child's end on its parent's record, whether or not the parent is still open. */
  childEnded(
    parent: Pick<JobRef, "tenantId" | "jobId">,
    status: "succeeded" | "failed" | "skipped",
  ): Promise<void>;
}

/**
 * The job's record had already ended when this delivery went to record a page: another delivery
 * of the same job finished it. This one stops before making another call.
 */
export class JobEndedElsewhere extends Error {
  constructor(jobId: string) {
    super(`${jobId} was ended by another delivery; this one stops`);
  }
}

export type JobRef = Pick<JobRecord, "tenantId" | "jobId" | "provider" | "syncType"> & {
  readonly parentJobId?: string;
};

export interface EntityWriter {
  upsert(
    scope: { tenantId: string; provider: string; jobId: string },
    entities: readonly Entity[],
    now: Date,
  ): Promise<{ written: number; unchanged: number }>;
  /** Deletes stored entities the provider says are gone; returns how many were there. */
  remove(
    scope: { tenantId: string; provider: string; jobId: string },
    refs: readonly EntityRef[],
  ): Promise<number>;
  reader(tenantId: string, provider: string): EntityReader;
}

/** Watermarks per connection and sync type, and the push ledger. */
export interface SyncState {
  watermark(tenantId: string, connectionId: string, syncType: string): Promise<string | undefined>;
  commitWatermark(tenantId: string, connectionId: string, syncType: string, watermark: string): Promise<void>;
  /** When a run of this sync type for this connection last succeeded (epoch ms). */
  lastCompleted(tenantId: string, connectionId: string, syncType: string): Promise<number | undefined>;
  markCompleted(tenantId: string, connectionId: string, syncType: string, at: number): Promise<void>;
  pushLedger(tenantId: string, connectionId: string): PushLedger;
  /**
   * Takes the single-flight lease of a push — one per connection and `flight` (its sync type and
   * params) — for `jobId` until `until` (epoch ms): claimed when free, expired, or already its
   * own. Otherwise the holder is told to run once more when it ends, and its job id comes back.
   */
  claimPush(
    tenantId: string,
    connectionId: string,
    flight: string,
    jobId: string,
    now: number,
    until: number,
  ): Promise<{ readonly claimed: true } | { readonly claimed: false; readonly holder: string }>;
  /** Whether a push was turned away while `jobId` held the lease (it must run once more). */
  pushTurnedAway(tenantId: string, connectionId: string, flight: string, jobId: string): Promise<boolean>;
  /** Gives `jobId`'s lease up (nothing when another holds it now). */
  releasePush(tenantId: string, connectionId: string, flight: string, jobId: string): Promise<void>;
}

/** The connection a job runs for, and its credentials (from its secret). */
export interface RunConnections {
  get(tenantId: string, connectionId: string): Promise<ConnectionRecord | undefined>;
  credentials(connection: ConnectionRecord): Promise<Credentials | undefined>;
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
  readonly connections: RunConnections;
  readonly state: SyncState;
  readonly limiter: Limiter;
  readonly queue: JobQueue;
  /**
   * The provider's HTTP client for one leg of a run: each call takes its permit through `permits`
   * as it is sent, and no call outlives `deadline`. `leg.reuse`, when set, says which recent
   * answers may stand in for a call (none for a push).
   */
  readonly fetchFor: (
    job: JobMessage,
    permits: CallPermits,
    deadline: number | undefined,
    leg?: FetchLeg,
  ) => ProviderFetch;
  /**
   * The index of active jobs (core/enqueue.ts): each leg of a pull job claims its subject; a
   * scheduled firing whose sync is already queued or running ends skipped. @default no index
   */
  readonly activeJobs?: ActiveJobs & Pick<JobReads, "get">;
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
  /**
   * A leg goes on to its next page only with this much of its invocation left (a call's timeout
   * and a page's writes); otherwise the job continues in a new leg from its checkpoint.
   * @default 20000
   */
  readonly legReserveMs?: number;
  /**
   * What follows a run that stored every page, before the job is marked succeeded (so a failure
   * here is retried with the ending, never lost): a race's unification after its registrations
   * changed, say. Given the job's counts over all its legs; what it reports goes on the record in
   * the same write that marks the job succeeded (a retried ending writes it afresh, never twice).
   */
  readonly afterSync?: (done: SyncDone) => Promise<SyncFollowUp | undefined> | Promise<void>;
  /**
   * Whether a scheduled run has anything to do yet, asked before its first call: a reason to skip
   * it, or undefined to go on. A schedule fires on a fixed rate; this lets the rate be the
   * tightest a sync type ever needs (race day) while most firings cost no call.
   */
  readonly gate?: (ask: GateQuestion) => Promise<string | undefined>;
}

/** Which recent answers of the provider's to this tenant's credential may stand in for a call. */
export interface LegReuse {
  readonly tenantId: string;
  /** The connection's credential budget key: answers are never shared across credentials. */
  readonly budgetKey: string;
  /** The oldest answer (ms) that may stand in for `request`; 0: call. */
  readonly maxAgeMs: (request: ProviderRequest) => number;
  /** How long an answer kept now may be of use to a later run (its TTL). */
  readonly keepMs: number;
  /**
   * Takes a new answer's write to the cache, to be done once the page it fed is stored: an answer
   * the module could not read (a truncated body) must not be handed to the next run.
   * @default written at once
   */
  readonly keepLater?: (write: () => Promise<void>) => void;
  /** Once per request answered from the cache, with when (epoch ms) that answer was fetched. */
  readonly onReuse?: (fetchedAt: number) => void;
  /** The cache failed; the call went (or goes) to the provider as if nothing were cached. */
  readonly onCacheError?: (error: unknown) => void;
}

/** What a leg's HTTP client is told besides its permits (see fetchFor). */
export interface FetchLeg {
  readonly reuse?: LegReuse;
}

/** What a gate is told about a scheduled run. */
export interface GateQuestion {
  readonly tenantId: string;
  readonly connectionId: string;
  readonly syncType: string;
  /** When a run of it last succeeded for this connection (epoch ms). */
  readonly lastCompletedAt: number | undefined;
  readonly now: number;
}

/** A run whose pages are all stored, as `afterSync` sees it. */
export interface SyncDone {
  readonly tenantId: string;
  readonly connectionId: string;
  readonly jobId: string;
  readonly syncType: string;
  /** The params the job ran with (which event a per-event sync pulled). */
  readonly params: Readonly<Record<string, string>>;
  readonly counts: JobCounts;
}

/** What an `afterSync` did that the job's record reports. */
export interface SyncFollowUp {
  /** The unification of the events a registration sync feeds. */
  readonly race?: RaceCounts;
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
  /** Set once this leg has stored a page: the job's bounds on waiting and retrying start again. */
  progressedAt?: number;
  /** Set once this leg has been granted a call's permit: it is an attempt. */
  called?: boolean;
}
