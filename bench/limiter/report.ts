import type { LimiterName } from "./limiters.ts";
import type { ProcessReport } from "./protocol.ts";
import type { Scenario } from "./scenarios.ts";
import { allowedCalls, percentile, ratio, rounded, utilization } from "./stats.ts";
import type { ProviderTally } from "./strict-provider.ts";

/** One stdout line per scenario and limiter. */
export interface RunLine {
  readonly scenario: string;
  readonly limiter: LimiterName;
  /** Calls the workers made (permits they dropped as stale are not calls). */
  readonly granted: number;
  /** Calls the strict provider answered 429. */
  readonly violations: number;
  readonly utilization: number | null;
  readonly p50AcquireMs: number | null;
  readonly p99AcquireMs: number | null;
  readonly wcuPerGrant: number | null;
  readonly conditionalFailuresPerGrant: number | null;
  /** Only in scenarios with high-priority workers: their p99 time from asking to calling. */
  readonly highPriorityP99WaitMs: number | null;
  /** W / N: the spacing of calls at the limits' sustained rate (the slowest limit's). */
  readonly limitSpacingMs: number;
  // Context for reading the numbers above.
  readonly allowed: number;
  readonly measuredMs: number;
  readonly refusals: number;
  readonly stalePermits: number;
  readonly errors: number;
}

export interface RunOutcome {
  readonly scenario: Scenario;
  readonly limiter: LimiterName;
  readonly reports: readonly ProcessReport[];
  readonly provider: ProviderTally;
  /** No call started at or after this moment (epoch ms). */
  readonly deadline: number;
}

/**
 * The line for one run. The measured duration runs from the provider's first call to the
 * deadline, so worker start-up does not count against utilization.
 */
export function runLine({ scenario, limiter, reports, provider, deadline }: RunOutcome): RunLine {
  const calls = reports.flatMap((report) => report.calls);
  const granted = calls.length;
  const measuredMs = provider.firstCallAt === undefined ? 0 : Math.max(0, deadline - provider.firstCallAt);
  const wcu = sum(reports.map((report) => report.writes.wcu));
  const conditionalFailures = sum(reports.map((report) => report.writes.conditionalFailures));
  const acquireMs = calls.map((call) => call.acquireMs);
  const hasHigh = scenario.workers.some((worker) => worker.priority === "high");
  const highWaits = calls.filter((call) => call.priority === "high").map((call) => call.acquireMs);
  return {
    scenario: scenario.name,
    limiter,
    granted,
    violations: provider.rejected,
    utilization: rounded(utilization(granted, scenario.limits, measuredMs), 3),
    p50AcquireMs: rounded(percentile(acquireMs, 50), 0),
    p99AcquireMs: rounded(percentile(acquireMs, 99), 0),
    wcuPerGrant: rounded(ratio(wcu, granted), 2),
    conditionalFailuresPerGrant: rounded(ratio(conditionalFailures, granted), 2),
    highPriorityP99WaitMs: hasHigh ? rounded(percentile(highWaits, 99), 0) : null,
    limitSpacingMs: Math.max(...scenario.limits.map((limit) => limit.perMs / limit.calls)),
    allowed: rounded(allowedCalls(scenario.limits, measuredMs), 1) ?? 0,
    measuredMs,
    refusals: sum(reports.map((report) => report.refusals)),
    stalePermits: sum(reports.map((report) => report.stalePermits)),
    errors: sum(reports.map((report) => report.errors)),
  };
}

export interface Summary {
  readonly summary: true;
  /** Pacer's worst figures over every scenario (null when Pacer did not run or had no data). */
  readonly pacer: {
    readonly worstViolations: number | null;
    readonly lowestUtilization: number | null;
    readonly worstWcuPerGrant: number | null;
    /** Per scenario with high-priority workers: their p99 wait next to the limit's spacing W / N. */
    readonly highPriority: Readonly<
      Record<string, { readonly p99WaitMs: number; readonly limitSpacingMs: number }>
    >;
  };
  /** Pause between two limiter runs (ms). */
  readonly spacingMs: number;
  /** Length of each limiter run (ms), from the common start to the deadline. */
  readonly durationMs: number;
  /** Wall time of the whole benchmark, start-up included (ms). */
  readonly totalMs: number;
}

export function summarize(
  lines: readonly RunLine[],
  timing: { readonly spacingMs: number; readonly durationMs: number; readonly totalMs: number },
): Summary {
  const pacer = lines.filter((line) => line.limiter === "pacer");
  const worst = (values: (number | null)[], pick: (...v: number[]) => number) => {
    const present = values.filter((v): v is number => v !== null);
    return present.length > 0 ? pick(...present) : null;
  };
  return {
    summary: true,
    pacer: {
      worstViolations: worst(
        pacer.map((line) => line.violations),
        Math.max,
      ),
      lowestUtilization: worst(
        pacer.map((line) => line.utilization),
        Math.min,
      ),
      worstWcuPerGrant: worst(
        pacer.map((line) => line.wcuPerGrant),
        Math.max,
      ),
      highPriority: Object.fromEntries(
        pacer.flatMap((line) =>
          line.highPriorityP99WaitMs === null
            ? []
            : [
                [
                  line.scenario,
                  { p99WaitMs: line.highPriorityP99WaitMs, limitSpacingMs: line.limitSpacingMs },
                ],
              ],
        ),
      ),
    },
    ...timing,
  };
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
