import { DemoApi, type JobWait } from "./demo/api.ts";
import { judgeDemo } from "./demo/judge.ts";
import { runEachTwice } from "./demo/openf1.ts";
import { type RaceFake, raceBrokeOff, runRace } from "./demo/race.ts";
import {
  type DemoFake,
  type DemoProviders,
  type DemoRun,
  type DemoSummary,
  type OnceRuns,
  type ProviderDemo,
  RACE_PROVIDERS,
  type RaceDemo,
  type RaceProvider,
  type RaceRuns,
  type TwiceRuns,
} from "./demo/types.ts";
import { demoConnection, ONCE_NOTE, runEachOnce } from "./demo/zwiftracing.ts";
import type { LocalLog } from "./log.ts";

export { ChildJobIndex } from "./demo/children.ts";
export { judgeDemo } from "./demo/judge.ts";
export { JobProgress } from "./demo/progress.ts";
export { RACE_DEMO_TENANT, type RaceFake } from "./demo/race.ts";
export type * from "./demo/types.ts";
export { childrenEnded, DEMO_CLUB_ID, MANUAL_RIDER_ID } from "./demo/zwiftracing.ts";

export interface DemoOptions {
  readonly api: string;
  readonly token: string;
  /** The time scale the stack runs at, for the summary. */
  readonly timeScale: number;
  /** OpenF1's fake (absent: its base URL is overridden, the demo cannot run it), and its sync types in tier order. */
  readonly openf1?: DemoFake & { readonly syncTypes: readonly string[] };
  readonly zwiftracing?: DemoFake;
  /**
   * The race part: its tenant's token and the race providers' fakes (one absent: its base URL is
   * overridden, and the race reports it cannot run).
   */
  readonly race?: {
    readonly tenantId: string;
    readonly token: string;
    readonly fakes: Partial<Record<RaceProvider, RaceFake>>;
  };
  /** The fan-out children of a job seen so far (the API lists no jobs; the stack's stream does). */
  readonly childJobIds?: (parentJobId: string) => readonly string[];
  /**
   * How long a job may go without progress (a change to its record) before the demo gives up on
   * it; a deferred job's wait until its `notBefore` does not count. @default 30000
   */
  readonly stallMs?: number;
  /** Real time the whole demo may take at most, however its jobs progress. @default 600000 */
  readonly ceilingMs?: number;
  readonly log: LocalLog;
}

/** The summary, and every job the demo started or saw fanned out (for the caller's job lines). */
export interface DemoOutcome {
  readonly summary: DemoSummary;
  readonly jobIds: readonly string[];
}

const DEFAULT_STALL_MS = 30_000;
const DEFAULT_CEILING_MS = 10 * 60_000;

/**
 * The `--once` scenario, through the public API as the default tenant: connect each provider's
 * fake (`POST /connections`), then run OpenF1's sync types by tier twice (the second must write
 * nothing) and ZwiftRacing's once (see ONCE_NOTE), and judge what the fakes counted. Beside them
 * (other fakes, another tenant), a race from registrations to published results (demo/race.ts).
 */
export async function runDemo(options: DemoOptions): Promise<DemoOutcome> {
  const started = Date.now();
  const api = new DemoApi(options.api, options.token);
  const wait: JobWait = {
    deadline: started + (options.ceilingMs ?? DEFAULT_CEILING_MS),
    stallMs: options.stallMs ?? DEFAULT_STALL_MS,
  };
  const { log } = options;

  // Started first and awaited last: the race shares no fake with the others.
  const racing = demoRace(options, wait);
  const openf1 = await demoProvider<TwiceRuns>(api, "openf1", options.openf1, (connectionId) =>
    runEachTwice(api, {
      provider: "openf1",
      connectionId,
      syncTypes: options.openf1?.syncTypes ?? [],
      wait,
      log,
    }),
  );
  const zwiftracing = await demoProvider<OnceRuns>(
    api,
    "zwiftracing",
    options.zwiftracing && {
      ...options.zwiftracing,
      connection: demoConnection(options.zwiftracing.connection),
    },
    (connectionId) =>
      runEachOnce(api, {
        connectionId,
        wait,
        log,
        ...(options.childJobIds ? { childJobIds: options.childJobIds } : {}),
      }),
  );
  const { providers: raceProviders, race } = await racing;
  const providers: DemoProviders = {
    openf1,
    zwiftracing: { ...zwiftracing, note: ONCE_NOTE },
    ...raceProviders,
  };
  const problems = judgeDemo(providers, race);
  return {
    summary: {
      ok: problems.length === 0,
      durationMs: Date.now() - started,
      timeScale: options.timeScale,
      providers,
      race,
      problems,
    },
    jobIds: demoJobIds(providers, options.childJobIds),
  };
}

