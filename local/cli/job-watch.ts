import { setTimeout as sleepFor } from "node:timers/promises";
import { ApiError } from "./api-client.ts";
import { type Job, TERMINAL_JOB_STATUSES } from "./api-types.ts";
import { jobStateKey } from "./job-format.ts";

/**
 * Follows one job until it ends. Live `job` frames (topic `jobs`) bring each change as it is
 * stored; GET /jobs/{id} is polled beside them, slowly while the socket is up (it catches a
 * change made before the subscription, or one the stream is late with) and briskly once it
 * drops, until a deadline. Records are taken in `updatedAt` order, so a slow poll never rolls the
 * state back; `onChange` hears each new state once.
 */
export interface JobWatch {
  readonly fetchJob: () => Promise<Job>;
  /** The live connection's frames for this job, if there is one. */
  readonly live?: {
    onJob(listener: (job: Job) => void): void;
    readonly closed: Promise<unknown>;
  };
  readonly onChange: (job: Job) => void;
  /** The socket dropped: from now on the job is polled. */
  readonly onLiveLost?: () => void;
  readonly timeoutMs: number;
  /** @default 5000 */
  readonly pollWhileLiveMs?: number;
  /** @default 1000 */
  readonly pollMs?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface JobWatchResult {
  /** The last state seen (the final one when `ended`). */
  readonly job: Job | undefined;
  readonly ended: boolean;
}

export function isTerminal(job: Job): boolean {
  return TERMINAL_JOB_STATUSES.includes(job.status);
}

export async function watchJob(watch: JobWatch): Promise<JobWatchResult> {
  const now = watch.now ?? Date.now;
  const sleep = watch.sleep ?? defaultSleep;
  const deadline = now() + watch.timeoutMs;
  let last: Job | undefined;
  let liveUp = watch.live !== undefined;
  let done = false;
  let wake: AbortController | undefined;

  const accept = (job: Job) => {
    if (last && !isLater(job, last)) return;
    const changed = last === undefined || jobStateKey(job) !== jobStateKey(last);
    last = job;
    if (changed) watch.onChange(job);
    if (isTerminal(job)) wake?.abort();
  };
  watch.live?.onJob(accept);
  void watch.live?.closed.then(() => {
    if (done) return;
    liveUp = false;
    watch.onLiveLost?.();
    wake?.abort();
  });

  try {
    while (true) {
      if (last && isTerminal(last)) return { job: last, ended: true };
      try {
        accept(await watch.fetchJob());
      } catch (error) {
        // A refusal (gone, forbidden, bad token) will not get better; an outage may.
        if (error instanceof ApiError && error.status < 500) throw error;
      }
      if (last && isTerminal(last)) return { job: last, ended: true };
      const left = deadline - now();
      if (left <= 0) return { job: last, ended: false };
      wake = new AbortController();
      await sleep(
        Math.min(liveUp ? (watch.pollWhileLiveMs ?? 5000) : (watch.pollMs ?? 1000), left),
        wake.signal,
      );
    }
  } finally {
    done = true;
  }
}

/** Never back from an ended job; otherwise the record stored later wins. */
function isLater(job: Job, last: Job): boolean {
  if (isTerminal(last)) return false;
  return (job.updatedAt ?? "") >= (last.updatedAt ?? "");
}

async function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleepFor(ms, undefined, { signal });
  } catch {
    // woken early: a live change or the socket dropping
  }
}
