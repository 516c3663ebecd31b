/**
 * The fault suite, `npm run chaos`: every fault kind against the local stack with OpenF1 replaced
 * by a misbehaving server (test/chaos/fault-server.ts). Prints one JSON line per fault kind and a
 * summary line on stdout (logs on stderr); exits 1 if any job was lost, applied twice, still running
 * at its phase's deadline, dead-lettered without a reason, or if any call broke a limit or reached
 * a cross-host redirect's target. `--jobs N` sets the jobs per phase (default 3); `--only a,b`
 * runs only the named fault kinds. With CHAOS_TRACE=1, each job's provider calls and end go to stderr;
 * with CHAOS_VERBOSE=1, every handler's log too.
 */
import { finalVerdict, type Harness, type Phase, runPhase, startHarness } from "./harness.ts";
import type { ChaosJob } from "./observe.ts";
import { allPhases } from "./scenarios.ts";
import { failures, type PhaseResult, summarize } from "./summary.ts";

const log = (line: string) => process.stderr.write(`[chaos] ${line}\n`);

function jobsPerPhase(args: readonly string[]): number {
  const at = args.indexOf("--jobs");
  if (at === -1) return 3;
  const n = Number(args[at + 1]);
  if (!Number.isInteger(n) || n < 1 || n > 10) throw new Error(`--jobs takes 1 to 10, got ${args[at + 1]}`);
  return n;
}

function selected(args: readonly string[], phases: readonly Phase[]): Phase[] {
  const at = args.indexOf("--only");
  if (at === -1) return [...phases];
  const names = new Set((args[at + 1] ?? "").split(","));
  const unknown = [...names].filter((name) => !phases.some((phase) => phase.fault === name));
  if (unknown.length > 0) throw new Error(`--only: unknown fault kinds ${unknown.join(", ")}`);
  return phases.filter((phase) => names.has(phase.fault));
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const phases = selected(args, allPhases(jobsPerPhase(args)));
  const started = Date.now();
  log("starting the fault server and the local stack");
  const harness: Harness = await startHarness(log);
  const results: PhaseResult[] = [];
  const jobs: ChaosJob[] = [];
  try {
    for (const phase of phases) {
      log(`${phase.fault}: ${phase.jobs.length} jobs`);
      const outcome = await runPhase(harness, phase);
      results.push(outcome.result);
      jobs.push(...outcome.jobs);
      process.stdout.write(`${JSON.stringify(outcome.result)}\n`);
      if (process.env.CHAOS_TRACE) trace(harness, outcome.jobs);
    }
    const verdict = await finalVerdict(harness, jobs);
    if (verdict.lostJobs.length > 0) log(`lost by the end: ${verdict.lostJobs.join(", ")}`);
    if (verdict.duplicateJobs.length > 0) log(`applied twice: ${verdict.duplicateJobs.join(", ")}`);
    const summary = summarize(results, verdict, {
      callsBeyondLimit: harness.server.beyondLimit(),
      crossHostCalls: harness.server.otherHostCalls(),
      durationMs: Date.now() - started,
    });
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    const broken = failures(summary);
    if (broken.length > 0) log(`FAILED: ${broken.join(", ")}`);
    return broken.length > 0 ? 1 : 0;
  } finally {
    await harness.stop();
  }
}

/** Each job's story: when it was started, what each of its calls was answered, how it ended. */
function trace(harness: Harness, jobs: readonly ChaosJob[]): void {
  for (const job of jobs) {
    const at = (ms: number) => `+${ms - job.triggeredAt}ms`;
    const calls = harness.server.callsFor(job.key).map((call) => `${at(call.at)} ${call.answer}`);
    const { status, error, dlq, endedAt } = harness.observer.evidence(job);
    const endings = harness.endings.endingsOf(job.tenantId, job.jobId);
    const end = `${endedAt === undefined ? "not ended" : `ended ${at(endedAt)}`}${endings > 1 ? ` (ended ${endings} times)` : ""}`;
    log(
      `  ${job.via} ${job.jobId}: [${calls.join(", ")}] ${status ?? "no record"} ${end}` +
        `${error ? ` ${error.code}: ${error.message}` : ""}${dlq ? ` dlq=${JSON.stringify(dlq)}` : ""}`,
    );
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`the chaos run broke: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
