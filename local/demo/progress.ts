import type { JobRecord } from "#core/job.ts";

/**
 * When to stop waiting for a job: a while after it last changed, where waiting out a deferral
 * (its `notBefore`, the moment a permit frees) or a queued job's delay (a race's push, held to
 * the end of its slot) is progress too. Under load a job takes longer, but
 * keeps changing; one that stops changing is stuck. A fan-out parent changes as its children end.
 */
export class JobProgress {
  private lastChangeAt: number;
  private notBefore = 0;
  private seen: string | undefined;

  constructor(startedAt: number) {
    this.lastChangeAt = startedAt;
  }

  saw(job: JobRecord, at: number): void {
    const state = JSON.stringify([
      job.status,
      job.attempts,
      job.deferrals,
      job.updatedAt,
      job.counts,
      job.children,
    ]);
    if (state !== this.seen) {
      this.seen = state;
      this.lastChangeAt = at;
    }
    const notBefore = job.notBefore === undefined ? Number.NaN : Date.parse(job.notBefore);
    // A deferred job waits for a permit; a queued one may be held to its slot (a race's push).
    const waiting = job.status === "deferred" || job.status === "queued";
    this.notBefore = waiting && Number.isFinite(notBefore) ? notBefore : 0;
  }

  /** Epoch ms past which, without a change, the job counts as stalled. */
  deadline(stallMs: number): number {
    return Math.max(this.lastChangeAt, this.notBefore) + stallMs;
  }
}
