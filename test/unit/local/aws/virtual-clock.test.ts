import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../../../local/aws/virtual-clock.ts";

describe("VirtualClock", () => {
  it("starts at the real time and runs speed times faster", () => {
    let real = 1_000_000;
    const clock = new VirtualClock(60, () => real);

    real += 1_000;

    expect(clock.now()).toBe(1_000_000 + 60_000);
  });

  it("converts a virtual instant into the real wait until it", () => {
    let real = 0;
    const clock = new VirtualClock(10, () => real);

    expect(clock.realDelayUntil(60_000)).toBe(6_000);
    real = 6_000;
    expect(clock.realDelayUntil(60_000)).toBe(0);
    real = 9_000;
    expect(clock.realDelayUntil(60_000)).toBe(0);
  });

  it("at speed 1 is the real clock", () => {
    let real = 42;
    const clock = new VirtualClock(1, () => real);
    real = 5_042;

    expect(clock.now()).toBe(5_042);
    expect(clock.toRealMs(300_000)).toBe(300_000);
  });

  it("refuses a speed that is not a positive number", () => {
    expect(() => new VirtualClock(0)).toThrow(RangeError);
    expect(() => new VirtualClock(-2)).toThrow(RangeError);
    expect(() => new VirtualClock(Number.NaN)).toThrow(RangeError);
  });
});
