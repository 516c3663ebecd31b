import { describe, expect, it } from "vitest";
import type { WorkerRole } from "../../../bench/limiter/scenarios.ts";
import {
  type BenchDecision,
  emptyStats,
  type LoopDeps,
  runWorkerLoop,
} from "../../../bench/limiter/worker-loop.ts";

const backlog: WorkerRole = { priority: "normal", arrival: { kind: "backlog" } };

/** A worker on a virtual clock: sleeping advances time, and so does each limiter answer (its latency). */
function harness(
  answers: BenchDecision[],
  options: { latencyMs?: number; deadline?: number; oversleepMs?: number } = {},
) {
  let now = 0;
  const calledAt: number[] = [];
  const askedAt: number[] = [];
  const deps: LoopDeps = {
    limiter: {
      acquire: async () => {
        askedAt.push(now);
        now += options.latencyMs ?? 0;
        return answers.shift() ?? { granted: false, retryAfterMs: 1_000_000 };
      },
    },
    callProvider: async () => {
      calledAt.push(now);
      return 200;
    },
    clock: () => now,
    sleep: async (ms) => {
      now += ms + (options.oversleepMs ?? 0);
    },
    random: () => 0.5,
    jitterMs: 20,
    deadline: options.deadline ?? 10_000,
    onError: () => {},
  };
  return { deps, calledAt, askedAt };
}

describe("the benchmark's worker loop", () => {
  it("waits waitMs after the answer before calling, and times the whole acquisition", async () => {
    // Prepare
    const { deps, calledAt } = harness([{ granted: true, waitMs: 300, validForMs: 20 }], { latencyMs: 10 });
    const stats = emptyStats();

    // Act
    await runWorkerLoop(backlog, 4_000, deps, stats);

    // Assess
    expect(calledAt).toEqual([310]);
    expect(stats.calls).toEqual([{ priority: "normal", acquireMs: 310, status: 200 }]);
  });

  it("idles a spaced worker between its bounds before each ask", async () => {
    // Prepare: random() is 0.5, so each idle is halfway between 2 000 and 3 000 ms.
    const granted: BenchDecision = { granted: true, waitMs: 0, validForMs: 20 };
    const { deps, askedAt } = harness([granted, granted, granted], { deadline: 8_000 });
    const spaced: WorkerRole = {
      priority: "high",
      arrival: { kind: "spaced", minGapMs: 2_000, maxGapMs: 3_000 },
    };

    // Act
    await runWorkerLoop(spaced, 2_000, deps, emptyStats());

    // Assess
    expect(askedAt).toEqual([2_500, 5_000, 7_500]);
  });

  it("drops a permit it overslept by more than validForMs and asks again", async () => {
    // Prepare: every sleep overshoots by 30 ms, more than the 20 ms the permit stays valid.
    const { deps, calledAt, askedAt } = harness(
      [
        { granted: true, waitMs: 100, validForMs: 20 },
        { granted: true, waitMs: 0, validForMs: 20 },
      ],
      { oversleepMs: 30 },
    );
    const stats = emptyStats();

    // Act
    await runWorkerLoop(backlog, 4_000, deps, stats);

    // Assess
    expect(stats.stalePermits).toBe(1);
    expect(askedAt.slice(0, 2)).toEqual([0, 130]);
    expect(calledAt).toEqual([130]);
    expect(stats.calls[0]?.acquireMs).toBe(130);
  });

  it("sleeps retryAfterMs plus jitter after a refusal, counting the retries in the acquisition time", async () => {
    // Prepare
    const { deps, calledAt, askedAt } = harness([
      { granted: false, retryAfterMs: 500 },
      { granted: true, waitMs: 0, validForMs: 20 },
    ]);
    const stats = emptyStats();

    // Act
    await runWorkerLoop(backlog, 4_000, deps, stats);

    // Assess: jitter is random() × jitterMs = 10 ms.
    expect(askedAt.slice(0, 2)).toEqual([0, 510]);
    expect(calledAt).toEqual([510]);
    expect(stats.refusals).toBeGreaterThanOrEqual(1);
    expect(stats.calls[0]?.acquireMs).toBe(510);
  });

  it("makes no call at or after the deadline, even on a granted permit", async () => {
    // Prepare
    const { deps, calledAt } = harness(
      [
        { granted: true, waitMs: 0, validForMs: 20 },
        { granted: true, waitMs: 2_000, validForMs: 20 },
      ],
      { deadline: 1_000 },
    );
    const stats = emptyStats();

    // Act
    await runWorkerLoop(backlog, 4_000, deps, stats);

    // Assess
    expect(calledAt).toEqual([0]);
    expect(stats.calls).toHaveLength(1);
  });

  it("keeps asking after a limiter error, and counts it", async () => {
    // Prepare
    const { deps, calledAt } = harness([{ granted: true, waitMs: 0, validForMs: 20 }]);
    const acquire = deps.limiter.acquire;
    let failures = 1;
    const failing: LoopDeps = {
      ...deps,
      limiter: {
        acquire: (priority, maxWaitMs) =>
          failures-- > 0 ? Promise.reject(new Error("throttled")) : acquire(priority, maxWaitMs),
      },
    };
    const stats = emptyStats();

    // Act
    await runWorkerLoop(backlog, 4_000, failing, stats);

    // Assess
    expect(stats.errors).toBe(1);
    expect(calledAt).toEqual([50]);
  });
});
