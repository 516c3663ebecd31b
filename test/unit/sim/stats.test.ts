import { describe, expect, it } from "vitest";
import { percentile, summary } from "../../../sim/stats.ts";

describe("percentile", () => {
  it("takes the nearest rank, so p95 of twenty values is the nineteenth", () => {
    const values = Array.from({ length: 20 }, (_, i) => 20 - i);
    expect(percentile(values, 95)).toBe(19);
    expect(percentile(values, 50)).toBe(10);
    expect(percentile(values, 100)).toBe(20);
  });

  it("has none for no values, and refuses a percentile outside 0 to 100", () => {
    expect(percentile([], 50)).toBeUndefined();
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe("summary", () => {
  it("gives p50, p95 and the worst, rounded", () => {
    expect(summary([1.04, 2, 3.06], 1)).toEqual({ p50: 2, p95: 3.1, worst: 3.1 });
  });

  it("gives nulls when nothing was measured", () => {
    expect(summary([])).toEqual({ p50: null, p95: null, worst: null });
  });
});
