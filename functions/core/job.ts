import { z } from "zod";
import { TENANT_ID_PATTERN, TENANT_ID_RULE } from "./auth/verifier.ts";

export const MAX_JOB_ID_LENGTH = 200;
/**
 * Every id Pacer mints is in this alphabet: `m-<uuid>` for manual runs, and scheduled ids built
 * from provider, sync type, tenant id (all `[A-Za-z0-9_.-]`), digits, `T` and `Z`.
 */
export const JOB_ID_PATTERN = /^[A-Za-z0-9_.-]+$/;

/**
 * A sync job as it travels on SQS. Scheduled events carry no jobId: the worker derives one from
 * the slot (provider, sync type, tenant, scheduled time, slot), so a duplicate delivery of the same
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
    provider: z.string().min(1).max(64),
    syncType: z.string().min(1).max(64),
    params: z.record(z.string(), z.string()).default({}),
    priority: z.enum(["high", "normal", "low"]),
    source: z.enum(["manual", "schedule"]),
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
  })
  .strict();

export type JobMessage = z.infer<typeof JobMessageSchema>;
export type JobMessageInput = z.input<typeof JobMessageSchema>;

export type JobStatus = "queued" | "deferred" | "running" | "succeeded" | "skipped" | "failed";
export const TERMINAL_STATUSES: readonly JobStatus[] = ["succeeded", "skipped", "failed"];

export interface JobCounts {
  readonly fetched: number;
  readonly written: number;
  readonly unchanged: number;
}

/** What `GET /jobs/{jobId}` returns and the WebSocket `job` message carries. */
export interface JobRecord {
  readonly jobId: string;
  readonly tenantId: string;
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
  readonly counts?: JobCounts;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly durationMs?: number;
  /** When a deferred job will next be tried. */
  readonly notBefore?: string;
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

/** The id of a scheduled slot's job: stable across duplicate deliveries of the same slot. */
export function scheduledJobId(
  m: Pick<JobMessage, "provider" | "syncType" | "tenantId" | "scheduledAt" | "slot">,
): string {
  const at = (m.scheduledAt ?? "unscheduled").replace(/[^0-9TZ]/g, "");
  return `s-${m.provider}-${m.syncType}-${m.tenantId}-${at}-${m.slot}`;
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
] as const;

/** The job record as callers see it, from a stored job item (table read or stream image). */
export function jobRecordFromItem(item: Record<string, unknown>): JobRecord {
  const record: Record<string, unknown> = { ...item };
  for (const name of INTERNAL_JOB_ATTRIBUTES) delete record[name];
  return record as unknown as JobRecord;
}
