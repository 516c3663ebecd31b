import type { JobRecord, JobStatus } from "#core/job.ts";
import type { ResumeState } from "#core/sync-job.ts";

/** How the job store's items are keyed and written (see job-store.ts). */

/** Per provider and sync type, what `GET /status` reports. */
export interface SyncStatus {
  readonly provider: string;
  readonly syncType: string;
  readonly pending: number;
  readonly lastStatus?: JobStatus;
  readonly lastJobId?: string;
  readonly lastRunAt?: string;
  readonly lastSuccessAt?: string;
}

/** Where an open job's message stands: when it should be picked up, and its body to send again. */
export interface QueueState {
  /** ISO time after which a job still open with this state has lost its message. */
  readonly dueAt: string;
  /** The message last sent (or about to be sent) for the job, exactly. */
  readonly pendingMessage?: string;
  /** That message's counters (`<attempts>/<deferrals>`): the one delivery that may run the job next. */
  readonly queuedAs?: string;
  /**
   * Move the job only if the delivery doing so is the one the record expects (its counters): an
   * older message of the job, redelivered after the job moved on, must not run it again.
   */
  readonly expect?: string;
}

export type JobPatch = Partial<Omit<JobRecord, "jobId" | "tenantId" | "provider" | "syncType" | "createdAt">>;
export type StatusPatch = JobPatch & { status: JobStatus; updatedAt: string };
export type JobKeyFields = Pick<JobRecord, "tenantId" | "jobId" | "provider" | "syncType">;

export const jobKey = (tenantId: string, jobId: string) => ({ pk: `JOB#${tenantId}#${jobId}`, sk: "JOB" });
export const statusKey = (tenantId: string, provider: string, syncType: string) => ({
  pk: `STATUS#${tenantId}`,
  sk: `${provider}#${syncType}`,
});

export const OPEN: readonly JobStatus[] = ["queued", "deferred", "running"];
export const isOpen = (status: unknown): boolean => OPEN.includes(status as JobStatus);

/** The sparse index of open jobs, by provider and the moment their message is due. */
export const OPEN_JOBS_INDEX = "open-jobs";
export const openShard = (provider: string) => `OPEN#${provider}`;

/** A fan-out parent's counters of its children (assembled into `children` by jobRecordFromItem). */
export const CHILD_COUNTER = {
  succeeded: "childSucceeded",
  failed: "childFailed",
  skipped: "childSkipped",
} as const;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** What a stored job kept from its earlier legs. */
export function resumeOf(item: Record<string, unknown>): ResumeState {
  return {
    ...(isRecord(item.checkpoint) ? { checkpoint: item.checkpoint as ResumeState["checkpoint"] } : {}),
    ...(item.complete === true ? { complete: true } : {}),
    ...(typeof item.watermark === "string" ? { watermark: item.watermark } : {}),
  };
}

/** A sync's status item as `GET /status` reports it. */
export function syncStatusOf(item: Record<string, unknown>): SyncStatus {
  const [provider = "", syncType = ""] = String(item.sk).split("#");
  return {
    provider,
    syncType,
    pending: Math.max(0, Number(item.pending ?? 0)),
    lastStatus: item.lastStatus as JobStatus | undefined,
    lastJobId: item.lastJobId as string | undefined,
    lastRunAt: item.lastRunAt as string | undefined,
    lastSuccessAt: item.lastSuccessAt as string | undefined,
  };
}

/**
 * Whether a stored job item would take a transition under `queue`: the same test as the
 * transition's condition (`transitionUpdate`), for a caller that reads the job before writing it.
 */
export function acceptsTransition(item: Record<string, unknown> | undefined, queue?: QueueState): boolean {
  if (item === undefined || !isOpen(item.status)) return false;
  return queue?.expect === undefined || item.queuedAs === undefined || item.queuedAs === queue.expect;
}

/** A stored job item as it reads once `patch` is applied (fields the patch leaves undefined stay). */
export function patched(item: Record<string, unknown>, patch: StatusPatch): Record<string, unknown> {
  const next: Record<string, unknown> = { ...item };
  for (const [field, value] of Object.entries(patch)) if (value !== undefined) next[field] = value;
  return next;
}

/** The update of a job's item moving it to `patch.status`, conditioned on it being open still. */
export function transitionUpdate(
  job: JobKeyFields,
  patch: StatusPatch,
  queue?: QueueState,
  resume?: ResumeState,
): {
  UpdateExpression: string;
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
} {
  const names: Record<string, string> = { "#status": "status" };
  const values: Record<string, unknown> = { ":open0": OPEN[0], ":open1": OPEN[1], ":open2": OPEN[2] };
  const sets: string[] = [];
  const set = (field: string, value: unknown) => {
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    sets.push(`#${field} = :${field}`);
  };
  for (const [field, value] of Object.entries(patch)) if (value !== undefined) set(field, value);
  const open = isOpen(patch.status);
  if (open && queue) {
    set("openShard", openShard(job.provider));
    set("dueAt", queue.dueAt);
    if (queue.pendingMessage !== undefined) set("pendingMessage", queue.pendingMessage);
    if (queue.queuedAs !== undefined) set("queuedAs", queue.queuedAs);
  }
  let condition = "attribute_exists(pk) AND #status IN (:open0, :open1, :open2)";
  if (queue?.expect !== undefined) {
    names["#queuedAs"] = "queuedAs";
    values[":expect"] = queue.expect;
    condition += " AND (attribute_not_exists(#queuedAs) OR #queuedAs = :expect)";
  }
  const removes: string[] = [];
  if (open && resume) {
    // What the job keeps between legs: replaced whole, so a stale checkpoint never survives.
    for (const [field, value] of [
      ["checkpoint", resume.checkpoint],
      ["complete", resume.complete],
      ["watermark", resume.watermark],
    ] as const) {
      if (value === undefined) {
        names[`#${field}`] = field;
        removes.push(`#${field}`);
      } else set(field, value);
    }
  }
  // A finished job leaves the open-jobs index and keeps nothing to resume; nothing is left to send
  // again. A job that ended well keeps no error of an earlier attempt, nor a next try.
  if (!open) {
    removes.push("openShard", "dueAt", "pendingMessage", "queuedAs");
    for (const field of ["checkpoint", "complete", "watermark"]) {
      names[`#${field}`] = field;
      removes.push(`#${field}`);
    }
    if (patch.status === "succeeded" || patch.status === "skipped") {
      names["#error"] = "error";
      names["#notBefore"] = "notBefore";
      removes.push("#error", "#notBefore");
    }
  }
  let expression = `SET ${sets.join(", ")}`;
  if (removes.length > 0) expression += ` REMOVE ${removes.join(", ")}`;
  return {
    UpdateExpression: expression,
    ConditionExpression: condition,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}
