import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { LimitDef, Priority } from "#catalog/types.ts";
import {
  defaultPolicy,
  earliestSlot,
  effectiveWindowMs,
  fitsAt,
  HOLD_KEPT_MS,
  type Hold,
  type LimitLog,
  type LimitPolicy,
  lowerGrants,
  place,
  policyWithMarginFloor,
  prune,
  release,
  spacingMs,
  stillHeld,
  TAKEOVER_GUARD_MS,
  takeOver,
  takeoverCandidate,
  validForMs,
} from "#core/limiter/sliding-log.ts";

const limitArb = (id: string) =>
  fc.record({
    id: fc.constant(id),
    calls: fc.integer({ min: 1, max: 8 }),
    perMs: fc.integer({ min: 10, max: 3_000 }),
    scope: fc.constant("global" as const),
    reserve: fc.integer({ min: 0, max: 2 }),
  });
const requestsArb = fc.array(
  fc.record({
    at: fc.integer({ min: 0, max: 15_000 }),
    permits: fc.integer({ min: 1, max: 3 }),
    priority: fc.constantFrom<Priority>("high", "normal", "low"),
    maxWaitMs: fc.constantFrom(0, 0, 50, 500, 5_000),
  }),
  { maxLength: 150 },
);
const marginArb = fc.integer({ min: 0, max: 30 });

interface Replayed {
  readonly granted: number[][];
  readonly refusals: { at: number; slot: number }[];
}

/** Replays requests on a virtual clock through the arithmetic, as the limiter does with each read-write. */
type Request = { at: number; permits: number; priority: Priority; maxWaitMs: number };

function replay(limits: LimitDef[], requests: readonly Request[], policy: LimitPolicy): Replayed {
  let logs: LimitLog[] = limits.map(() => ({ grants: [] }));
  const granted: number[][] = limits.map(() => []);
  const refusals: { at: number; slot: number }[] = [];
  for (const r of [...requests].sort((a, b) => a.at - b.at)) {
    const permits = Math.min(r.permits, ...limits.map((l) => l.calls));
    logs = logs.map((log, i) => prune(log, limits[i] as LimitDef, r.at, policy));
    const slot = earliestSlot({ limits, logs, permits, priority: r.priority, now: r.at, policy });
    expect(slot).toBeGreaterThanOrEqual(r.at);
    if (slot - r.at > r.maxWaitMs) {
      refusals.push({ at: r.at, slot });
      continue;
    }
    logs = logs.map((log) => place(log, permits, slot, { high: r.priority === "high" }));
    for (const g of granted) g.push(...Array<number>(permits).fill(slot));
  }
  return { granted, refusals };
}

/** `count` low-priority requests at time 0, each reserving the next moment it may. */
function lowBacklog(limit: LimitDef, count: number, policy: LimitPolicy, holds = false) {
  let log: LimitLog = { grants: [] };
  const slots: number[] = [];
  for (let i = 0; i < count; i++) {
    const slot = earliestSlot({ limits: [limit], logs: [log], permits: 1, priority: "low", now: 0, policy });
    slots.push(slot);
    log = place(log, 1, slot, {
      hold: holds && slot >= TAKEOVER_GUARD_MS ? { at: slot, token: i + 1 } : undefined,
    });
  }
  return { log, slots };
}

function maxInAnyWindow(
  times: readonly number[],
  windowMs: number,
  extraEnds: readonly number[] = [],
): number {
  let max = 0;
  for (const end of [...times, ...extraEnds]) {
    max = Math.max(max, times.filter((t) => t > end - windowMs && t <= end).length);
  }
  return max;
}

