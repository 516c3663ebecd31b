import { describe, expect, it } from "vitest";
import { allowedCalls, percentile, ratio, utilization } from "../../../bench/limiter/stats.ts";

describe("percentile (nearest rank)", () => {
  it("returns the smallest sample with at least p% of the samples at or below it", () => {
    // Prepare
    const samples = [50, 10, 40, 20, 30, 60, 70, 80, 90, 100];

    // Act / Assess
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 51)).toBe(60);
    expect(percentile(samples, 99)).toBe(100);
    expect(percentile(samples, 100)).toBe(100);
    expect(percentile(samples, 1)).toBe(10);
  });

  it("never interpolates: a p99 of two samples is the larger one", () => {
    expect(percentile([3, 1_000], 99)).toBe(1_000);
    expect(percentile([3, 1_000], 50)).toBe(3);
  });

  it("is null without samples and leaves the caller's array unsorted", () => {
    const samples = [3, 1, 2];

    expect(percentile([], 50)).toBeNull();
    expect(percentile(samples, 50)).toBe(2);
    expect(samples).toEqual([3, 1, 2]);
  });

  it("rejects percentiles outside (0, 100]", () => {
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe("utilization", () => {
  const oneLimit = [{ calls: 10, perMs: 2_000 }];
  const twoLimits = [
    { calls: 3, perMs: 1_000 },
    { calls: 10, perMs: 5_000 },
  ];

  it("allows calls × duration / perMs under one limit", () => {
    expect(allowedCalls(oneLimit, 12_000)).toBe(60);
    expect(allowedCalls(oneLimit, 3_000)).toBe(15);
  });

  it("takes the tightest limit when there are several", () => {
    // 3/s would allow 36 in 12 s, but 10 per 5 s only 24.
    expect(allowedCalls(twoLimits, 12_000)).toBe(24);
  });

  it("is granted / allowed", () => {
    expect(utilization(45, oneLimit, 12_000)).toBeCloseTo(0.75);
    expect(utilization(24, twoLimits, 12_000)).toBeCloseTo(1);
  });

  it("is null when no time was measured (no call was ever made)", () => {
    expect(utilization(0, oneLimit, 0)).toBeNull();
  });

  it("refuses a scenario without limits", () => {
    expect(() => allowedCalls([], 1_000)).toThrow(RangeError);
  });
});

describe("ratio", () => {
  it("is null without grants, so a cost per grant is never a division by zero", () => {
    expect(ratio(12, 0)).toBeNull();
    expect(ratio(12, 4)).toBe(3);
  });
});
