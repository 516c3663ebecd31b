import type { DemoProviders, DemoRun, ProviderDemo } from "./types.ts";

/**
 * What makes the demo fail: a provider it could not demo, a job that did not succeed, a first run
 * that wrote nothing, an OpenF1 second run that wrote anything (the fakes' live feeds are frozen
 * for the demo, so it sees exactly the data the first one stored), any 429, and a ZwiftRacing call
 * repeated.
 */
export function judgeDemo(providers: DemoProviders): string[] {
  const problems: string[] = [];
  const { openf1, zwiftracing } = providers;
  for (const [syncType, { run1, run2 }] of Object.entries(openf1.syncs)) {
    runProblems(problems, `openf1/${syncType} run 1`, run1);
    runProblems(problems, `openf1/${syncType} run 2`, run2, { mayWriteNothing: true });
    if (run2.written > 0)
      problems.push(
        `openf1/${syncType} run 2 wrote ${run2.written} records; the same data should write none`,
      );
  }
  for (const [syncType, { run }] of Object.entries(zwiftracing.syncs))
    runProblems(problems, `zwiftracing/${syncType}`, run);
  for (const [id, demo] of Object.entries(providers) as [string, ProviderDemo<unknown>][]) {
    if (demo.problem !== undefined) problems.push(`${id}: ${demo.problem}`);
    if (demo.rateLimited > 0) problems.push(`the ${id} fake answered ${demo.rateLimited} requests with 429`);
    if ((demo.repeated ?? 0) > 0)
      problems.push(`the ${id} fake saw ${demo.repeated} calls repeat one it had answered`);
  }
  return problems;
}

function runProblems(problems: string[], name: string, run: DemoRun, { mayWriteNothing = false } = {}): void {
  if (run.status !== "succeeded")
    problems.push(`${name}: ${run.status}${run.detail ? ` (${run.detail})` : ""}`);
  else if (!mayWriteNothing && run.written === 0) problems.push(`${name} wrote nothing`);
}
