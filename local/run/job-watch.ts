import type { JobStatus } from "#core/job.ts";
import { sleep } from "../sleep.ts";
import { type JobLineOptions, jobLine, rateLimitLine } from "./job-lines.ts";
import type { JobUpdate } from "./job-tap.ts";

export interface JobWatchOptions extends JobLineOptions {
  readonly write: (line: string) => void;
  /** Writes older than this (epoch ms) are not told: a kept database's stream replays them. */
  readonly since?: number;
}

/** How many writes (and jobs) the watch remembers, to tell each only once. */
const REMEMBERED = 10_000;
const FINISHED: readonly JobStatus[] = ["succeeded", "skipped", "failed"];

export interface JobWatch {
  /** Tells the write, unless it was told already or is no state change worth a line. */
  readonly update: (update: JobUpdate) => void;
  /**
   * Resolves once the watch has seen each of these jobs finish, or after `timeoutMs`: the stream
   * poller reads a write some 250 ms after it happened, so a run that ends with its last job
   * would otherwise stop before telling it.
   */
  caughtUp(jobIds: readonly string[], timeoutMs: number): Promise<void>;
}

/**
 * Tells each job state change once, as the data table's stream shows it. The stream poller
 * reads records again after an outage (fresh iterators), so writes already told are skipped.
 */
export function createJobWatch(options: JobWatchOptions): JobWatch {
  const told = new Set<string>();
  const statuses = new Map<string, JobStatus>();
  return {
    update: (update) => {
      const job = update.current;
      if (options.since !== undefined && Date.parse(job.updatedAt) < options.since) return;
      const key = [
        job.tenantId,
        job.jobId,
        job.status,
        job.attempts,
        job.deferrals,
        job.sweeps ?? 0,
        job.updatedAt,
      ].join("|");
      if (told.has(key)) return;
      told.add(key);
      if (told.size > REMEMBERED) told.delete(oldest(told));
      statuses.delete(job.jobId);
      statuses.set(job.jobId, job.status);
      if (statuses.size > REMEMBERED) statuses.delete(oldest(statuses));
      const line = jobLine(update, options);
      if (line !== undefined) options.write(line);
    },
    caughtUp: async (jobIds, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      const finished = () => jobIds.every((id) => FINISHED.includes(statuses.get(id) as JobStatus));
      while (!finished() && Date.now() < deadline) await sleep(50);
    },
  };
}

/** Sets and maps iterate in insertion order: the first key is the oldest. */
function oldest<K>(memory: { keys(): IterableIterator<K> }): K {
  return memory.keys().next().value as K;
}

export interface RateLimitWatchOptions {
  /** Each fake's counters (`stats().rateLimited`: the 429s it answered). */
  readonly fakes: Readonly<Record<string, { stats(): { readonly rateLimited: number } }>>;
  readonly write: (line: string) => void;
  readonly color?: boolean;
  /** @default 250 */
  readonly everyMs?: number;
}

/** A line whenever a fake provider answered 429s since the last look; returns a stop function. */
export function watchRateLimits(options: RateLimitWatchOptions): () => void {
  const seen = new Map(Object.entries(options.fakes).map(([id, fake]) => [id, fake.stats().rateLimited]));
  const look = () => {
    for (const [id, fake] of Object.entries(options.fakes)) {
      const total = fake.stats().rateLimited;
      const refused = total - (seen.get(id) ?? 0);
      seen.set(id, total);
      if (refused > 0) options.write(rateLimitLine(id, refused, total, new Date(), options.color));
    }
  };
  const timer = setInterval(look, options.everyMs ?? 250);
  timer.unref();
  return () => {
    clearInterval(timer);
    look();
  };
}
