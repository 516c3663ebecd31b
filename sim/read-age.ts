import type { JobLog } from "./job-log.ts";
import { summary } from "./stats.ts";

/** One read as it happened: what it read, and the refresh job its answer named, if any. */
export interface ReadRecord {
  readonly at: number;
  readonly dataKind: string;
  readonly subject: string;
  readonly targetMs: number;
  readonly availableSince: number;
  /** From when the provider's answer is final (see ReadAction.settledAt). */
  readonly settledAt?: number;
  readonly refreshJobId?: string;
}

/**
 * The age of the data a read showed, in ms, and whether it had any:
 * - the answer named no refresh: now − the subject's last success (never synced: now − since when
 *   the provider has had the data); 0 when that success came after the provider's answer settled
 *   (final results fetched an hour ago are not an hour behind the provider);
 * - it named one: the page waits for it, as a real one does over the WebSocket, at most the
 *   target; the age is the wait until the subject's next success, or, when none came within the
 *   target, the age the data had at that bound.
 */
export function ageAtRead(read: ReadRecord, log: JobLog): { ageMs: number; missing: boolean } {
  if (read.refreshJobId !== undefined) {
    const bound = read.at + read.targetMs;
    const refreshed = log.firstSuccess(read.subject, read.at, bound);
    if (refreshed !== undefined) return { ageMs: refreshed - read.at, missing: false };
    return agedAt(read, log, bound);
  }
  return agedAt(read, log, read.at);
}

/** The age at `at` of the data the subject's last success before it stored. */
function agedAt(read: ReadRecord, log: JobLog, at: number): { ageMs: number; missing: boolean } {
  const last = log.lastSuccess(read.subject, at);
  if (last === undefined) return { ageMs: at - read.availableSince, missing: true };
  const final = read.settledAt !== undefined && last >= read.settledAt;
  return { ageMs: final ? 0 : at - last, missing: false };
}

/** The reads older than their own target, for a look at why (SIM_DEBUG): when, what, how old. */
export function overTargetReads(reads: readonly ReadRecord[], log: JobLog): Record<string, unknown>[] {
  return reads.flatMap((read) => {
    const { ageMs, missing } = ageAtRead(read, log);
    if (ageMs <= read.targetMs) return [];
    const next = log.firstSuccess(read.subject, read.at, Number.POSITIVE_INFINITY);
    return [
      {
        at: new Date(read.at).toISOString(),
        subject: read.subject,
        targetSeconds: read.targetMs / 1000,
        ageSeconds: Math.round(ageMs / 1000),
        missing,
        refreshJobId: read.refreshJobId ?? null,
        nextSuccessAfterSeconds: next === undefined ? null : Math.round((next - read.at) / 1000),
      },
    ];
  });
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
