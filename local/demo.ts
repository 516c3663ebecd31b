import { type JobRecord, TERMINAL_STATUSES } from "#core/job.ts";
import type { LocalLog } from "./log.ts";
import { sleep } from "./sleep.ts";

export interface DemoOptions {
  readonly api: string;
  readonly token: string;
  readonly provider: string;
  /** In tier order: later tiers read what earlier ones stored (weather needs the live session). */
  readonly syncTypes: readonly string[];
  /** 429s the provider's fake has answered so far. */
  readonly fake429s: () => number;
  /**
   * How long a job may go without progress (a change to its record) before the demo gives up on
   * it; a deferred job's wait until its `notBefore` does not count. @default 30000
   */
  readonly stallMs?: number;
  /** Real time the whole demo may take at most, however its jobs progress. @default 600000 */
  readonly ceilingMs?: number;
  readonly log: LocalLog;
}

export interface DemoRun {
  readonly jobId?: string;
  /** The job's terminal status, or `stalled` / `timeout` (the ceiling) / `rejected` (POST /sync refused). */
  readonly status: string;
  readonly fetched: number;
  readonly written: number;
  readonly unchanged: number;
  readonly detail?: string;
}

export interface DemoSummary {
  readonly ok: boolean;
  readonly durationMs: number;
  readonly provider: string;
  readonly syncs: Record<string, { readonly run1: DemoRun; readonly run2: DemoRun }>;
  readonly fake429s: number;
  readonly problems: readonly string[];
}

/**
 * The `--once` scenario: every sync type of a provider, by tier, through the public API, then
 * the same again. The second run must find everything it had already stored unchanged.
 */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const started = Date.now();
  const deadline = started + (options.ceilingMs ?? DEFAULT_CEILING_MS);
  const runs: Record<string, DemoRun>[] = [];
  for (const round of [1, 2]) {
    const results: Record<string, DemoRun> = {};
    for (const syncType of options.syncTypes) {
      results[syncType] = await runSync(options, syncType, deadline);
      const r = results[syncType];
      options.log.info(
        `demo run ${round} ${options.provider}/${syncType}: ${r.status}, fetched ${r.fetched}, written ${r.written}, unchanged ${r.unchanged}`,
      );
    }
    runs.push(results);
  }
  const syncs = Object.fromEntries(
    options.syncTypes.map((syncType) => [
      syncType,
      { run1: runs[0]?.[syncType] as DemoRun, run2: runs[1]?.[syncType] as DemoRun },
    ]),
  );
  const fake429s = options.fake429s();
  const problems = judgeDemo(syncs, fake429s);
  return {
    ok: problems.length === 0,
    durationMs: Date.now() - started,
    provider: options.provider,
    syncs,
    fake429s,
    problems,
  };
}

/**
 * What makes the demo fail: a job that did not succeed, a first run that wrote nothing, a second
 * run that wrote anything (the fakes' live feeds are frozen for the demo, so the second run sees
 * exactly the data the first one stored), any 429.
 */
export function judgeDemo(
  syncs: Record<string, { readonly run1: DemoRun; readonly run2: DemoRun }>,
  fake429s: number,
): string[] {
  const problems: string[] = [];
  for (const [syncType, { run1, run2 }] of Object.entries(syncs)) {
    for (const [name, run] of [
      ["run 1", run1],
      ["run 2", run2],
    ] as const) {
      if (run.status !== "succeeded")
        problems.push(`${syncType} ${name}: ${run.status}${run.detail ? ` (${run.detail})` : ""}`);
    }
    if (run1.written === 0) problems.push(`${syncType} run 1 wrote nothing`);
    if (run2.written > 0)
      problems.push(`${syncType} run 2 wrote ${run2.written} records; the same data should write none`);
  }
  if (fake429s > 0) problems.push(`the fake provider answered ${fake429s} requests with 429`);
  return problems;
}

async function runSync(options: DemoOptions, syncType: string, deadline: number): Promise<DemoRun> {
  const empty = { fetched: 0, written: 0, unchanged: 0 };
  const headers = { authorization: `Bearer ${options.token}`, "content-type": "application/json" };
  const posted = await fetch(`${options.api}/sync`, {
    method: "POST",
    headers,
    body: JSON.stringify({ provider: options.provider, syncType }),
  });
  const accepted = (await posted.json()) as { jobId?: string; error?: { message?: string } };
  if (posted.status !== 202 || !accepted.jobId) {
    return {
      status: "rejected",
      ...empty,
      detail: `HTTP ${posted.status} ${accepted.error?.message ?? ""}`.trim(),
    };
  }
  const jobId = accepted.jobId;
  const stallMs = options.stallMs ?? DEFAULT_STALL_MS;
  const progress = new JobProgress(Date.now());
  let last: JobRecord | undefined;
  for (;;) {
    const now = Date.now();
    if (now >= deadline) return { jobId, status: "timeout", ...empty, detail: lastSeen(last) };
    if (now >= progress.deadline(stallMs)) {
      return {
        jobId,
        status: "stalled",
        ...empty,
        detail: `no progress for ${stallMs} ms; ${lastSeen(last)}`,
      };
    }
    const response = await fetch(`${options.api}/jobs/${encodeURIComponent(jobId)}`, { headers });
    if (response.ok) {
      const job = (await response.json()) as JobRecord;
      last = job;
      progress.saw(job, Date.now());
      if (TERMINAL_STATUSES.includes(job.status)) {
        return {
          jobId,
          status: job.status,
          fetched: job.counts?.fetched ?? 0,
          written: job.counts?.written ?? 0,
          unchanged: job.counts?.unchanged ?? 0,
          ...(job.reason || job.error ? { detail: job.reason ?? job.error?.message } : {}),
        };
      }
    } else {
      await response.body?.cancel();
    }
    await sleep(150);
  }
}

function lastSeen(job: JobRecord | undefined): string {
  return job
    ? `last seen ${job.status}, ${job.attempts} attempts, ${job.deferrals} deferrals`
    : "never seen by GET /jobs";
}

const DEFAULT_STALL_MS = 30_000;
const DEFAULT_CEILING_MS = 10 * 60_000;

/**
 * When to stop waiting for a job: a while after it last changed, where waiting out a deferral
 * (its `notBefore`, the moment a permit frees) is progress too. Under load a job takes longer, but
 * keeps changing; one that stops changing is stuck.
 */
export class JobProgress {
  private lastChangeAt: number;
  private notBefore = 0;
  private seen: string | undefined;

  constructor(startedAt: number) {
    this.lastChangeAt = startedAt;
  }

  saw(job: JobRecord, at: number): void {
    const state = JSON.stringify([job.status, job.attempts, job.deferrals, job.updatedAt, job.counts]);
    if (state !== this.seen) {
      this.seen = state;
      this.lastChangeAt = at;
    }
    const notBefore = job.notBefore === undefined ? Number.NaN : Date.parse(job.notBefore);
    this.notBefore = job.status === "deferred" && Number.isFinite(notBefore) ? notBefore : 0;
  }

  /** Epoch ms past which, without a change, the job counts as stalled. */
  deadline(stallMs: number): number {
    return Math.max(this.lastChangeAt, this.notBefore) + stallMs;
  }
}
