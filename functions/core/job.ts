import { z } from "zod";
import { TENANT_ID_PATTERN, TENANT_ID_RULE } from "./auth/verifier.ts";

export const MAX_JOB_ID_LENGTH = 200;
/**
 * Every id Pacer mints is in this alphabet: `m-<uuid>` for manual runs, and scheduled ids built
 * from provider, sync type, tenant id (all `[A-Za-z0-9_.-]`), digits, `T` and `Z`.
 */
export const JOB_ID_PATTERN = /^[A-Za-z0-9_.-]+$/;

/** Connection ids Pacer mints: `c-` and 20 lowercase hex digits. */
export const CONNECTION_ID_PATTERN = /^c-[0-9a-f]{20}$/;

/**
 * A sync job as it travels on SQS. Scheduled events carry no jobId: the worker derives one from
 * the slot (connection, sync type, scheduled time, slot), so a duplicate delivery of the same
 * slot is the same job.
 */
export const JobMessageSchema = z
  .object({
    jobId: z
      .string()
      .min(1)
      .max(MAX_JOB_ID_LENGTH)
      .regex(JOB_ID_PATTERN, "jobId: A-Z a-z 0-9 _ . -")
      .optional(),
    tenantId: z.string().regex(TENANT_ID_PATTERN, `tenantId: ${TENANT_ID_RULE}`),
    /** The tenant's connection whose credentials, tier and budget the run uses. */
    connectionId: z.string().regex(CONNECTION_ID_PATTERN, "connectionId: c- and 20 lowercase hex digits"),
    provider: z.string().min(1).max(64),
    syncType: z.string().min(1).max(64),
    params: z.record(z.string(), z.string()).default({}),
    priority: z.enum(["high", "normal", "low"]),
    /**
     * `fanout`: enqueued by another job's run (its `parentJobId`); `initial`: a connection's first
     * run; `read`: a read of data older than its freshness target; `recovery`: after an error cleared.
     */
    source: z.enum(["manual", "schedule", "fanout", "initial", "read", "recovery"]),
    /** Scheduler's `<aws.scheduler.scheduled-time>` for scheduled jobs (ISO 8601). */
    scheduledAt: z.string().optional(),
    /** For sub-minute cadences: which slot of the minute this message is (0 = the schedule's own). */
    slot: z.number().int().min(0).default(0),
    /** How many times the job was put back to wait for a permit. Waiting is not failing. */
    deferrals: z.number().int().min(0).default(0),
    /** Provider attempts that failed so far (the retry budget, see core/retry-budget.ts). */
    attempts: z.number().int().min(0).default(0),
    /** Earliest time (epoch ms) the job may run; set when a wait exceeds SQS's 15-minute delay. */
    notBefore: z.number().int().optional(),
    enqueuedAt: z.string().optional(),
    /**
     * When (ISO) the job last stored a page, or was first queued: where its bounds on waiting for
     * permits and on retrying start. Each leg that stores a page moves it on, so a long sync that
     * keeps progressing is never failed for having run long. @default enqueuedAt
     */
    progressAt: z.string().optional(),
    /** The job that enqueued this one (a fan-out child). */
    parentJobId: z
      .string()
      .min(1)
      .max(MAX_JOB_ID_LENGTH)
      .regex(JOB_ID_PATTERN, "parentJobId: A-Z a-z 0-9 _ . -")
      .optional(),
  })
  .strict();

export type JobMessage = z.infer<typeof JobMessageSchema>;
export type JobMessageInput = z.input<typeof JobMessageSchema>;

export type JobStatus = "queued" | "deferred" | "running" | "succeeded" | "skipped" | "failed";
export const TERMINAL_STATUSES: readonly JobStatus[] = ["succeeded", "skipped", "failed"];

/** What a run has done so far, page by page; on a finished job, in total. */
export interface JobCounts {
  /** Pages stored. */
  readonly pages: number;
  /** Entities the provider returned. */
  readonly fetched: number;
  readonly written: number;
  readonly unchanged: number;
  /** Stored entities removed because the provider said they are gone. */
  readonly removed: number;
  /**
   * Records a push sent and the provider accepted (each one its module remembered as pushed); 0
   * for a pull. Stored with each page's progress, and when a leg stops, so a push resumed over
   * several legs reports all of its records; a job recorded before this count reads 0.
   */
  readonly pushed: number;
}

export const NO_COUNTS: JobCounts = { pages: 0, fetched: 0, written: 0, unchanged: 0, removed: 0, pushed: 0 };

/** A job's counts as stored, read so that a record written before a count existed reads it as 0. */
export function countsOf(stored: Partial<JobCounts> | undefined): JobCounts {
  return { ...NO_COUNTS, ...stored };
}

/**
 * What the unification after a registration sync did, summed over every Pacer event the sync's
 * connection feeds: each event's participant list is built afresh from all its feeds, so these
 * count the whole list, not only what this sync changed.
 */
export interface RaceCounts {
  /** Pacer events unified. */
  readonly events: number;
  /** Registrations read across the events' feeds. */
  readonly pulled: number;
  /**
   * Registrations that joined another registration's participant: a participant made of n
   * registrations counts n − 1 (so `pulled − matched` is the number of participants).
   */
  readonly matched: number;
  /** Participants made of two or more registrations (the same person on several platforms). */
  readonly merged: number;
  /** Participants and scoring records already stored as they are now: no write, no push. */
  readonly unchanged: number;
  /** Fields on which a participant's registrations (or a registration and Pacer) disagreed. */
  readonly conflicts: number;
}

