import { describe, expect, it } from "vitest";
import { nextMoment, Periodic } from "../../../sim/loop.ts";

describe("nextMoment", () => {
  it("picks the earliest due moment among schedules, queues, periodic functions and the workload", () => {
    // Prepare: a schedule at 500, a delayed message at 300, nothing else known.
    const candidates = [500, undefined, 300, undefined];

    // Act
    const next = nextMoment(100, 10_000, candidates);

    // Assess
    expect(next).toBe(300);
  });

  it("goes no further than the end when nothing is due before it", () => {
    expect(nextMoment(100, 1_000, [undefined, 5_000])).toBe(1_000);
  });

  it("never goes back: what was due in the past is due now", () => {
    expect(nextMoment(100, 1_000, [40, 700])).toBe(100);
  });
});

describe("Periodic", () => {
  it("fires first one period after its start, then every period", () => {
    // Prepare
    const clock = new Periodic("freshness", 300_000, 0);

    // Act
    const early = clock.takeDue(299_999);
    const first = clock.takeDue(300_000);

    // Assess
    expect(early).toBe(0);
    expect(first).toBe(1);
    expect(clock.nextAt).toBe(600_000);
  });

  it("owes every firing a jump skipped over, as a rate schedule delivers late ones", () => {
    const clock = new Periodic("sweeper", 300_000, 0);
    expect(clock.takeDue(1_000_000)).toBe(3);
    expect(clock.nextAt).toBe(1_200_000);
  });

  it("refuses a period that is not positive", () => {
    expect(() => new Periodic("broken", 0, 0)).toThrow(RangeError);
  });
});
