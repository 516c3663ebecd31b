import { describe, expect, it } from "vitest";
import { FRESHNESS_MONITOR_PERIOD } from "../../../lib/constructs/freshness-monitor.ts";
import { JOB_SWEEP_PERIOD } from "../../../lib/constructs/job-sweeper.ts";
import { RACE_CLOCK_PERIOD } from "../../../lib/constructs/race-clock.ts";
import { PERIODS_MS } from "../../../sim/periods.ts";

describe("the simulator's periodic functions", () => {
  it("fire at the periods the CDK deploys them with", () => {
    expect(PERIODS_MS).toMatchObject({
      freshness: FRESHNESS_MONITOR_PERIOD.toMilliseconds(),
      sweeper: JOB_SWEEP_PERIOD.toMilliseconds(),
      raceClock: RACE_CLOCK_PERIOD.toMilliseconds(),
    });
  });
});
