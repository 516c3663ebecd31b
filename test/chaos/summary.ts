import type { ProviderCall } from "./fault-server.ts";
import type { ChaosJob, JobEvidence } from "./observe.ts";

/** One fault kind's line. The first ten fields are the contract; the rest explain them. */
export interface PhaseResult {
  readonly fault: string;
  readonly jobs: number;
  readonly succeeded: number;
  readonly deadLettered: number;
  /** Dead-lettered jobs by error code ("NONE": no code anywhere). */
  readonly reasons: Record<string, number>;
  readonly lost: number;
  readonly duplicatesApplied: number;
  readonly stillRunning: number;
  readonly callsBeyondLimit: number;
  readonly longestToEndMs: number;
  readonly deadLetteredWithoutReason: number;
  readonly skippedJobs: number;
  /** Calls that reached the other host of a cross-host redirect. */
  readonly crossHostCalls: number;
  readonly providerCalls: number;
  /** How long the phase ran, waiting for its jobs included. */
  readonly durationMs: number;
  readonly notes?: Record<string, number | string>;
}

/** The run's jobs judged at its end. */
export interface Verdict {
  readonly lost: number;
  readonly duplicatesApplied: number;
  /** The jobs behind those numbers, for a human to follow up. */
  readonly lostJobs: readonly string[];
  readonly duplicateJobs: readonly string[];
}

/** What decides a job's verdict, gathered by the harness. */
export interface JobFacts {
  readonly job: ChaosJob;
  readonly evidence: JobEvidence;
  /** Whether a message for it waits or is in flight on a queue; undefined: the queues could not be read. */
  readonly queued: boolean | undefined;
  /** Its provider calls, in order. */
  readonly calls: readonly ProviderCall[];
  /** Distinct times its record entered an end state. */
  readonly endings: number;
}

export type JobVerdict = "succeeded" | "skipped" | "deadLettered" | "lost" | "stillRunning";

export function verdictOf(facts: JobFacts): JobVerdict {
  const { evidence } = facts;
  if (evidence.status === "succeeded") return "succeeded";
  if (evidence.status === "skipped") return "skipped";
  if (evidence.status === "failed" || evidence.dlq !== undefined) return "deadLettered";
  // Unreadable queues prove nothing: not lost until a message is known to be gone.
  return facts.queued === false ? "lost" : "stillRunning";
}

/**
 * A job's work applied more than once: its record entered an end state twice (seen on the data
 * table's stream), or the provider was called for it after its record said it had succeeded or
 * been skipped. Provider calls carry the job's own session_key, and the server stamps them on
 * arrival with the same clock the worker uses for finishedAt, which it writes only after the
 * call returned: a later call is a re-run, never the run itself.
 */
export function appliedTwice(facts: JobFacts): boolean {
  if (facts.endings > 1) return true;
  const { status, finishedAt } = facts.evidence;
  if ((status !== "succeeded" && status !== "skipped") || finishedAt === undefined) return false;
  return facts.calls.some((call) => call.at > finishedAt);
}

export function hasReason(evidence: JobEvidence): boolean {
  const inRecord = Boolean(evidence.error?.code && evidence.error?.message);
  const inDlq = Boolean(evidence.dlq?.reason && evidence.dlq?.errorCode);
  return inRecord || inDlq;
}

