import type { JobLog } from "./job-log.ts";
import { summary } from "./stats.ts";

/** One read as it happened: what it read, and the refresh job its answer named, if any. */
export interface ReadRecord {
  readonly at: number;
  readonly dataKind: string;
  readonly subject: string;
  readonly targetMs: number;
  readonly availableSince: number;
  readonly refreshJobId?: string;
}

/**
 * The age of the data a read showed, in ms, and whether it had any:
 * - the answer named no refresh: now − the subject's last success (never synced: now − since when
 *   the provider has had the data);
 * - it named one: the page waits for it, as a real one does over the WebSocket, at most the
 *   target; the age is the wait until the subject's next success, or, when none came within the
 *   target, the age the data had at that bound.
 */
export function ageAtRead(read: ReadRecord, log: JobLog): { ageMs: number; missing: boolean } {
  if (read.refreshJobId !== undefined) {
    const bound = read.at + read.targetMs;
    const refreshed = log.firstSuccess(read.subject, read.at, bound);
    if (refreshed !== undefined) return { ageMs: refreshed - read.at, missing: false };
    const last = log.lastSuccess(read.subject, bound);
    return last === undefined
      ? { ageMs: bound - read.availableSince, missing: true }
      : { ageMs: bound - last, missing: false };
  }
  const last = log.lastSuccess(read.subject, read.at);
  return last === undefined
    ? { ageMs: read.at - read.availableSince, missing: true }
    : { ageMs: read.at - last, missing: false };
}

export interface AgeSummary {
  /** The median of the reads' targets (a kind's target may depend on the read, e.g. signups). */
  readonly targetSeconds: number | null;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly worst: number | null;
  readonly reads: number;
  /** Reads whose data was older than their own target. */
  readonly overTarget: number;
  /** Reads of data never synced before them. */
  readonly missing: number;
  /** p95 of age ÷ the read's own target: ≤ 1 means 95 % of reads were within their target. */
  readonly p95OfTarget: number | null;
  /** Reads that named a refresh job (on-read refresh). */
  readonly refreshed: number;
}

/** Per data kind, and `all`: seconds. */
export function readAgeSummary(reads: readonly ReadRecord[], log: JobLog): Record<string, AgeSummary> {
  const kinds = [...new Set(reads.map((r) => r.dataKind))].sort();
  const result: Record<string, AgeSummary> = {};
  for (const kind of [...kinds, "all"]) {
    const chosen = kind === "all" ? reads : reads.filter((r) => r.dataKind === kind);
    const aged = chosen.map((read) => ({ read, ...ageAtRead(read, log) }));
    const targets = chosen.map((r) => r.targetMs / 1000).sort((a, b) => a - b);
    const ratio = summary(
      aged.map((a) => a.ageMs / a.read.targetMs),
      2,
    );
    result[kind] = {
      targetSeconds: kind === "all" ? null : (targets[Math.floor(targets.length / 2)] ?? null),
      ...summary(aged.map((a) => a.ageMs / 1000)),
      reads: chosen.length,
      overTarget: aged.filter((a) => a.ageMs > a.read.targetMs).length,
      missing: aged.filter((a) => a.missing).length,
      p95OfTarget: ratio.p95,
      refreshed: chosen.filter((r) => r.refreshJobId !== undefined).length,
    };
  }
  return result;
}

/** A manual trigger: when it was asked, and the job it got. */
export interface ManualRecord {
  readonly at: number;
  readonly jobId: string | undefined;
}

/** Seconds from each manual trigger to its job's success; a job not done by `endMs` counts until then. */
export function manualLatency(triggers: readonly ManualRecord[], log: JobLog, endMs: number) {
  const latencies = triggers.map((t) => {
    const ended = t.jobId === undefined ? undefined : log.ended(t.jobId);
    return ((ended?.status === "succeeded" ? ended.at : endMs) - t.at) / 1000;
  });
  return { ...summary(latencies), n: triggers.length };
}
