import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { LimitDef, Priority } from "#catalog/types.ts";
import { defaultPolicy, grant, type LimitState, waitMs } from "#core/limiter/sliding-log.ts";

const noMargin = { ...defaultPolicy, safetyMarginMs: () => 0, reserve: () => 0 };

/** Replays requests on a virtual clock through the limit arithmetic; returns the granted times. */
function replay(
  limit: LimitDef,
  requests: { at: number; permits: number; priority: Priority }[],
  policy = noMargin,
) {
  let state: LimitState = { grants: [] };
  const granted: number[] = [];
  for (const r of [...requests].sort((a, b) => a.at - b.at)) {
    if (waitMs(state, limit, r.permits, r.priority, r.at, policy) === 0) {
      state = grant(state, limit, r.permits, r.at, policy);
      for (let i = 0; i < r.permits; i++) granted.push(r.at);
    }
  }
  return granted;
}

const limitArb = fc.record({
  id: fc.constant("l"),
  calls: fc.integer({ min: 1, max: 10 }),
  perMs: fc.integer({ min: 10, max: 5_000 }),
  scope: fc.constant("global" as const),
});
const requestsArb = fc.array(
  fc.record({
    at: fc.integer({ min: 0, max: 20_000 }),
    permits: fc.integer({ min: 1, max: 3 }),
    priority: fc.constantFrom<Priority>("high", "normal", "low"),
  }),
  { maxLength: 200 },
);

describe("sliding-log limit arithmetic", () => {
  it("never grants more than N in any window of length W, wherever the window starts", () => {
    fc.assert(
      fc.property(limitArb, requestsArb, fc.integer({ min: 0, max: 20_000 }), (limit, requests, offset) => {
        const granted = replay(limit, requests);
        // A window (offset - W, offset] at an arbitrary offset, and every window ending at a grant.
        const ends = [offset, ...granted];
        for (const end of ends) {
          const inWindow = granted.filter((t) => t > end - limit.perMs && t <= end).length;
          expect(inWindow).toBeLessThanOrEqual(limit.calls);
        }
      }),
    );
  });

  it("says exactly when a refused request would fit", () => {
    fc.assert(
      fc.property(limitArb, requestsArb, fc.integer({ min: 0, max: 25_000 }), (limit, requests, probe) => {
        let state: LimitState = { grants: [] };
        for (const t of replay(
          limit,
          requests.filter((r) => r.at <= probe),
        ))
          state = grant(state, limit, 1, t, noMargin);
        const wait = waitMs(state, limit, 1, "high", probe, noMargin);
        if (wait > 0) {
          expect(waitMs(state, limit, 1, "high", probe + wait, noMargin)).toBe(0);
          expect(waitMs(state, limit, 1, "high", probe + wait - 1, noMargin)).toBeGreaterThan(0);
        }
      }),
    );
  });

  it("keeps the reserve for high priority work", () => {
    const limit: LimitDef = { id: "l", calls: 10, perMs: 1_000, scope: "global" };
    const policy = { ...noMargin, reserve: () => 2 };
    let state: LimitState = { grants: [] };
    state = grant(state, limit, 8, 0, policy);
    expect(waitMs(state, limit, 1, "low", 1, policy)).toBeGreaterThan(0);
    expect(waitMs(state, limit, 1, "normal", 1, policy)).toBeGreaterThan(0);
    expect(waitMs(state, limit, 2, "high", 1, policy)).toBe(0);
    expect(waitMs(state, limit, 3, "high", 1, policy)).toBeGreaterThan(0);
  });

  it("honours a provider pause even when the log has room", () => {
    const limit: LimitDef = { id: "l", calls: 5, perMs: 1_000, scope: "global" };
    expect(waitMs({ grants: [], pausedUntil: 4_000 }, limit, 1, "high", 1_000, noMargin)).toBe(3_000);
  });

  it("widens each window by the safety margin", () => {
    const limit: LimitDef = { id: "l", calls: 1, perMs: 1_000, scope: "global" };
    const state = grant({ grants: [] }, limit, 1, 0);
    expect(waitMs(state, limit, 1, "high", 1_000)).toBe(defaultPolicy.safetyMarginMs(limit));
  });
});
