import { describe, expect, it } from "vitest";
import type { ProcessReport } from "../../../bench/limiter/protocol.ts";
import { runLine, summarize } from "../../../bench/limiter/report.ts";
import { SCENARIOS } from "../../../bench/limiter/scenarios.ts";
import type { CallRecord } from "../../../bench/limiter/worker-loop.ts";

const scenario = (name: string) => {
  const found = SCENARIOS.find((s) => s.name === name);
  if (!found) throw new Error(`no scenario ${name}`);
  return found;
};

function report(calls: CallRecord[], wcu: number, conditionalFailures: number): ProcessReport {
  return {
    calls,
    refusals: 2,
    stalePermits: 1,
    errors: 0,
    errorSamples: [],
    writes: { wcu, writes: calls.length, conditionalFailures },
  };
}

const normal = (acquireMs: number): CallRecord => ({ priority: "normal", acquireMs, status: 200 });

describe("a limiter run's line", () => {
  it("counts the calls workers made across processes, and the provider's 429s as violations", () => {
    // Prepare: 60 calls over the 12 s from the first call, 10 per 2 s allows exactly 60.
    const calls = Array.from({ length: 60 }, (_, i) => normal(i));

    // Act
    const line = runLine({
      scenario: scenario("one-limit"),
      limiter: "pacer",
      reports: [report(calls.slice(0, 30), 40, 10), report(calls.slice(30), 50, 20)],
      provider: { accepted: 58, rejected: 2, firstCallAt: 1_000 },
      deadline: 13_000,
    });

    // Assess
    expect(line).toMatchObject({
      scenario: "one-limit",
      limiter: "pacer",
      granted: 60,
      violations: 2,
      utilization: 1,
      p50AcquireMs: 29,
      p99AcquireMs: 59,
      wcuPerGrant: 1.5,
      conditionalFailuresPerGrant: 0.5,
      highPriorityP99WaitMs: null,
      measuredMs: 12_000,
      refusals: 4,
      stalePermits: 2,
    });
  });

  it("gives the high-priority p99 wait only where high workers run", () => {
    const calls: CallRecord[] = [
      ...Array.from({ length: 50 }, (_, i) => ({
        priority: "low" as const,
        acquireMs: 5_000 + i,
        status: 200,
      })),
      { priority: "high", acquireMs: 12, status: 200 },
      { priority: "high", acquireMs: 340, status: 200 },
    ];

    const line = runLine({
      scenario: scenario("mixed-priority"),
      limiter: "pacer",
      reports: [report(calls, 52, 0)],
      provider: { accepted: 52, rejected: 0, firstCallAt: 0 },
      deadline: 6_000,
    });

    expect(line.highPriorityP99WaitMs).toBe(340);
    expect(line.limitSpacingMs).toBe(50);
  });

  it("has no utilization or costs when no call was made", () => {
    const line = runLine({
      scenario: scenario("two-limits"),
      limiter: "token-bucket",
      reports: [report([], 0, 0)],
      provider: { accepted: 0, rejected: 0, firstCallAt: undefined },
      deadline: 6_000,
    });

    expect(line).toMatchObject({ granted: 0, utilization: null, wcuPerGrant: null, p99AcquireMs: null });
  });
});

describe("the summary line", () => {
  it("keeps Pacer's worst figures and ignores the other limiters", () => {
    const base = {
      granted: 1,
      p50AcquireMs: 1,
      p99AcquireMs: 1,
      conditionalFailuresPerGrant: 0,
      allowed: 1,
      measuredMs: 1,
      refusals: 0,
      stalePermits: 0,
      errors: 0,
    };
    const lines = [
      {
        ...base,
        scenario: "one-limit",
        limiter: "pacer" as const,
        violations: 0,
        utilization: 0.9,
        wcuPerGrant: 1.2,
        highPriorityP99WaitMs: null,
        limitSpacingMs: 200,
      },
      {
        ...base,
        scenario: "mixed-priority",
        limiter: "pacer" as const,
        violations: 1,
        utilization: 0.8,
        wcuPerGrant: 1.1,
        highPriorityP99WaitMs: 420,
        limitSpacingMs: 50,
      },
      {
        ...base,
        scenario: "one-limit",
        limiter: "token-bucket" as const,
        violations: 99,
        utilization: 0.1,
        wcuPerGrant: 9,
        highPriorityP99WaitMs: 9_999,
        limitSpacingMs: 200,
      },
    ];

    const summary = summarize(lines, { spacingMs: 1_000, durationMs: 12_000, totalMs: 150_000 });

    expect(summary).toEqual({
      summary: true,
      pacer: {
        worstViolations: 1,
        lowestUtilization: 0.8,
        worstWcuPerGrant: 1.2,
        highPriority: { "mixed-priority": { p99WaitMs: 420, limitSpacingMs: 50 } },
      },
      spacingMs: 1_000,
      durationMs: 12_000,
      totalMs: 150_000,
    });
  });
});