describe("sliding-log limit arithmetic", () => {
  it("never grants more than N in any window of length W, wherever it starts, under several limits at once", () => {
    fc.assert(
      fc.property(
        limitArb("a"),
        limitArb("b"),
        requestsArb,
        marginArb,
        fc.array(fc.integer({ min: 0, max: 20_000 }), { maxLength: 5 }),
        (a, b, requests, margin, offsets) => {
          const limits = [a, b];
          const policy = { ...defaultPolicy, safetyMarginMs: () => margin };
          const { granted } = replay(limits, requests, policy);
          limits.forEach((limit, i) => {
            // Windows ending at every grant (where the maximum is reached) and at arbitrary offsets.
            expect(maxInAnyWindow(granted[i] as number[], limit.perMs + margin, offsets)).toBeLessThanOrEqual(
              limit.calls,
            );
          });
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("tells a refused caller the exact moment its permits fit", () => {
    fc.assert(
      fc.property(limitArb("a"), limitArb("b"), requestsArb, (a, b, requests) => {
        const limits = [a, b];
        let logs: LimitLog[] = limits.map(() => ({ grants: [] }));
        for (const r of [...requests].sort((x, y) => x.at - y.at)) {
          const permits = Math.min(r.permits, a.calls, b.calls);
          const slot = earliestSlot({ limits, logs, permits, priority: r.priority, now: r.at });
          limits.forEach((limit, i) => {
            const log = logs[i] as LimitLog;
            const windowMs = effectiveWindowMs(limit);
            expect(fitsAt(log.grants, windowMs, limit.calls, permits, slot)).toBe(true);
            // Normal and low work also within its share, counting its own grants.
            const share = Math.max(limit.calls - (limit.reserve ?? 0), permits);
            if (r.priority !== "high")
              expect(fitsAt(lowerGrants(log), windowMs, share, permits, slot)).toBe(true);
          });
          if (slot - r.at <= r.maxWaitMs)
            logs = logs.map((log) => place(log, permits, slot, { high: r.priority === "high" }));
        }
      }),
    );
  });

  it("queues normal and low work in order: never ahead of a reservation of theirs already made", () => {
    fc.assert(
      fc.property(limitArb("a"), requestsArb, (a, requests) => {
        let log: LimitLog = { grants: [] };
        for (const r of [...requests].sort((x, y) => x.at - y.at)) {
          const permits = Math.min(r.permits, a.calls);
          const slot = earliestSlot({ limits: [a], logs: [log], permits, priority: r.priority, now: r.at });
          if (r.priority !== "high") expect(slot).toBeGreaterThanOrEqual(lowerGrants(log).at(-1) ?? 0);
          if (slot - r.at <= r.maxWaitMs) log = place(log, permits, slot, { high: r.priority === "high" });
        }
      }),
    );
  });

  it("lets a high-priority call through at once while a low backlog has filled everything but the reserve", () => {
    const limit: LimitDef = { id: "l", calls: 20, perMs: 2_000, scope: "global", reserve: 1 };
    const policy = { ...defaultPolicy, safetyMarginMs: () => 0 };
    let log: LimitLog = { grants: [] };
    // The low backlog reserves every permit it may, far ahead, paced at W / 19.
    for (;;) {
      const slot = earliestSlot({
        limits: [limit],
        logs: [log],
        permits: 1,
        priority: "low",
        now: 0,
        policy,
      });
      if (slot > 10_000) break;
      log = place(log, 1, slot);
    }
    expect(maxInAnyWindow(log.grants, 2_000)).toBe(19);
    expect(
      earliestSlot({ limits: [limit], logs: [log], permits: 1, priority: "high", now: 500, policy }),
    ).toBe(500);
    // A low request must queue behind everything reserved.
    expect(
      earliestSlot({ limits: [limit], logs: [log], permits: 1, priority: "low", now: 500, policy }),
    ).toBeGreaterThan(log.grants.at(-1) as number);
  });

  it("keeps the reserve for high work on top of the others' share, not out of it", () => {
    const limit: LimitDef = { id: "l", calls: 4, perMs: 1_000, scope: "global", reserve: 1 };
    const policy = { ...defaultPolicy, safetyMarginMs: () => 0 };
    const at = (log: LimitLog, priority: Priority, now: number) =>
      earliestSlot({ limits: [limit], logs: [log], permits: 1, priority, now, policy });
    // A low backlog has its three per window, paced; a high call comes at 500 and takes the fourth.
    let log: LimitLog = { grants: [] };
    for (let i = 0; i < 3; i++) log = place(log, 1, at(log, "low", 0));
    expect(log.grants).toEqual([0, 334, 668]);
    expect(at(log, "high", 500)).toBe(500);
    log = place(log, 1, 500, { high: true });
    // The next low call goes one spacing after the last of its own, once its own grant at 0 has
    // left the window: the high call took nothing from its share.
    expect(at(log, "low", 600)).toBe(1_002);
  });

  it("paces normal and low work evenly, so callers never queue on one moment", () => {
    const limit: LimitDef = { id: "l", calls: 10, perMs: 2_000, scope: "global", reserve: 0 };
    const policy = { ...defaultPolicy, safetyMarginMs: () => 0 };
    const { slots } = lowBacklog(limit, 12, policy);
    expect(spacingMs([limit], "low", 1, policy)).toBe(200);
    expect(slots).toEqual(Array.from({ length: 12 }, (_, i) => i * 200));
  });

  it("lets high work take over a reservation far enough ahead, counting the holder's moment until it is released", () => {
    const limit: LimitDef = { id: "l", calls: 10, perMs: 2_000, scope: "global", reserve: 0 };
    const policy = { ...defaultPolicy, safetyMarginMs: () => 0 };
    // Reservations at least the guard ahead may be taken over: they carry a holder's token.
    const { log } = lowBacklog(limit, 20, policy, true);
    // At 100 ms every window up to the last reservation is full: a high call would wait 3.9 s...
    const slot = earliestSlot({
      limits: [limit],
      logs: [log],
      permits: 1,
      priority: "high",
      now: 100,
      policy,
    });
    expect(slot).toBe(4_000);
    // ...but takes over the first reservation at least the guard ahead instead: one spacing away.
    const taken = takeoverCandidate([log], 100, slot) as Hold;
    expect(taken).toEqual({ at: 200, token: 2 });
    const after = place(takeOver(log, taken), 1, taken.at, { high: true });
    expect(after.holds?.some((h) => h.token === 2)).toBe(false);
    // Both moments count until the holder, finding its reservation gone, releases its own.
    expect(after.grants.filter((g) => g === 200)).toHaveLength(2);
    expect(release(after, 200, 1, false)).toMatchObject({ grants: log.grants, high: [200] });
  });

  it("takes over no reservation closer than the guard, nor one during a provider's pause", () => {
    let log: LimitLog = { grants: [0] };
    log = place(log, 1, 1_000 + TAKEOVER_GUARD_MS - 1, {
      hold: { at: 1_000 + TAKEOVER_GUARD_MS - 1, token: 1 },
    });
    expect(takeoverCandidate([log], 1_000, 5_000)).toBeUndefined();
    const later = place({ grants: [0] }, 1, 1_500, { hold: { at: 1_500, token: 2 } });
    expect(takeoverCandidate([later], 1_000, 5_000)).toEqual({ at: 1_500, token: 2 });
    expect(takeoverCandidate([{ ...later, pausedUntil: 1_600 }], 1_000, 5_000)).toBeUndefined();
  });

  it("keeps every window within N under takeovers, whether or not each takeover lands before its holder looks", () => {
    fc.assert(
      fc.property(
        // Windows long against the spread of requests, so low work reserves far ahead and high
        // work often finds every window full.
        limitArb("a").map((l) => ({ ...l, perMs: 200 + l.perMs })),
        limitArb("b").map((l) => ({ ...l, perMs: 200 + l.perMs })),
        fc.array(
          fc.record({
            at: fc.integer({ min: 0, max: 3_000 }),
            priority: fc.constantFrom<Priority>("high", "normal", "low", "low"),
            maxWaitMs: fc.constantFrom(0, 500, 5_000, 5_000),
            inTime: fc.boolean(),
          }),
          { minLength: 20, maxLength: 150 },
        ),
        marginArb,
        (a, b, requests, margin) => {
          const limits = [a, b];
          const policy = { ...defaultPolicy, safetyMarginMs: () => margin };
          let logs: LimitLog[] = limits.map(() => ({ grants: [] }));
          // The calls actually made: every grant, less reservations whose holder found them taken over.
          const calls: number[] = [];
          const pendingHolds = new Map<number, number>();
          let token = 0;
          for (const r of [...requests].sort((x, y) => x.at - y.at)) {
            logs = logs.map((log, i) => prune(log, limits[i] as LimitDef, r.at, policy));
            const request = { limits, logs, permits: 1, priority: r.priority, now: r.at, policy };
            let slot = earliestSlot(request);
            const takeover =
              r.priority === "high" && slot > r.at ? takeoverCandidate(logs, r.at, slot) : undefined;
            if (takeover) slot = takeover.at;
            if (slot - r.at > r.maxWaitMs) continue;
            if (takeover) {
              logs = logs.map((log) => place(takeOver(log, takeover), 1, takeover.at, { high: true }));
              if (r.inTime) {
                // The holder finds its reservation gone, does not call, and releases its moment.
                pendingHolds.delete(takeover.token);
                calls.push(takeover.at);
                logs = logs.map((log) => release(log, takeover.at, 1, false));
              } else {
                // Written too late: the holder calls; the taker does not, and gives its moment back.
                logs = logs.map((log) => release(log, takeover.at, 1, true));
              }
              continue;
            }
            const hold =
              r.priority !== "high" && slot - r.at >= TAKEOVER_GUARD_MS
                ? { at: slot, token: ++token }
                : undefined;
            logs = logs.map((log) => place(log, 1, slot, { hold, high: r.priority === "high" }));
            if (hold) pendingHolds.set(hold.token, slot);
            else calls.push(slot);
          }
          calls.push(...pendingHolds.values());
          limits.forEach((limit) => {
            expect(maxInAnyWindow(calls, limit.perMs + margin)).toBeLessThanOrEqual(limit.calls);
          });
        },
      ),
      { numRuns: 1500 },
    );
  });

  it("keeps a reservation's claim a while past its moment, for a holder that confirms late", () => {
    const limit: LimitDef = { id: "l", calls: 5, perMs: 1_000, scope: "global" };
    const log = place({ grants: [] }, 1, 500, { hold: { at: 500, token: 1 } });
    expect(stillHeld(prune(log, limit, 520), { at: 500, token: 1 })).toBe(true);
    expect(stillHeld(prune(log, limit, 500 + HOLD_KEPT_MS), { at: 500, token: 1 })).toBe(false);
  });

  it("grants nothing before a provider's pause ends", () => {
    const limit: LimitDef = { id: "l", calls: 5, perMs: 1_000, scope: "global" };
    const slot = earliestSlot({
      limits: [limit],
      logs: [{ grants: [], pausedUntil: 4_000 }],
      permits: 1,
      priority: "high",
      now: 1_000,
    });
    expect(slot).toBe(4_000);
  });

  it("widens each window by the safety margin", () => {
    const limit: LimitDef = { id: "l", calls: 1, perMs: 1_000, scope: "global" };
    const log = place({ grants: [] }, 1, 0);
    expect(earliestSlot({ limits: [limit], logs: [log], permits: 1, priority: "high", now: 1 })).toBe(
      1_000 + defaultPolicy.safetyMarginMs(limit),
    );
  });

  it("reserves 5% of a limit for high work by default", () => {
    expect(defaultPolicy.reserve({ id: "l", calls: 20, perMs: 1, scope: "global" })).toBe(1);
    expect(defaultPolicy.reserve({ id: "l", calls: 3, perMs: 1, scope: "global" })).toBe(0);
  });
});

describe("policyWithMarginFloor", () => {
  it("widens every margin to the floor and keeps a caller's lateness at 25 ms, the rest for the way to the provider", () => {
    const perSecond: LimitDef = { id: "s", calls: 3, perMs: 1_000, scope: "global" };
    const hourly: LimitDef = { id: "h", calls: 1, perMs: 3_600_000, scope: "tenant" };
    const local = policyWithMarginFloor(150);
    expect([local.safetyMarginMs(perSecond), local.safetyMarginMs(hourly)]).toEqual([150, 250]);
    expect(validForMs([perSecond], local)).toBe(25);
    // The default (deployed) is unchanged.
    expect(policyWithMarginFloor(50)).toBe(defaultPolicy);
    expect(validForMs([perSecond])).toBe(25);
  });
});
