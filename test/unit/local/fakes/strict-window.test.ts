import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { StrictWindow, type WindowLimit } from "../../../../local/fakes/strict-window.ts";

const limitArb = fc.record({
  calls: fc.integer({ min: 1, max: 5 }),
  perMs: fc.integer({ min: 1, max: 1_000 }),
});
const limitsArb = fc.array(limitArb, { minLength: 1, maxLength: 3 });
/** Call times in ms, ascending, with bursts (repeated instants) and gaps. */
const timesArb = fc
  .array(fc.integer({ min: 0, max: 400 }), { maxLength: 120 })
  .map((gaps) =>
    gaps.map((_, i) => gaps.slice(0, i + 1).reduce((sum, gap) => sum + (gap % 3 === 0 ? 0 : gap), 0)),
  );

/** Accepted calls in the half-open window (end − perMs, end]. */
const inWindow = (accepted: readonly number[], end: number, perMs: number) =>
  accepted.filter((at) => at > end - perMs && at <= end).length;

function replay(limits: readonly WindowLimit[], times: readonly number[]) {
  const window = new StrictWindow(limits);
  const accepted: number[] = [];
  const decisions = times.map((at) => {
    const before = [...accepted];
    const admission = window.tryAcquire(at);
    if (admission.accepted) accepted.push(at);
    return { at, before, admission };
  });
  return { accepted, decisions };
}

describe("StrictWindow", () => {
  it("never lets more than N calls into any window of length W, wherever it starts", () => {
    fc.assert(
      fc.property(
        limitsArb,
        timesArb,
        fc.array(fc.integer({ min: -1_000, max: 60_000 })),
        (limits, times, offsets) => {
          const { accepted } = replay(limits, times);
          // The fullest window ends on an accepted call; random offsets check the claim literally.
          for (const end of [...accepted, ...offsets]) {
            for (const { calls, perMs } of limits)
              expect(inWindow(accepted, end, perMs)).toBeLessThanOrEqual(calls);
          }
        },
      ),
    );
  });

  it("refuses a call only when some window is already full, and accepts otherwise", () => {
    fc.assert(
      fc.property(limitsArb, timesArb, (limits, times) => {
        for (const { at, before, admission } of replay(limits, times).decisions) {
          const full = limits.some(({ calls, perMs }) => inWindow(before, at, perMs) >= calls);
          expect(admission.accepted).toBe(!full);
        }
      }),
    );
  });

  it("says exactly when a refused call would be accepted", () => {
    fc.assert(
      fc.property(limitsArb, timesArb, (limits, times) => {
        for (const { at, before, admission } of replay(limits, times).decisions) {
          if (admission.accepted) continue;
          const fitsAt = (t: number) =>
            limits.every(({ calls, perMs }) => inWindow(before, t, perMs) < calls);
          expect(fitsAt(at + admission.retryAfterMs)).toBe(true);
          expect(fitsAt(at + admission.retryAfterMs - 1)).toBe(false);
        }
      }),
    );
  });

  it("names the limit that refused the call", () => {
    const window = new StrictWindow([
      { calls: 3, perMs: 1_000 },
      { calls: 4, perMs: 60_000 },
    ]);

    const outcomes = [0, 1, 2, 3, 1_500, 1_600].map((at) => window.tryAcquire(at));

    expect(outcomes.map((o) => o.accepted)).toEqual([true, true, true, false, true, false]);
    expect(outcomes[3]).toEqual({ accepted: false, limit: { calls: 3, perMs: 1_000 }, retryAfterMs: 997 });
    expect(outcomes[5]).toEqual({
      accepted: false,
      limit: { calls: 4, perMs: 60_000 },
      retryAfterMs: 58_400,
    });
  });

  it("does not reopen a window when the clock steps back", () => {
    const window = new StrictWindow([{ calls: 2, perMs: 1_000 }]);
    window.tryAcquire(5_000);
    window.tryAcquire(5_000);

    expect(window.tryAcquire(3_000).accepted).toBe(false);
    expect(window.tryAcquire(6_000).accepted).toBe(true);
  });

  it.each([
    { calls: 0, perMs: 1_000 },
    { calls: 1.5, perMs: 1_000 },
    { calls: 3, perMs: 0 },
  ])("rejects the meaningless limit %o", (limit) => {
    expect(() => new StrictWindow([limit])).toThrow(RangeError);
  });
});
