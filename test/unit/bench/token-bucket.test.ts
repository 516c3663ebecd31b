import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { msUntilToken, refill, takeToken } from "../../../bench/limiter/bucket.ts";

const shape = { capacity: 10, perMs: 2_000 }; // refills 1 token per 200 ms

describe("token bucket arithmetic", () => {
  it("starts a missing bucket full", () => {
    expect(refill(undefined, shape, 5_000)).toEqual({ tokens: 10, updatedAt: 5_000 });
  });

  it("refills at capacity / perMs tokens per millisecond", () => {
    // Prepare
    const drained = { tokens: 0, updatedAt: 1_000 };

    // Act
    const later = refill(drained, shape, 1_500);

    // Assess
    expect(later.tokens).toBeCloseTo(2.5);
    expect(later.updatedAt).toBe(1_500);
  });

  it("never holds more than its capacity", () => {
    expect(refill({ tokens: 9, updatedAt: 0 }, shape, 60_000).tokens).toBe(10);
  });

  it("adds nothing when the clock steps back", () => {
    expect(refill({ tokens: 3, updatedAt: 1_000 }, shape, 900)).toEqual({ tokens: 3, updatedAt: 1_000 });
  });

  it("says how long until a whole token is back", () => {
    expect(msUntilToken({ tokens: 1, updatedAt: 0 }, shape)).toBe(0);
    expect(msUntilToken({ tokens: 0, updatedAt: 0 }, shape)).toBe(200);
    expect(msUntilToken({ tokens: 0.75, updatedAt: 0 }, shape)).toBe(50);
  });

  it("takes exactly one token, and none from a bucket without a whole one", () => {
    expect(takeToken({ tokens: 1.5, updatedAt: 7 })).toEqual({ tokens: 0.5, updatedAt: 7 });
    expect(() => takeToken({ tokens: 0.9, updatedAt: 7 })).toThrow(RangeError);
  });

  it("refilling after msUntilToken always yields a whole token", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 600_000 }),
        (tokens, capacity, perMs) => {
          const bucket = { tokens, updatedAt: 0 };
          const wait = msUntilToken(bucket, { capacity, perMs });
          expect(refill(bucket, { capacity, perMs }, wait).tokens).toBeGreaterThanOrEqual(1 - 1e-9);
        },
      ),
    );
  });

  it("a single, serial taker gets at most capacity + elapsed × rate tokens: the burst a bucket allows", () => {
    // Prepare: take whenever a token is there, for 2 s, on a virtual clock.
    let bucket = refill(undefined, shape, 0);
    let taken = 0;
    let now = 0;

    // Act
    while (now < 2_000) {
      bucket = refill(bucket, shape, now);
      const wait = msUntilToken(bucket, shape);
      if (wait > 0) {
        now += wait;
        continue;
      }
      bucket = takeToken(bucket);
      taken++;
    }

    // Assess: the full bucket (10) plus the refill (9) in one window: nearly 2N, what strict providers refuse.
    expect(taken).toBe(19);
  });
});
