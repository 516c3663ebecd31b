import type { LocalLog } from "../log.ts";
import type { DemoApi, JobWait } from "./api.ts";
import type { DemoRun, TwiceRuns } from "./types.ts";

export interface TwiceOptions {
  readonly provider: string;
  readonly connectionId: string;
  /** In tier order: later tiers read what earlier ones stored (weather needs the live session). */
  readonly syncTypes: readonly string[];
  readonly wait: JobWait;
  readonly log: LocalLog;
}

/**
 * Every sync type by tier, then the same again. The fakes' live feeds are frozen for the demo, so
 * the second round sees exactly the data the first one stored and must write nothing.
 */
export async function runEachTwice(api: DemoApi, options: TwiceOptions): Promise<TwiceRuns> {
  const rounds: Record<string, DemoRun>[] = [];
  for (const round of [1, 2]) {
    const runs: Record<string, DemoRun> = {};
    for (const syncType of options.syncTypes) {
      const run = await api.run(
        { provider: options.provider, syncType, connectionId: options.connectionId },
        options.wait,
      );
      runs[syncType] = run;
      options.log.info(`demo run ${round} ${options.provider}/${syncType}: ${describeRun(run)}`);
    }
    rounds.push(runs);
  }
  return Object.fromEntries(
    options.syncTypes.map((syncType) => [
      syncType,
      { run1: rounds[0]?.[syncType] as DemoRun, run2: rounds[1]?.[syncType] as DemoRun },
    ]),
  );
}

export function describeRun(run: DemoRun): string {
  return `${run.status}, fetched ${run.fetched}, written ${run.written}, unchanged ${run.unchanged}`;
}