/** A fan-out parent's view of its children. */
export interface ChildCounts {
  /** Children enqueued (a duplicate of one already enqueued is not counted again). */
  readonly total: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly skipped: number;
}

/** What `GET /jobs/{jobId}` returns and the WebSocket `job` message carries. */
export interface JobRecord {
  readonly jobId: string;
  readonly tenantId: string;
  readonly connectionId: string;
  readonly provider: string;
  readonly syncType: string;
  readonly priority: JobMessage["priority"];
  readonly source: JobMessage["source"];
  readonly params: Record<string, string>;
  readonly status: JobStatus;
  /** Provider attempts made: runs that took their permits and called the provider. */
  readonly attempts: number;
  /** Times the job was put back to wait for a permit (or the provider's pause); not failures. */
  readonly deferrals: number;
  /** Progress: updated after every stored page, and the totals once the job has ended. */
  readonly counts?: JobCounts;
  /** The job that enqueued this one. */
  readonly parentJobId?: string;
  /** The children this job enqueued, and how they ended so far. */
  readonly children?: ChildCounts;
  /** A registration sync that changed registrants: its events' unification, once it succeeded. */
  readonly race?: RaceCounts;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly durationMs?: number;
  /** When a deferred job will next be tried: the moment its next call's permit frees. */
  readonly notBefore?: string;
  /**
   * When the data a succeeded run stored was fetched, where that is before it ran: it reused
   * recent answers of the provider's instead of calling (the oldest of them).
   */
  readonly dataAsOf?: string;
  /** Why a job was skipped (e.g. no live session). */
  readonly reason?: string;
  readonly error?: { readonly code: string; readonly message: string };
  /** Times the sweep found the job's message lost and sent it again. */
  readonly sweeps?: number;
}

/**
 * Where a job stood when its message was sent (`<attempts>/<deferrals>`): each re-queue changes it.
 * The record keeps it for the one delivery that may run the job next (see the worker's idempotency key).
 */
export function queueCounters(m: Pick<JobMessage, "attempts" | "deferrals">): string {
  return `${m.attempts}/${m.deferrals}`;
}

/** What a new job says of itself; everything else is how every job starts. */
export type NewJob = Pick<
  JobRecord,
  "jobId" | "tenantId" | "connectionId" | "provider" | "syncType" | "priority" | "source" | "params"
> &
  Partial<Pick<JobRecord, "notBefore" | "parentJobId">>;

/** A job as it is first recorded: queued at `now`, no attempt or deferral yet. */
export function queuedJob(job: NewJob, now: number): JobRecord {
  const iso = new Date(now).toISOString();
  return { ...job, status: "queued", attempts: 0, deferrals: 0, createdAt: iso, updatedAt: iso };
}

/**
 * The first message of a job Pacer recorded before queueing it (a manual trigger, a fan-out
 * child): what POST /sync and a parent send, and what the sweep sends when that send was lost.
 */
export function firstMessageOf(record: JobRecord): JobMessageInput {
  return {
    jobId: record.jobId,
    tenantId: record.tenantId,
    connectionId: record.connectionId,
    provider: record.provider,
    syncType: record.syncType,
    params: record.params,
    priority: record.priority,
    source: record.source,
    ...(record.parentJobId === undefined ? {} : { parentJobId: record.parentJobId }),
    enqueuedAt: record.createdAt,
  };
}

/** The id of a scheduled slot's job: stable across duplicate deliveries of the same slot. */
export function scheduledJobId(
  m: Pick<JobMessage, "connectionId" | "syncType" | "scheduledAt" | "slot">,
): string {
  const at = (m.scheduledAt ?? "unscheduled").replace(/[^0-9TZ]/g, "");
  return `s-${m.connectionId}-${m.syncType}-${at}-${m.slot}`;
}

/**
 * Attributes a job item carries for Pacer's own bookkeeping (keys, TTL, the sweep's index and the
 * message to send again): never shown to a caller or a WebSocket subscriber.
 */
const INTERNAL_JOB_ATTRIBUTES = [
  "pk",
  "sk",
  "expiresAt",
  "openShard",
  "dueAt",
  "pendingMessage",
  "queuedAs",
  "checkpoint",
  "complete",
  "watermark",
  "childTotal",
  "childSucceeded",
  "childFailed",
  "childSkipped",
] as const;

/** The job record as callers see it, from a stored job item (table read or stream image). */
export function jobRecordFromItem(item: Record<string, unknown>): JobRecord {
  const record: Record<string, unknown> = { ...item };
  for (const name of INTERNAL_JOB_ATTRIBUTES) delete record[name];
  if (typeof item.counts === "object" && item.counts !== null) {
    record.counts = countsOf(item.counts as Partial<JobCounts>);
  }
  if (item.childTotal !== undefined) {
    const count = (name: string) => Number(item[name] ?? 0);
    record.children = {
      total: count("childTotal"),
      succeeded: count("childSucceeded"),
      failed: count("childFailed"),
      skipped: count("childSkipped"),
    } satisfies ChildCounts;
  }
  return record as unknown as JobRecord;
}
