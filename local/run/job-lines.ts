import { type JobRecord, NO_COUNTS } from "#core/job.ts";
import type { JobUpdate } from "./job-tap.ts";
import { type Colors, clockTime, colors, formatDuration } from "./terminal.ts";

/**
 * One line per job state change, for a person watching `npm run local`:
 *
 *   12:03:04  openf1/meetings       m-1a2b3c…     succeeded  fetched 48 · written 48 · unchanged 0  (1.2 s)
 *
 * time (the record's `updatedAt`), provider/syncType (`@tenant` when not the default), job id
 * (short), state, and what a person wants to know about that state.
 */
export interface JobLineOptions {
  /** Its tenant is not shown. */
  readonly defaultTenant: string;
  /** Also the moment a worker picks a job up (before it has its permit). */
  readonly verbose?: boolean;
  readonly color?: boolean;
}

/** A state a line reports, and the detail that follows it. */
export interface JobEvent {
  readonly state: "queued" | "running" | "deferred" | "retrying" | "swept" | JobRecord["status"];
  readonly detail: string;
}

const LABEL_WIDTH = 20;
const ID_WIDTH = 12;
const STATE_WIDTH = 9;
const MAX_TEXT = 120;
const PROVIDER_RATE_LIMITED = "PROVIDER_RATE_LIMITED";

/** The line for one write to a job record; undefined when the write is no state change worth a line. */
export function jobLine(update: JobUpdate, options: JobLineOptions): string | undefined {
  const event = jobEvent(update, options.verbose ?? false);
  if (!event) return undefined;
  const job = update.current;
  const label = `${job.provider}/${job.syncType}${job.tenantId === options.defaultTenant ? "" : `@${job.tenantId}`}`;
  return row(colors(options.color ?? false), {
    at: job.updatedAt,
    label,
    id: shortJobId(job.jobId),
    state: event.state,
    detail: event.detail,
  });
}

/** What changed in a write to a job record, by the worker's rules (core/sync-job.ts). */
export function jobEvent({ previous, current }: JobUpdate, verbose = false): JobEvent | undefined {
  const was = previous?.status;
  const sweeps = (current.sweeps ?? 0) - (previous?.sweeps ?? 0);
  if (sweeps > 0 && current.status === was) {
    return { state: "swept", detail: `its message was lost: sent again (sweep ${current.sweeps})` };
  }
  switch (current.status) {
    case "queued":
      if (!previous) return { state: "queued", detail: `${current.priority} · ${current.source}` };
      // Only a failed attempt puts a job that was under way back in the queue.
      return was === "queued" ? undefined : retryEvent(current);
    case "running":
      // The worker marks a job running when it picks it up, and again once it has its permit.
      if (was === "running" && previous && current.attempts > previous.attempts) {
        return {
          state: "running",
          detail: `attempt ${current.attempts}: permit taken, calling ${current.provider}`,
        };
      }
      return was !== "running" && verbose ? { state: "running", detail: "picked up by a worker" } : undefined;
    case "deferred": {
      if (was === "deferred" && previous?.deferrals === current.deferrals) return undefined;
      const wait = waitMs(current);
      const leg = was === "deferred" ? "still waiting" : "waits";
      const why = wait > 0 ? `${leg} ${formatDuration(wait)} for a permit` : "goes on in a fresh invocation";
      return { state: "deferred", detail: `${why} · deferral ${current.deferrals}` };
    }
    default:
      return was === current.status ? undefined : finishEvent(current);
  }
}

function retryEvent(job: JobRecord): JobEvent {
  const delay = formatDuration(waitMs(job));
  if (job.error?.code === PROVIDER_RATE_LIMITED) {
    // The provider's pause, not a fault: every worker waits it out (an attempt of the budget spent).
    return {
      state: "deferred",
      detail: `provider 429: tries again in ${delay} · attempt ${job.attempts} spent`,
    };
  }
  const why = job.error ? ` · ${clip(`${job.error.code}: ${job.error.message}`)}` : "";
  return { state: "retrying", detail: `attempt ${job.attempts + 1} in ${delay}${why}` };
}

