import { DemoApi, type JobWait } from "./demo/api.ts";
import { judgeDemo } from "./demo/judge.ts";
import { runEachTwice } from "./demo/openf1.ts";
import type {
  DemoFake,
  DemoProviders,
  DemoRun,
  DemoSummary,
  OnceRuns,
  ProviderDemo,
  TwiceRuns,
} from "./demo/types.ts";
import { demoConnection, ONCE_NOTE, runEachOnce } from "./demo/zwiftracing.ts";
import type { LocalLog } from "./log.ts";

export { ChildJobIndex } from "./demo/children.ts";
export { judgeDemo } from "./demo/judge.ts";
export { JobProgress } from "./demo/progress.ts";
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
 * nothing) and ZwiftRacing's once (see ONCE_NOTE), and judge what the fakes counted.
 */
export async function runDemo(options: DemoOptions): Promise<DemoOutcome> {
  const started = Date.now();
  const api = new DemoApi(options.api, options.token);
  const wait: JobWait = {
    deadline: started + (options.ceilingMs ?? DEFAULT_CEILING_MS),
    stallMs: options.stallMs ?? DEFAULT_STALL_MS,
  };
  const { log } = options;

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
  const providers: DemoProviders = { openf1, zwiftracing: { ...zwiftracing, note: ONCE_NOTE } };
  const problems = judgeDemo(providers);
  return {
    summary: {
      ok: problems.length === 0,
      durationMs: Date.now() - started,
      timeScale: options.timeScale,
      providers,
      problems,
    },
    jobIds: demoJobIds(providers, options.childJobIds),
  };
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

function runsOf(syncs: TwiceRuns | OnceRuns): DemoRun[] {
  return Object.values(syncs).flatMap((entry) => ("run" in entry ? [entry.run] : [entry.run1, entry.run2]));
}

function demoJobIds(providers: DemoProviders, childJobIds: DemoOptions["childJobIds"]): readonly string[] {
  const started = [...runsOf(providers.openf1.syncs), ...runsOf(providers.zwiftracing.syncs)]
    .map((run) => run.jobId)
    .filter((id): id is string => id !== undefined);
  return [...started, ...started.flatMap((id) => childJobIds?.(id) ?? [])];
}

/** One plain line per provider, for a person: `demo openf1: 9 calls, 120 entities written, 0 429s`. */
export function demoLines(summary: DemoSummary): string[] {
  return Object.entries(summary.providers).map(
    ([id, demo]: [string, ProviderDemo<unknown>]) =>
      `demo ${id}: ${demo.calls} calls, ${demo.entitiesWritten} entities written, ${demo.rateLimited} 429s`,
  );
}
