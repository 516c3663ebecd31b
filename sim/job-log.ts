import type { JobRecord } from "#core/job.ts";

/**
 * A subject's key: connection, sync type and params with their keys sorted (contract 7's "subject").
 * `any` params: every subject of the sync type (a page that shows whatever run came last).
 */
export function subjectKey(
  connectionId: string,
  syncType: string,
  params: Readonly<Record<string, string>> | "any",
): string {
  if (params === "any") return `${connectionId}|${syncType}|*`;
  const sorted = Object.keys(params)
    .sort()
    .map((key) => [key, params[key]]);
  return `${connectionId}|${syncType}|${JSON.stringify(sorted)}`;
}

/**
 * Every job's end as the data table's stream told it: when each subject succeeded (what dates a
 * reader's data) and how each job ended (a manual trigger's latency).
 */
export class JobLog {
  /** Per subject, the moments it succeeded, ascending. */
  readonly #successes = new Map<string, number[]>();
  readonly #ended = new Map<string, { status: JobRecord["status"]; at: number }>();
  #jobs = 0;
  readonly #failures = new Map<string, number>();
  readonly #bySource = new Map<string, number>();

  /** A job record as written; only its first terminal state counts. */
  record(job: JobRecord): void {
    if (job.status !== "succeeded" && job.status !== "failed" && job.status !== "skipped") return;
    if (this.#ended.has(job.jobId)) return;
    const at = Date.parse(job.finishedAt ?? job.updatedAt);
    this.#ended.set(job.jobId, { status: job.status, at });
    this.#jobs++;
    const kind = `${job.syncType}:${job.source}:${job.status}`;
    this.#bySource.set(kind, (this.#bySource.get(kind) ?? 0) + 1);
    if (job.status === "failed") {
      const key = `${job.syncType}: ${job.error?.code ?? "?"} ${job.error?.message.slice(0, 80) ?? ""}`;
      this.#failures.set(key, (this.#failures.get(key) ?? 0) + 1);
    }
    if (job.status !== "succeeded") return;
    for (const key of [
      subjectKey(job.connectionId, job.syncType, job.params),
      subjectKey(job.connectionId, job.syncType, "any"),
    ]) {
      const list = this.#successes.get(key) ?? [];
      // Jobs end in about time order: an append, or a short walk back.
      let index = list.length;
      while (index > 0 && (list[index - 1] ?? 0) > at) index--;
      list.splice(index, 0, at);
      this.#successes.set(key, list);
    }
  }

  /** Ended jobs by `syncType:source:status` (what ran, and why). */
  bySource(): Record<string, number> {
    return Object.fromEntries([...this.#bySource].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** Failed jobs by sync type and error. */
  failures(): Record<string, number> {
    return Object.fromEntries(this.#failures);
  }

  /** Jobs that ended so far. */
  get jobsEnded(): number {
    return this.#jobs;
  }

  /** The subject's latest success at or before `atMs`. */
  lastSuccess(key: string, atMs: number): number | undefined {
    const list = this.#successes.get(key) ?? [];
    const after = firstAfter(list, atMs);
    return after === 0 ? undefined : list[after - 1];
  }

  /** The subject's first success in (`afterMs`, `untilMs`]. */
  firstSuccess(key: string, afterMs: number, untilMs: number): number | undefined {
    const list = this.#successes.get(key) ?? [];
    const at = list[firstAfter(list, afterMs)];
    return at !== undefined && at <= untilMs ? at : undefined;
  }

  /** How a job ended, if it has. */
  ended(jobId: string): { status: JobRecord["status"]; at: number } | undefined {
    return this.#ended.get(jobId);
  }
}

/** The index of the first value in ascending `list` greater than `value` (binary search). */
function firstAfter(list: readonly number[], value: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((list[middle] ?? 0) <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}
