import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { LimitDef, Priority } from "#catalog/types.ts";
import { placeBatch, placeRequest, takeoverLanded } from "#core/limiter/placement.ts";
import type { LimiterState } from "#core/limiter/scope-state.ts";
import { CONFIRM_LEAD_MS, effectiveWindowMs, TIMER_SLACK_MS } from "#core/limiter/sliding-log.ts";
import type { PermitRequest } from "#core/limiter/types.ts";
import {
  type Ask,
  all,
  anyReserve,
  anyTraffic,
  asksOf,
  countedBy,
  isLower,
  limitsArb,
  limitsOf,
  marginArb,
  maxInAnyWindow,
  policyOf,
  replay,
  shapeArb,
  someReserve,
  USES,
} from "./limiter-traffic.ts";

const request = (limits: readonly LimitDef[], overrides: Partial<PermitRequest> = {}): PermitRequest => ({
  provider: "p",
  limits,
  scopeKey: "t1",
  permits: 1,
  priority: "high",
  maxWaitMs: 0,
  ...overrides,
});

describe("permit placement", () => {
  it("never lets more than N calls reach the provider in any window of length W, through takeovers, late takeover writes and late callers", () => {
    fc.assert(
      fc.property(limitsArb(anyReserve), anyTraffic, marginArb, (limits, shapes, margin) => {
        // Act
        const { calls } = replay(asksOf(shapes, limits), policyOf(margin));

        // Assess
        for (const tenant of ["t1", "t2"]) {
          for (const limit of all(limits)) {
            const times = countedBy(calls, limit, tenant).map((c) => c.at);
            expect(maxInAnyWindow(times, limit.perMs)).toBeLessThanOrEqual(limit.calls);
          }
        }
      }),
      { numRuns: 800 },
    );
  });

  it("keeps normal and low work to N − reserve calls in any window, leaving the reserve to high work", () => {
    fc.assert(
      fc.property(limitsArb(anyReserve), anyTraffic, marginArb, (limits, shapes, margin) => {
        // Act
        const { calls } = replay(asksOf(shapes, limits), policyOf(margin));

        // Assess: a run of more permits than the share may still go alone.
        for (const tenant of ["t1", "t2"]) {
          for (const limit of all(limits)) {
            const lower = countedBy(calls, limit, tenant).filter((c) => isLower(c.ask));
            const largestRun = Math.max(0, ...lower.map((c) => c.ask.permits));
            const share = Math.max(limit.calls - (limit.reserve ?? 0), largestRun);
            expect(
              maxInAnyWindow(
                lower.map((c) => c.at),
                limit.perMs,
              ),
            ).toBeLessThanOrEqual(share);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it("lets the reserve's worth of high-priority calls through at once, whatever backlog normal and low work reserved", () => {
    fc.assert(
      fc.property(
        limitsArb(someReserve),
        fc.array(shapeArb(["normal", "low"]), { minLength: 1, maxLength: 120, size: "medium" }),
        fc.record({
          after: fc.integer({ min: 0, max: 6_000 }),
          tenant: fc.constantFrom("t1", "t2"),
          uses: fc.constantFrom(...USES),
        }),
        marginArb,
        (limits, shapes, probe, margin) => {
          // Prepare: a bulk backlog reserving all it may, runs no larger than its share.
          const policy = policyOf(margin);
          const backlog = asksOf(shapes, limits, (l) => l.calls - (l.reserve ?? 0));
          const { state } = replay(backlog, policy);
          const named = limitsOf(probe.uses, limits);
          const reserve = Math.min(...named.map((l) => l.reserve ?? 0));
          const now = Math.max(...backlog.map((ask) => ask.at)) + probe.after;

          // Act: a burst of manual triggers.
          const burst = Array.from({ length: reserve }, () => ({
            request: request(named, { scopeKey: probe.tenant }),
          }));
          const { placements } = placeBatch(state, burst, now, { policy });

          // Assess
          expect(placements.map((p) => p.granted && p.decision.waitMs)).toEqual(burst.map(() => 0));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("lets high work alone use the whole budget at once, and tells the rest exactly when the first permit frees", () => {
    fc.assert(
      fc.property(
        limitsArb(anyReserve),
        fc.integer({ min: 1, max: 4 }),
        marginArb,
        (limits, extra, margin) => {
          // Prepare
          const policy = policyOf(margin);
          const named = all(limits);
          const budget = Math.min(...named.map((l) => l.calls));
          const burst = Array.from({ length: budget + extra }, () => ({ request: request(named) }));

          // Act
          const placed = placeBatch(new Map(), burst, 1_000, { policy });

          // Assess: the whole budget now, then nothing until the first grant leaves a full window.
          const granted = placed.placements.filter((p) => p.granted);
          expect(granted.map((p) => p.decision.waitMs)).toEqual(Array(budget).fill(0));
          const full = named.filter((l) => l.calls === budget);
          const frees = Math.max(...full.map((l) => effectiveWindowMs(l, policy)));
          for (const refused of placed.placements.slice(budget)) {
            expect(refused).toEqual({ granted: false, decision: { granted: false, retryAfterMs: frees } });
            const sooner = placeRequest(placed.state, request(named), 1_000 + frees - 1, { policy });
            const then = placeRequest(placed.state, request(named), 1_000 + frees, { policy });
            expect(sooner.placement.granted).toBe(false);
            expect(then.placement).toMatchObject({ granted: true, decision: { waitMs: 0 } });
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("tells refused normal and low work when its permits fit: asking again then, it is granted at once", () => {
    fc.assert(
      fc.property(
        limitsArb(anyReserve),
        anyTraffic,
        fc.record({
          after: fc.integer({ min: 0, max: 6_000 }),
          tenant: fc.constantFrom("t1", "t2"),
          uses: fc.constantFrom(...USES),
          permits: fc.integer({ min: 1, max: 3 }),
          priority: fc.constantFrom<Priority>("normal", "low"),
        }),
        marginArb,
        (limits, shapes, probe, margin) => {
          // Prepare
          const policy = policyOf(margin);
          const { state } = replay(asksOf(shapes, limits), policy);
          const named = limitsOf(probe.uses, limits);
          const ask = request(named, {
            scopeKey: probe.tenant,
            priority: probe.priority,
            permits: Math.min(probe.permits, ...named.map((l) => l.calls)),
          });
          const now = Math.max(...shapes.map((s) => s.at)) + probe.after;

          // Act
          const { placement } = placeRequest(state, ask, now, { policy });

          // Assess
          if (placement.granted) return;
          const retryAt = now + placement.decision.retryAfterMs;
          expect(placeRequest(state, ask, retryAt, { policy }).placement).toMatchObject({
            granted: true,
            decision: { waitMs: 0 },
          });
        },
      ),
      { numRuns: 500 },
    );
  });

  it("never delays normal and low work for high work within the reserve: they get the very moments they would alone", () => {
    fc.assert(
      fc.property(
        limitsArb(someReserve),
        fc.array(shapeArb(["normal", "low"]), { minLength: 1, maxLength: 100, size: "medium" }),
        fc.array(
          fc.record({ gap: fc.integer({ min: 0, max: 2_000 }), tenant: fc.constantFrom("t1", "t2") }),
          {
            maxLength: 20,
          },
        ),
        marginArb,
        (limits, shapes, highs, margin) => {
          // Prepare: single-permit bulk work, and high work never more than the reserve in a window.
          const policy = policyOf(margin);
          const lower = asksOf(shapes, limits, () => 1);
          const pace = Math.max(
            ...all(limits).map((l) => Math.ceil(effectiveWindowMs(l, policy) / (l.reserve ?? 1))),
          );
          const arrivals = highs.map((_, i) =>
            highs.slice(0, i + 1).reduce((sum, h) => sum + pace + h.gap, 0),
          );
          const high = highs.map(
            ({ tenant }, i): Ask => ({
              at: arrivals[i] as number,
              tenant,
              limits: all(limits),
              permits: 1,
              priority: "high",
              maxWaitMs: 0,
              writeMs: 0,
              lateness: 0,
              timerEarlyMs: 0,
            }),
          );

          // Act
          const alone = replay(lower, policy);
          const mixed = replay([...lower, ...high], policy);

          // Assess
          const lowerGrants = (r: typeof alone) =>
            r.grants.filter((g) => isLower(g.ask)).map((g) => [g.ask, g.at]);
          expect(lowerGrants(mixed)).toEqual(lowerGrants(alone));
          expect(mixed.grants.filter((g) => !isLower(g.ask)).map((g) => g.waitMs)).toEqual(high.map(() => 0));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("lets high work take over only a reservation made under exactly its own limits", () => {
    // Prepare: two global limits, every window full up to far ahead; reservations under `a` alone
    // (at 500) and under both (at 1000).
    const a: LimitDef = { id: "a", calls: 2, perMs: 1_000, scope: "global", reserve: 0 };
    const c: LimitDef = { id: "c", calls: 2, perMs: 1_000, scope: "global", reserve: 0 };
    const policy = policyOf(0);
    const low = (limits: LimitDef[]) => ({
      request: request(limits, { priority: "low", maxWaitMs: 10_000 }),
    });
    let state: LimiterState = new Map();
    for (const entry of [low([a, c]), low([a]), low([a, c])])
      state = placeBatch(state, [entry], 0, { policy }).state;

    // Act
    const { placement } = placeRequest(state, request([c, a], { maxWaitMs: 10_000 }), 100, { policy });

    // Assess
    expect(placement).toMatchObject({ granted: true, decision: { at: 1_000 }, takeover: { at: 1_000 } });
  });

  it("lets high work take over only its own tenant's reservation", () => {
    // Prepare: a global and a tenant limit, every window full up to far ahead; reservations of
    // another tenant (at 500) and of the caller's own (at 1000).
    const a: LimitDef = { id: "a", calls: 2, perMs: 1_000, scope: "global", reserve: 0 };
    const b: LimitDef = { id: "b", calls: 2, perMs: 1_000, scope: "tenant", reserve: 0 };
    const policy = policyOf(0);
    const low = (scopeKey: string) => ({
      request: request([a, b], { scopeKey, priority: "low", maxWaitMs: 10_000 }),
    });
    let state: LimiterState = new Map();
    for (const entry of [low("t1"), low("t2"), low("t1")])
      state = placeBatch(state, [entry], 0, { policy }).state;

    // Act
    const { placement } = placeRequest(state, request([a, b], { maxWaitMs: 10_000 }), 100, { policy });

    // Assess
    expect(placement).toMatchObject({ granted: true, decision: { at: 1_000 }, takeover: { at: 1_000 } });
  });

  it("frees a permit given back before placing the batch, so the caller giving it back can have it again", () => {
    // Prepare: a limit of one call, taken at 0 by a caller that then overslept it.
    const limit: LimitDef = { id: "a", calls: 1, perMs: 1_000, scope: "global" };
    const policy = policyOf(0);
    const { state } = placeBatch(new Map(), [{ request: request([limit]) }], 0, { policy });

    // Act
    const without = placeBatch(state, [{ request: request([limit]) }], 10, { policy });
    const givingBack = placeBatch(
      state,
      [{ request: request([limit]), giveBack: { at: 0, permits: 1 } }],
      10,
      {
        policy,
      },
    );

    // Assess
    expect(without.placements[0]).toMatchObject({ granted: false, decision: { retryAfterMs: 990 } });
    expect(givingBack.placements[0]).toMatchObject({ granted: true, decision: { at: 10, waitMs: 0 } });
  });

  it("counts a takeover only if written before the holder can look", () => {
    const hold = { at: 1_000, token: 7 };
    const holderLooks = hold.at - CONFIRM_LEAD_MS - TIMER_SLACK_MS;
    expect(takeoverLanded(hold, holderLooks - 1)).toBe(true);
    expect(takeoverLanded(hold, holderLooks)).toBe(false);
  });
});
