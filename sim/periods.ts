/**
 * The deployed periods of the functions Pacer's own schedules run (lib/constructs: freshness-monitor,
 * job-sweeper, race-clock; test/unit/sim/periods.test.ts holds them to those constants, without
 * loading the CDK here). A function in FUNCTIONS that is none of these and no API or stream
 * handler is taken for a clock too, and runs every DEFAULT_PERIOD_MS unless listed here.
 */
export const PERIODS_MS: Readonly<Partial<Record<string, number>>> = {
  freshness: 5 * 60_000,
  sweeper: 5 * 60_000,
  raceClock: 5 * 60_000,
};

export const DEFAULT_PERIOD_MS = 5 * 60_000;

/** Functions something other than a clock invokes. */
export const NOT_PERIODIC: ReadonlySet<string> = new Set(["api", "authorizer", "websocket", "broadcaster"]);