function finishEvent(job: JobRecord): JobEvent {
  switch (job.status) {
    case "succeeded": {
      const counts = job.counts ?? NO_COUNTS;
      const extras = [
        ...(job.durationMs === undefined ? [] : [formatDuration(job.durationMs)]),
        ...(job.attempts > 1 ? [`${job.attempts} attempts`] : []),
        ...(job.deferrals > 0 ? [`${job.deferrals} deferral${job.deferrals === 1 ? "" : "s"}`] : []),
      ];
      return {
        state: "succeeded",
        detail:
          `${counts.pages > 1 ? `${counts.pages} pages · ` : ""}fetched ${counts.fetched} · written ${counts.written} · unchanged ${counts.unchanged}` +
          (counts.removed > 0 ? ` · removed ${counts.removed}` : "") +
          (job.children ? ` · ${job.children.total} child jobs` : "") +
          (extras.length > 0 ? `  (${extras.join(", ")})` : ""),
      };
    }
    case "skipped":
      return { state: "skipped", detail: clip(job.reason ?? "nothing to do") };
    default:
      return {
        state: job.status,
        detail: job.error
          ? clip(`${job.error.code}: ${job.error.message}`)
          : `after ${job.attempts} attempts`,
      };
  }
}

/** One line per batch of 429s a fake provider answered since the last look. */
export function rateLimitLine(
  provider: string,
  refused: number,
  total: number,
  at: Date,
  color = false,
): string {
  const calls = refused === 1 ? "a call" : `${refused} calls`;
  return row(colors(color), {
    at: at.toISOString(),
    label: provider,
    id: "",
    state: "429",
    detail: `the fake ${provider} refused ${calls} over its limit (${total} so far)`,
  });
}

/**
 * A job id short enough for a column: `m-1a2b3c…` for a manual run (`i-`, `r-`, `v-` alike for an
 * initial run, a refresh on read, a recovery run), `s@12:03:00` (its slot's time, `#n` for a later
 * slot of the minute) for a scheduled one.
 */
export function shortJobId(jobId: string): string {
  const triggered = /^([mirv])-([0-9a-f]{6})/.exec(jobId);
  if (triggered) return `${triggered[1]}-${triggered[2]}…`;
  const scheduled = /^s-.+-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})\d*Z-(\d+)$/.exec(jobId);
  if (scheduled) {
    const [, y, mo, d, h, mi, s, slot] = scheduled;
    const at = clockTime(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
    return `s@${at}${slot === "0" ? "" : `#${slot}`}`;
  }
  return jobId.length <= ID_WIDTH ? jobId : `${jobId.slice(0, ID_WIDTH - 1)}…`;
}

const STATE_COLORS: Readonly<Record<string, keyof Colors>> = {
  queued: "dim",
  running: "cyan",
  deferred: "yellow",
  retrying: "yellow",
  swept: "magenta",
  succeeded: "green",
  skipped: "dim",
  failed: "red",
  "429": "red",
};

function row(
  c: Colors,
  line: { at: string; label: string; id: string; state: string; detail: string },
): string {
  const paint = c[STATE_COLORS[line.state] ?? "plain"];
  return [
    c.dim(clockTime(line.at)),
    line.label.padEnd(LABEL_WIDTH),
    c.dim(line.id.padEnd(ID_WIDTH)),
    paint(line.state.padEnd(STATE_WIDTH)),
    line.detail,
  ].join("  ");
}

/** How long from the record's write until its job is tried again. */
function waitMs(job: JobRecord): number {
  const until = job.notBefore === undefined ? Number.NaN : Date.parse(job.notBefore);
  const from = Date.parse(job.updatedAt);
  return Number.isFinite(until) && Number.isFinite(from) ? Math.max(0, until - from) : 0;
}

function clip(text: string): string {
  return text.length <= MAX_TEXT ? text : `${text.slice(0, MAX_TEXT - 1)}…`;
}
