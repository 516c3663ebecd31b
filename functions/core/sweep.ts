import {
  firstMessageOf,
  type JobMessage,
  type JobMessageInput,
  JobMessageSchema,
  type JobRecord,
} from "./job.ts";

/** An open job whose message should long have been picked up. */
export interface OverdueJob {
  readonly record: JobRecord;
  readonly dueAt: string;
  /** The exact message last sent for it; absent for a job the API recorded before sending. */
  readonly pendingMessage?: string;
}

export interface SweepDeps {
  readonly providers: readonly string[];
  readonly jobs: {
    overdue(provider: string, before: string, limit: number): Promise<OverdueJob[]>;
    /** Moves the job's due time on unless it changed since it was read; false: leave it. */
    claimOverdue(job: OverdueJob, nextDueAt: string, now: string): Promise<boolean>;
  };
  readonly queue: { send(message: JobMessageInput): Promise<void> };
  readonly clock?: () => number;
  /** How long past its due time a job's message counts as lost. */
  readonly graceMs: number;
  /** Jobs re-sent per provider per sweep at most; the rest wait for the next sweep. */
  readonly maxPerProvider?: number;
  readonly onRequeued?: (job: JobRecord, reason: string) => void;
}

export interface SweepResult {
  readonly requeued: number;
  /** Overdue jobs left for the next sweep (another sweep claimed them, or their message was unreadable). */
  readonly skipped: number;
}

/**
 * Finds jobs that are still open long after their message was due, and sends that message again.
 * A message can be lost between Pacer's steps — the emulator restarted, a send failed after the
 * record was written, a worker died after the record said "running" and its message ran out of
 * receives — and the record is what is left. The message re-sent is the one last recorded, so if
 * the original was not lost after all, both are the same delivery to the worker's idempotency
 * check and the job still runs once.
 */
export async function sweepLostJobs(deps: SweepDeps): Promise<SweepResult> {
  const now = (deps.clock ?? Date.now)();
  const before = new Date(now - deps.graceMs).toISOString();
  const nextDueAt = new Date(now + deps.graceMs).toISOString();
  let requeued = 0;
  let skipped = 0;
  for (const provider of deps.providers) {
    for (const job of await deps.jobs.overdue(provider, before, deps.maxPerProvider ?? 100)) {
      const message = messageFor(job);
      if (!message || !(await deps.jobs.claimOverdue(job, nextDueAt, new Date(now).toISOString()))) {
        skipped++;
        continue;
      }
      await deps.queue.send(message);
      requeued++;
      deps.onRequeued?.(
        job.record,
        `open as "${job.record.status}" since its message was due at ${job.dueAt}`,
      );
    }
  }
  return { requeued, skipped };
}

/** The message to send again: the one recorded, or for a job the API created, the one it sent. */
function messageFor(job: OverdueJob): JobMessage | undefined {
  if (job.pendingMessage !== undefined) {
    try {
      const parsed = JobMessageSchema.safeParse(JSON.parse(job.pendingMessage));
      return parsed.success ? { ...parsed.data, notBefore: undefined } : undefined;
    } catch {
      return undefined;
    }
  }
  const parsed = JobMessageSchema.safeParse({ ...firstMessageOf(job.record), attempts: 0, deferrals: 0 });
  return parsed.success ? parsed.data : undefined;
}
