import type { Job } from "./api-types.ts";
import {
  type Formatter,
  formatDateTime,
  formatDuration,
  formatRelative,
  renderFields,
  type Style,
} from "./format.ts";

/**
 * A job as an operator reads it: one line per state (what `sync --wait` prints at each change)
 * and a block with every field (`pacer jobs <id>`).
 */

/** What makes a state change worth a line: the status, and each new attempt, deferral or stored page within it. */
export function jobStateKey(job: Job): string {
  return `${job.status}/${job.attempts}/${job.deferrals}/${job.notBefore ?? ""}/${job.counts?.pages ?? 0}`;
}

/** A queued job that already failed an attempt is waiting to be retried. */
export function isRetrying(job: Job): boolean {
  return job.status === "queued" && job.attempts > 0 && job.error !== undefined;
}

/** One line: what the job is doing, and for an ended job, how it ended. */
export function describeJobState(job: Job, nowMs: number, style: Style): string {
  const next = job.notBefore ? nextTry(job.notBefore, nowMs) : "";
  switch (job.status) {
    case "queued":
      if (isRetrying(job)) {
        const error = job.error as NonNullable<Job["error"]>;
        return `${style.yellow("retrying")}: attempt ${job.attempts} failed (${error.code}: ${error.message})${next}`;
      }
      return `${style.cyan("queued")}${job.priority ? ` (${job.priority} priority)` : ""}${next}`;
    case "running": {
      const waits = job.deferrals ? ` (after ${plural(job.deferrals, "wait")} for permits)` : "";
      // The worker writes `running` when it takes the job, and again, one attempt more, once it
      // holds its permits and calls the provider.
      const pages = job.counts?.pages ?? 0;
      if (pages > 0) return `${style.cyan("running")}: ${stored(job)}${waits}`;
      return job.startedAt !== undefined && job.updatedAt === job.startedAt
        ? `${style.cyan("running")}: taking permits${waits}`
        : `${style.cyan("running")}: calling the provider (attempt ${Math.max(1, job.attempts)})${waits}`;
    }
    case "deferred": {
      const resumes = (job.counts?.pages ?? 0) > 0 ? `; ${stored(job)}, resumes after it` : "";
      return `${style.yellow("deferred")}: waiting for a permit of the provider's rate limits (wait #${job.deferrals})${resumes}${next}`;
    }
    case "succeeded": {
      const children = job.children
        ? `; ${plural(job.children.total, "child job")} (${job.children.succeeded} succeeded)`
        : "";
      return `${style.green("succeeded")}${took(job)}${job.counts ? `: ${describeCounts(job.counts)}` : ""}${children}`;
    }
    case "skipped":
      return `${style.green("skipped")}${took(job)}${job.reason ? `: ${job.reason}` : ""}`;
    case "failed":
      return `${style.red("failed")}${took(job)}${job.error ? `: ${job.error.code}: ${job.error.message}` : ""}`;
    default:
      return job.status;
  }
}

export function describeCounts(counts: NonNullable<Job["counts"]>): string {
  const pages = (counts.pages ?? 1) > 1 ? `${counts.pages} pages, ` : "";
  const removed = counts.removed ? `, removed ${counts.removed}` : "";
  return `${pages}fetched ${counts.fetched}, written ${counts.written}, unchanged ${counts.unchanged}${removed}`;
}

/** A running or waiting job's progress so far: `page 2 stored (2,001 entities so far)`. */
function stored(job: Job): string {
  const pages = job.counts?.pages ?? 0;
  return `page ${pages} stored (${job.counts?.fetched ?? 0} entities so far)`;
}

function nextTry(notBefore: string, nowMs: number): string {
  const at = Date.parse(notBefore);
  return Number.isNaN(at) ? "" : `; next try ${formatRelative(at, nowMs)}`;
}

function took(job: Job): string {
  return job.durationMs === undefined ? "" : ` in ${formatDuration(job.durationMs)}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Every field of the record, the state first, times in the formatter's zone. */
export function formatJobBlock(job: Job, nowMs: number, fmt: Formatter): string {
  const { style } = fmt;
  const at = (iso: string | undefined) =>
    iso === undefined
      ? undefined
      : `${formatDateTime(iso, fmt)} ${style.dim(`(${formatRelative(Date.parse(iso), nowMs)})`)}`;
  const params = Object.entries(job.params ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  const rows: [string, string | undefined][] = [
    ["job", style.bold(job.jobId)],
    ["sync", `${job.provider}/${job.syncType}${params ? ` ${params}` : ""}`],
    ["state", describeJobState(job, nowMs, style)],
    ["tenant", job.tenantId],
    ["priority", job.priority && `${job.priority}${job.source ? ` (${job.source})` : ""}`],
    ["attempts", String(job.attempts)],
    ["waits", job.deferrals ? `${job.deferrals} for permits` : undefined],
    ["counts", job.counts && describeCounts(job.counts)],
    ["created", at(job.createdAt)],
    ["started", at(job.startedAt)],
    ["finished", at(job.finishedAt)],
    ["next try", job.finishedAt ? undefined : at(job.notBefore)],
    ["updated", at(job.updatedAt)],
    [
      "last error",
      job.error && job.status !== "failed" ? `${job.error.code}: ${job.error.message}` : undefined,
    ],
    ["resent", job.sweeps ? `${plural(job.sweeps, "time")} by the sweep (message lost)` : undefined],
  ];
  return renderFields(
    rows.filter((row): row is [string, string] => row[1] !== undefined),
    style,
  );
}
