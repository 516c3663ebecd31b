import { describe, expect, it } from "vitest";
import { CONFIRM_LEAD_MS } from "#core/limiter/sliding-log.ts";
import { takePermit } from "#core/limiter/take-permit.ts";
import { ScriptedLimiter } from "./fakes.ts";

const request = { provider: "p", limits: [], scopeKey: "t", permits: 1, priority: "high" as const };

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
      at: 300,
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

  it("counts a permit it woke too late for and asks again after a short random pause, not at once", async () => {
    const limiter = new ScriptedLimiter([
      { granted: true, waitMs: 300, validForMs: 10, at: 300 },
      { granted: true, waitMs: 100, validForMs: 10, at: 500 },
    ]);
    const time = virtualTime([50]);
    let voided = 0;
    const randoms = [0.5];

    const taken = await takePermit(limiter, request, {
      maxWaitMs: 1_000,
      ...time,
      random: () => randoms.shift() ?? 0,
      onVoided: () => voided++,
    });

    expect(taken).toMatchObject({ granted: true, usableUntil: 510 });
    expect(voided).toBe(1);
    // Woke at 350 for a permit usable until 310; paused (a random 5–60 ms) before asking again.
    const pause = time.slept[1] ?? 0;
    expect(pause).toBeGreaterThanOrEqual(5);
    expect(pause).toBeLessThanOrEqual(60);
    expect(limiter.requests).toHaveLength(2);
  });

  it("spreads the pauses of callers that woke late together", async () => {
    const pauses = await Promise.all(
      [0.1, 0.9].map(async (r) => {
        const limiter = new ScriptedLimiter([
          { granted: true, waitMs: 300, validForMs: 10, at: 300 },
          { granted: true, waitMs: 100, validForMs: 10, at: 500 },
        ]);
        const time = virtualTime([50]);
        await takePermit(limiter, request, { maxWaitMs: 1_000, ...time, random: () => r });
        return time.slept[1];
      }),
    );

    expect(pauses[0]).not.toBe(pauses[1]);
  });

  it("after five late wake-ups in a row, tells the caller to come back after a jittered wait", async () => {
    const lateEveryTime = () =>
      new ScriptedLimiter(
        Array.from({ length: 5 }, (_, i) => ({
          granted: true,
          waitMs: 100,
          validForMs: 10,
          at: 1_000 * (i + 1),
        })),
      );
    const outcomes = [];
    for (const r of [0, 0.5, 0.99]) {
      let voided = 0;
      const time = virtualTime(Array(10).fill(1_000));
      outcomes.push({
        taken: await takePermit(lateEveryTime(), request, {
          maxWaitMs: 1_000,
          ...time,
          random: () => r,
          onVoided: () => voided++,
        }),
        voided,
      });
    }

    expect(outcomes.map((o) => o.voided)).toEqual([5, 5, 5]);
    const waits = outcomes.map((o) => (o.taken.granted ? -1 : o.taken.retryAfterMs));
    for (const wait of waits) {
      expect(wait).toBeGreaterThanOrEqual(250);
      expect(wait).toBeLessThanOrEqual(1_000);
    }
    expect(new Set(waits).size).toBe(3);
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