/** The phase's line from its jobs' facts at its deadline, and the phase-wide counters. */
export function phaseResult(
  fault: string,
  facts: readonly JobFacts[],
  counters: {
    readonly callsBeyondLimit: number;
    readonly crossHostCalls: number;
    readonly durationMs: number;
    readonly notes?: Record<string, number | string>;
  },
): PhaseResult {
  const count = { succeeded: 0, skipped: 0, deadLettered: 0, lost: 0, stillRunning: 0 };
  const reasons: Record<string, number> = {};
  let withoutReason = 0;
  let duplicates = 0;
  let longest = 0;
  for (const fact of facts) {
    const verdict = verdictOf(fact);
    count[verdict]++;
    if (verdict === "deadLettered") {
      const code = fact.evidence.error?.code ?? fact.evidence.dlq?.errorCode ?? "NONE";
      reasons[code] = (reasons[code] ?? 0) + 1;
      if (!hasReason(fact.evidence)) withoutReason++;
    }
    if (appliedTwice(fact)) duplicates++;
    if (fact.evidence.endedAt !== undefined) {
      longest = Math.max(longest, fact.evidence.endedAt - fact.job.triggeredAt);
    }
  }
  return {
    fault,
    jobs: facts.length,
    succeeded: count.succeeded,
    deadLettered: count.deadLettered,
    reasons,
    lost: count.lost,
    duplicatesApplied: duplicates,
    stillRunning: count.stillRunning,
    callsBeyondLimit: counters.callsBeyondLimit,
    longestToEndMs: Math.round(longest),
    deadLetteredWithoutReason: withoutReason,
    skippedJobs: count.skipped,
    crossHostCalls: counters.crossHostCalls,
    providerCalls: facts.reduce((sum, fact) => sum + fact.calls.length, 0),
    durationMs: Math.round(counters.durationMs),
    ...(counters.notes && Object.keys(counters.notes).length > 0 ? { notes: counters.notes } : {}),
  };
}

export interface Summary {
  readonly summary: true;
  readonly jobs: number;
  readonly succeeded: number;
  readonly deadLettered: number;
  readonly deadLetteredWithoutReason: number;
  readonly lost: number;
  readonly duplicatesApplied: number;
  readonly stillRunning: number;
  readonly callsBeyondLimit: number;
  readonly longestToEndMs: number;
  readonly crossHostCalls: number;
  readonly durationMs: number;
}

/**
 * The run's summary. `lost` and `duplicatesApplied` are judged again at the very end ("lost" means
 * no message anywhere by the end; a duplicate may arrive after its phase): a job lost at its
 * phase's deadline but re-queued later (the stale-job sweep) counts as still running instead,
 * since it did miss its deadline.
 */
export function summarize(
  phases: readonly PhaseResult[],
  final: Verdict,
  totals: { readonly callsBeyondLimit: number; readonly crossHostCalls: number; readonly durationMs: number },
): Summary {
  const sum = (pick: (phase: PhaseResult) => number) =>
    phases.reduce((total, phase) => total + pick(phase), 0);
  const unendedAtDeadline = sum((phase) => phase.lost + phase.stillRunning);
  return {
    summary: true,
    jobs: sum((phase) => phase.jobs),
    succeeded: sum((phase) => phase.succeeded),
    deadLettered: sum((phase) => phase.deadLettered),
    deadLetteredWithoutReason: sum((phase) => phase.deadLetteredWithoutReason),
    lost: final.lost,
    duplicatesApplied: Math.max(
      final.duplicatesApplied,
      sum((phase) => phase.duplicatesApplied),
    ),
    stillRunning: Math.max(0, unendedAtDeadline - final.lost),
    callsBeyondLimit: totals.callsBeyondLimit,
    longestToEndMs: Math.max(0, ...phases.map((phase) => phase.longestToEndMs)),
    crossHostCalls: totals.crossHostCalls,
    durationMs: totals.durationMs,
  };
}

/** The run fails on any of these: each is a broken promise of the product, not an unlucky fault. */
export function failures(summary: Summary): string[] {
  const checks: [keyof Summary, number][] = [
    ["lost", summary.lost],
    ["duplicatesApplied", summary.duplicatesApplied],
    ["stillRunning", summary.stillRunning],
    ["callsBeyondLimit", summary.callsBeyondLimit],
    ["deadLetteredWithoutReason", summary.deadLetteredWithoutReason],
    ["crossHostCalls", summary.crossHostCalls],
  ];
  return checks.filter(([, value]) => value !== 0).map(([name, value]) => `${name}: ${value}`);
}
