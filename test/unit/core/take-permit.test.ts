import { describe, expect, it } from "vitest";
import { CONFIRM_LEAD_MS } from "#core/limiter/sliding-log.ts";
import { takePermit } from "#core/limiter/take-permit.ts";
import { ScriptedLimiter } from "./fakes.ts";

const request = { provider: "p", limits: [], tenantId: "t", permits: 1, priority: "high" as const };

function virtualTime(oversleepMs: number[] = []) {
  let now = 0;
  const slept: number[] = [];
  return {
    clock: () => now,
    sleep: async (ms: number) => {
      slept.push(ms);
      now += ms + (oversleepMs.shift() ?? 0);
    },
    slept,
  };
}

describe("takePermit", () => {
  it("waits for a reserved permit, then lets the caller call", async () => {
    const limiter = new ScriptedLimiter([{ granted: true, waitMs: 300, validForMs: 10, at: 300 }]);
    const time = virtualTime();
    expect(await takePermit(limiter, request, { maxWaitMs: 1_000, ...time })).toEqual({
      granted: true,
      count: 1,
      usableUntil: 310,
    });
    expect(time.slept).toEqual([300]);
    expect(limiter.requests[0]?.maxWaitMs).toBe(1_000);
  });

  it("waits for the permit's moment, not for waitMs after the limiter answered", async () => {
    // The limiter answered at 0 with a moment 300 ms ahead, but its answer took 40 ms to arrive.
    const limiter = new ScriptedLimiter([{ granted: true, waitMs: 300, validForMs: 10, at: 300 }]);
    const time = virtualTime();
    await time.sleep(40);
    time.slept.length = 0;
    expect(await takePermit(limiter, request, { maxWaitMs: 1_000, ...time })).toMatchObject({
      usableUntil: 310,
    });
    expect(time.slept).toEqual([260]);
  });

  it("gives up a permit it woke too late for and asks again", async () => {
    const limiter = new ScriptedLimiter([
      { granted: true, waitMs: 300, validForMs: 10, at: 300 },
      { granted: true, waitMs: 100, validForMs: 10, at: 450 },
    ]);
    const time = virtualTime([50]);
    expect(await takePermit(limiter, request, { maxWaitMs: 1_000, ...time })).toMatchObject({
      granted: true,
    });
    expect(limiter.requests).toHaveLength(2);
  });

  it("confirms a reservation high work could take over, and asks again when it was taken", async () => {
    const limiter = new ScriptedLimiter([
      { granted: true, waitMs: 1_000, validForMs: 10, at: 1_000, hold: { at: 1_000, token: 7 } },
      { granted: true, waitMs: 500, validForMs: 10, at: 1_400 },
    ]);
    limiter.confirmations.push(false);
    const time = virtualTime();
    expect(await takePermit(limiter, request, { maxWaitMs: 2_000, ...time })).toMatchObject({
      usableUntil: 1_410,
    });
    // Slept to the confirmation point (CONFIRM_LEAD_MS before the moment), then to the new moment.
    expect(time.slept).toEqual([1_000 - CONFIRM_LEAD_MS, 400 + CONFIRM_LEAD_MS]);
    expect(limiter.requests).toHaveLength(2);
  });

  it("hands a permit it gives up back with its next request", async () => {
    const limiter = new ScriptedLimiter([
      { granted: true, waitMs: 1_000, validForMs: 10, at: 1_000, hold: { at: 1_000, token: 7 } },
      { granted: true, waitMs: 300, validForMs: 10, at: 1_300 },
      { granted: true, waitMs: 100, validForMs: 10, at: 1_500 },
    ]);
    limiter.confirmations.push(false);
    // Taken over at 1 000; then it wakes 50 ms late for 1 300.
    const time = virtualTime([0, 50]);
    expect(await takePermit(limiter, request, { maxWaitMs: 2_000, ...time })).toMatchObject({
      granted: true,
    });
    expect(limiter.requests.map((r) => r.release)).toEqual([
      undefined,
      { at: 1_000, permits: 1 },
      { at: 1_300, permits: 1 },
    ]);
  });

  it("passes a refusal on with its wait", async () => {
    const limiter = new ScriptedLimiter([{ granted: false, retryAfterMs: 7_000 }]);
    expect(await takePermit(limiter, request, { maxWaitMs: 1_000, ...virtualTime() })).toEqual({
      granted: false,
      retryAfterMs: 7_000,
    });
  });
});
