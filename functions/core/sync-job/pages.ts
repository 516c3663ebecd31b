import { createHash } from "node:crypto";
import { findSyncType } from "#catalog/index.ts";
import type { ChildJob, Page } from "#providers/types.ts";
import { MAX_CHECKPOINT_BYTES } from "#providers/types.ts";
import { ValidationError } from "../errors.ts";
import {
  firstMessageOf,
  type JobCounts,
  type JobMessage,
  type JobRecord,
  MAX_JOB_ID_LENGTH,
} from "../job.ts";
import { validateSyncParams } from "../sync-params.ts";
import { JobEndedElsewhere, type JobRef, type ResumeState, type SyncJobDeps } from "./types.ts";

/** How a run's pages are stored: entities, removals, children, then the page's checkpoint. */

export function addCounts(
  counts: JobCounts,
  page: { fetched: number; written: number; unchanged: number; removed: number; pushed: number },
): JobCounts {
  return {
    pages: counts.pages + 1,
    fetched: counts.fetched + page.fetched,
    written: counts.written + page.written,
    unchanged: counts.unchanged + page.unchanged,
    removed: counts.removed + page.removed,
    pushed: counts.pushed + page.pushed,
  };
}

/**
 * Stores one page and only then what the job keeps to resume after it, so a leg that stops at
 * any point resumes with the next call: a crash after the writes but before the checkpoint repeats
 * this page's call at most, and its writes then change nothing (content hashes).
 */
export async function storePage(
  deps: SyncJobDeps,
  job: JobRef,
  message: JobMessage,
  page: Page,
  counts: JobCounts,
  resume: ResumeState,
  now: number,
  patch: {
    readonly attempts: number | undefined;
    /** Records pushed (and remembered) since the previous page: stored with this page's progress. */
    readonly pushed: number;
  },
): Promise<{ counts: JobCounts; resume: ResumeState }> {
  assertCheckpoint(page);
  const scope = { tenantId: job.tenantId, provider: job.provider, jobId: job.jobId };
  const at = new Date(now);
  const { written, unchanged } = await deps.entities.upsert(scope, page.entities, at);
  const removed =
    page.removed && page.removed.length > 0 ? await deps.entities.remove(scope, page.removed) : 0;
  if (page.children && page.children.length > 0)
    await enqueueChildren(deps, job, message, page.children, now);
  const next = addCounts(counts, {
    fetched: page.entities.length,
    written,
    unchanged,
    removed,
    pushed: patch.pushed,
  });
  const watermark = page.watermark ?? resume.watermark;
  // A page without a checkpoint is the last: a leg stopped after it has only the ending left.
  const nextResume: ResumeState = {
    ...(page.checkpoint === undefined ? { complete: true } : { checkpoint: page.checkpoint }),
    ...(watermark === undefined ? {} : { watermark }),
  };
  const open = await deps.jobs.transition(
    job,
    { status: "running", updatedAt: at.toISOString(), counts: next, attempts: patch.attempts },
    undefined,
    nextResume,
  );
  if (!open) throw new JobEndedElsewhere(job.jobId);
  return { counts: next, resume: nextResume };
}

function assertCheckpoint(page: Page): void {
  if (page.checkpoint === undefined) return;
  const bytes = Buffer.byteLength(JSON.stringify(page.checkpoint));
  if (bytes > MAX_CHECKPOINT_BYTES) {
    throw new ValidationError(
      `a page's checkpoint is ${bytes} bytes as JSON; at most ${MAX_CHECKPOINT_BYTES} are kept (a cursor, not data)`,
    );
  }
}

/**
 * A child's id: its parent's, its sync type and a hash of its params. Yielding the same child
 * again (a page replayed after a crash) names the same job, which then already exists.
 */
export function childJobId(parentJobId: string, child: Pick<ChildJob, "syncType" | "params">): string {
  const params = Object.entries(child.params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const hash = createHash("sha256")
    .update(JSON.stringify([child.syncType, params]))
    .digest("hex")
    .slice(0, 16);
  const suffix = `.${child.syncType}.${hash}`;
  return `${parentJobId.slice(0, MAX_JOB_ID_LENGTH - suffix.length)}${suffix}`;
}

/**
 * The id of a child that is to run once per connection however many runs yield it (`ChildJob.once`):
 * from its connection, sync type, params and `notBefore` alone, not its parent's.
 */
export function onceChildJobId(connectionId: string, child: ChildJob): string {
  const params = Object.entries(child.params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const hash = createHash("sha256")
    .update(JSON.stringify([child.syncType, params, child.notBefore ?? null]))
    .digest("hex")
    .slice(0, 16);
  return `once.${connectionId}.${child.syncType}.${hash}`;
}

/** Records and queues each child that is new; a child's params are checked like any run's. */
async function enqueueChildren(
  deps: SyncJobDeps,
  parent: JobRef,
  message: JobMessage,
  children: readonly ChildJob[],
  now: number,
): Promise<void> {
  const iso = new Date(now).toISOString();
  let created = 0;
  for (const child of children) {
    const syncType = findSyncType(deps.provider, child.syncType);
    if (!syncType) throw new ValidationError(`a child job names unknown sync type "${child.syncType}"`);
    const params = validateSyncParams(syncType, child.params);
    if (!params.ok) throw new ValidationError(`child ${child.syncType}: ${params.problem}`);
    const record: JobRecord = {
      jobId: child.once ? onceChildJobId(message.connectionId, child) : childJobId(parent.jobId, child),
      tenantId: parent.tenantId,
      connectionId: message.connectionId,
      provider: parent.provider,
      syncType: syncType.id,
      priority: child.priority ?? syncType.priority,
      source: "fanout",
      params: params.params,
      parentJobId: parent.jobId,
      status: "queued",
      attempts: 0,
      deferrals: 0,
      createdAt: iso,
      updatedAt: iso,
    };
    // An existing record is this child already enqueued (by this page, before a crash): once is enough.
    if (!(await deps.jobs.create(record))) continue;
    created++;
    // A send that fails leaves the record due at once: the lost-job sweep sends it.
    const first = firstMessageOf(record);
    // A child due later is queued for then: its wait for permits, its retries and its aging start
    // when it is due, not hours before (a look at results queued before the race).
    const due = child.notBefore === undefined ? undefined : Math.max(now, child.notBefore);
    await deps.queue
      .send(due === undefined ? first : { ...first, notBefore: due, enqueuedAt: new Date(due).toISOString() })
      .catch((error: unknown) =>
        deps.log?.error("child job recorded but not queued; the sweep will send it", {
          jobId: record.jobId,
          error,
        }),
      );
  }
  if (created > 0) await deps.jobs.addChildren(parent, created);
}