/** The race part (demo/race.ts), as its own tenant; without `options.race` it reports it could not run. */
async function demoRace(
  options: DemoOptions,
  wait: JobWait,
): Promise<{ providers: Record<RaceProvider, ProviderDemo<RaceRuns>>; race: RaceDemo }> {
  const race = options.race ?? { tenantId: "", token: "", fakes: {} };
  // The others' results stand whatever becomes of the race: its failure is one of its problems.
  return runRace({
    api: new DemoApi(options.api, race.token),
    tenantId: race.tenantId,
    timeScale: options.timeScale,
    fakes: race.fakes,
    wait,
    log: options.log,
  }).catch((error: unknown) => raceBrokeOff(race, error));
}

/** Connects the provider, runs its part, then reads what its fake counted. */
async function demoProvider<Syncs extends TwiceRuns | OnceRuns>(
  api: DemoApi,
  provider: string,
  fake: DemoFake | undefined,
  run: (connectionId: string) => Promise<Syncs>,
): Promise<ProviderDemo<Syncs>> {
  const nothing = { calls: 0, entitiesWritten: 0, rateLimited: 0, syncs: {} as Syncs };
  if (!fake)
    return { ...nothing, problem: `no fake running (PACER_${provider.toUpperCase()}_BASE_URL set?)` };
  const connected = await api.connect(provider, fake.connection);
  if ("problem" in connected) return { ...nothing, problem: connected.problem };
  const syncs = await run(connected.connectionId);
  const stats = fake.stats();
  return {
    connectionId: connected.connectionId,
    calls: stats.requests,
    entitiesWritten: runsOf(syncs).reduce((sum, r) => sum + r.written, 0),
    rateLimited: stats.rateLimited,
    ...(stats.repeated === undefined ? {} : { repeated: stats.repeated }),
    syncs,
  };
}

function runsOf(syncs: TwiceRuns | OnceRuns | RaceRuns): DemoRun[] {
  return Object.values(syncs).flatMap((entry) =>
    "runs" in entry ? [...entry.runs] : "run" in entry ? [entry.run] : [entry.run1, entry.run2],
  );
}

function demoJobIds(providers: DemoProviders, childJobIds: DemoOptions["childJobIds"]): readonly string[] {
  const started = [
    ...runsOf(providers.openf1.syncs),
    ...runsOf(providers.zwiftracing.syncs),
    ...RACE_PROVIDERS.flatMap((provider) => runsOf(providers[provider].syncs)),
  ]
    .map((run) => run.jobId)
    .filter((id): id is string => id !== undefined);
  return [...started, ...started.flatMap((id) => childJobIds?.(id) ?? [])];
}

/**
 * One plain line per provider, for a person: `demo openf1: 9 calls, 120 entities written, 0 429s`
 * (a race provider's also tells what it was sent: `…, 240 pushes, 0 429s`), then the race's.
 */
export function demoLines(summary: DemoSummary): string[] {
  const providers = Object.entries(summary.providers).map(([id, demo]: [string, ProviderDemo<unknown>]) => {
    const pushes = demo.pushes === undefined ? "" : `, ${demo.pushes} pushes`;
    return `demo ${id}: ${demo.calls} calls, ${demo.entitiesWritten} entities written${pushes}, ${demo.rateLimited} 429s`;
  });
  return [...providers, raceLine(summary.race)];
}

/** `demo race (tenant race-demo): 120 participants, 5 from two registrations; publications: …`. */
function raceLine(race: RaceDemo): string {
  const head = `demo race (tenant ${race.tenantId || "none"})`;
  if (race.eventId === undefined) return `${head}: not run${race.problem ? ` (${race.problem})` : ""}`;
  const { count, withTwoSources } = race.participants;
  return `${head}: ${count} participants, ${withTwoSources} from two registrations; publications: ${publicationsPart(race.publications)}`;
}

function publicationsPart(publications: RaceDemo["publications"]): string {
  if (!publications.available) return "not available";
  const { first, second, problem } = publications;
  const parts = [
    first && `first sent ${first.rowsPosted} rows in ${first.jobs.length} jobs`,
    second && `second (unchanged) sent ${second.rowsPosted} rows in ${second.jobs.length} jobs`,
    problem,
  ];
  return parts.filter((part) => part !== undefined).join(", ");
}
