import { type JobRecord, TERMINAL_STATUSES } from "#core/job.ts";
import type { FakeConnection } from "../fakes/types.ts";
import { postConnection } from "../run/connections.ts";
import { sleep } from "../sleep.ts";
import { JobProgress } from "./progress.ts";
import type { DemoRun } from "./types.ts";

const POLL_MS = 150;

/** How long a job may wait, and what counts as its end. */
export interface JobWait {
  /** Epoch ms: the whole demo's ceiling. */
  readonly deadline: number;
  /** A job that does not change for this long (deferral waits aside) is stuck. */
  readonly stallMs: number;
  /** Whether a terminal job is done with; @default every terminal job is. */
  readonly settled?: (job: JobRecord) => boolean;
}

/** What a route answered: its status and JSON body (undefined when it had none). */
export interface Answer<T> {
  readonly status: number;
  readonly body: T | undefined;
}

/** The REST API as the demo uses it: one tenant's token, the public routes only. */
export class DemoApi {
  private readonly headers: Record<string, string>;

  constructor(
    private readonly api: string,
    private readonly token: string,
  ) {
    this.headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  }

  /** `POST /connections`: the connection's id, or why it was refused (the body's error message, never credentials). */
  async connect(
    provider: string,
    body: FakeConnection,
  ): Promise<{ connectionId: string } | { problem: string }> {
    const answer = await postConnection(this.api, this.token, provider, body);
    if (answer.ok) return { connectionId: answer.connectionId };
    return { problem: `connecting ${provider} failed: HTTP ${answer.status} ${answer.message}`.trim() };
  }

  /** Any route, as the token's tenant: `POST /events`, `GET /events/{id}/participants`, … */
  async call<T>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
    const response = await fetch(`${this.api}${path}`, {
      method,
      headers: this.headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json().catch(() => undefined)) as T | undefined };
  }

  /** `GET /jobs/{jobId}`, or undefined while the API does not answer it. */
  async job(jobId: string): Promise<JobRecord | undefined> {
    const response = await fetch(`${this.api}/jobs/${encodeURIComponent(jobId)}`, { headers: this.headers });
    if (!response.ok) {
      await response.body?.cancel();
      return undefined;
    }
    return (await response.json()) as JobRecord;
  }

  /** `POST /sync` on a connection, then waits for the job's end (see {@link JobWait}). */
  async run(
    request: {
      readonly provider: string;
      readonly syncType: string;
      readonly connectionId: string;
      readonly params?: Readonly<Record<string, string>>;
    },
    wait: JobWait,
  ): Promise<DemoRun> {
    const posted = await fetch(`${this.api}/sync`, {
      method: "POST",
      headers: this.headers,
      body: JSON.stringify(request),
    });
    const accepted = (await posted.json().catch(() => ({}))) as {
      jobId?: string;
      error?: { message?: string };
    };
    const params = request.params ? { params: request.params } : {};
    if (posted.status !== 202 || !accepted.jobId) {
      return {
        status: "rejected",
        ...EMPTY,
        ...params,
        detail: `HTTP ${posted.status} ${accepted.error?.message ?? ""}`.trim(),
      };
    }
    return { ...params, ...(await this.waitFor(accepted.jobId, wait)) };
  }

  /**
   * The run Pacer started by itself for a sync type (a new connection's initial run), once no job
   * of it is pending: `GET /status` names its last job, whose end is then waited for.
   */
  async ownRun(provider: string, syncType: string, wait: JobWait): Promise<DemoRun> {
    for (;;) {
      const status = await this.call<{
        providers?: {
          provider: string;
          syncTypes: { syncType: string; pendingJobs: number; lastJobId: string | null }[];
        }[];
      }>("GET", "/status");
      const entry = status.body?.providers
        ?.find((p) => p.provider === provider)
        ?.syncTypes.find((s) => s.syncType === syncType);
      if (entry?.lastJobId && entry.pendingJobs === 0) return this.waitFor(entry.lastJobId, wait);
      if (Date.now() >= wait.deadline)
        return { status: "timeout", ...EMPTY, detail: `no run of ${provider}/${syncType} ended` };
      await sleep(POLL_MS);
    }
  }

  /** Waits for a job the demo did not start itself (an automatic push, a publish) to end. */
  async waitFor(jobId: string, wait: JobWait): Promise<DemoRun> {
    const settled = wait.settled ?? (() => true);
    const progress = new JobProgress(Date.now());
    let last: JobRecord | undefined;
    for (;;) {
      const now = Date.now();
      if (now >= wait.deadline) return { jobId, status: "timeout", ...EMPTY, detail: lastSeen(last) };
      if (now >= progress.deadline(wait.stallMs)) {
        const detail = `no progress for ${wait.stallMs} ms; ${lastSeen(last)}`;
        return { jobId, status: "stalled", ...EMPTY, detail };
      }
      const job = await this.job(jobId);
      if (job) {
        last = job;
        progress.saw(job, Date.now());
        if (TERMINAL_STATUSES.includes(job.status) && settled(job)) return runOf(job);
      }
      await sleep(POLL_MS);
    }
  }
}

const EMPTY = { fetched: 0, written: 0, unchanged: 0 } as const;

/** A finished job as the summary shows it. */
export function runOf(job: JobRecord): DemoRun {
  const why = job.reason ?? job.error?.message;
  return {
    jobId: job.jobId,
    status: job.status,
    fetched: job.counts?.fetched ?? 0,
    written: job.counts?.written ?? 0,
    unchanged: job.counts?.unchanged ?? 0,
    ...(job.children ? { children: job.children } : {}),
    ...(why ? { detail: why } : {}),
  };
}

function lastSeen(job: JobRecord | undefined): string {
  if (!job) return "never seen by GET /jobs";
  const children = job.children
    ? `, children ${job.children.succeeded + job.children.failed + job.children.skipped} of ${job.children.total} ended`
    : "";
  return `last seen ${job.status}, ${job.attempts} attempts, ${job.deferrals} deferrals${children}`;
}
