import {
  type DemoProviders,
  type DemoRun,
  type ProviderDemo,
  RACE_PROVIDERS,
  type RaceDemo,
} from "./types.ts";

/**
 * What makes the demo fail: a provider it could not demo, a job that did not succeed, a first run
 * that wrote nothing, an OpenF1 second run that wrote anything (the fakes' live feeds are frozen
 * for the demo, so it sees exactly the data the first one stored), any 429, a ZwiftRacing call
 * repeated, and the race's own faults (see {@link raceProblems}).
 */
export function judgeDemo(providers: DemoProviders, race: RaceDemo): string[] {
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
  for (const provider of RACE_PROVIDERS)
    for (const [syncType, { runs }] of Object.entries(providers[provider].syncs))
      for (const run of runs)
        runProblems(problems, `${provider}/${syncType}`, run, {
          mayWriteNothing: true,
          // A push turned away by one of the same event still running (it runs once more for it).
          maySkip: provider === "chronotrack" && syncType === "participants",
        });
  for (const [id, demo] of Object.entries(providers) as [string, ProviderDemo<unknown>][]) {
    if (demo.problem !== undefined) problems.push(`${id}: ${demo.problem}`);
    if (demo.rateLimited > 0) problems.push(`the ${id} fake answered ${demo.rateLimited} requests with 429`);
    if ((demo.repeated ?? 0) > 0)
      problems.push(`the ${id} fake saw ${demo.repeated} calls repeat one it had answered`);
  }
  problems.push(...raceProblems(providers, race));
  return problems;
}

/**
 * The race's faults beyond its jobs and 429s: a step it could not take, no runner unified from
 * two registrations, nothing pushed to ChronoTrack, and — once publications exist — a first
 * publication that sent nothing or a second one, of unchanged results, that sent anything.
 */
function raceProblems(providers: DemoProviders, race: RaceDemo): string[] {
  const problems: string[] = [];
  if (race.problem !== undefined) problems.push(`race: ${race.problem}`);
  if (race.eventId === undefined) return problems;
  if (race.participants.withTwoSources === 0)
    problems.push(`race: none of the ${race.participants.count} participants came from two registrations`);
  if ((providers.chronotrack.pushes ?? 0) === 0) problems.push("race: nothing was pushed to ChronoTrack");
  const publications = race.publications;
  if (!publications.available) return problems;
  if (publications.problem !== undefined) problems.push(`race publications: ${publications.problem}`);
  const { first, second } = publications;
  if (first && (first.jobs.length === 0 || first.rowsPosted === 0))
    problems.push(
      `race publications: the first approval sent nothing (${first.jobs.length} jobs, ${first.rowsPosted} rows)`,
    );
  if (second && (second.jobs.length > 0 || second.rowsPosted > 0))
    problems.push(
      `race publications: the second approval, of unchanged results, sent something (${second.jobs.length} jobs, ${second.rowsPosted} rows)`,
    );
  return problems;
}

function runProblems(
  problems: string[],
  name: string,
  run: DemoRun,
  { mayWriteNothing = false, maySkip = false } = {},
): void {
  if (maySkip && run.status === "skipped") return;
  if (run.status !== "succeeded")
    problems.push(`${name}: ${run.status}${run.detail ? ` (${run.detail})` : ""}`);
  else if (!mayWriteNothing && run.written === 0) problems.push(`${name} wrote nothing`);
}
