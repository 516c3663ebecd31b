import type { PushLedger } from "#providers/types.ts";
import type { JobCounts } from "../job.ts";
import type { JobRef, SyncJobDeps } from "./types.ts";

/**
 * The run's push ledger, counting the records its module remembers as pushed (a push module
 * remembers each record once the provider accepted it): what the job reports as `pushed`.
 */
export interface CountingLedger extends PushLedger {
  /** Records remembered and not yet in the job's stored counts. */
  pending(): number;
  /** `n` of the pending records are now in the stored counts. */
  counted(n: number): void;
}

export function countingLedger(ledger: PushLedger): CountingLedger {
  let pending = 0;
  return {
    changed: (entityType, id, data) => ledger.changed(entityType, id, data),
    async remember(entityType, id, data) {
      await ledger.remember(entityType, id, data);
      pending++;
    },
    pending: () => pending,
    counted(n) {
      pending = Math.max(0, pending - n);
    },
  };
}

/**
 * A leg stopped by its next call (no permit soon, a failure) after records were remembered since
 * its last page — a module may remember a record only once its page is stored: those pushes are
 * done and will not be sent again, so they go on the record now. Best effort: should this write
 * fail, the job's own ending reports the failure, and only the count misses them.
 */
export async function keepPushes(
  deps: Pick<SyncJobDeps, "jobs">,
  job: JobRef,
  counts: JobCounts,
  ledger: CountingLedger,
  now: number,
): Promise<void> {
  const pushed = ledger.pending();
  if (pushed === 0) return;
  try {
    const open = await deps.jobs.transition(job, {
      status: "running",
      updatedAt: new Date(now).toISOString(),
      counts: { ...counts, pushed: counts.pushed + pushed },
    });
    if (open) ledger.counted(pushed);
  } catch {
    // See above: the leg's outcome, not this count, is what must be recorded.
  }
}
