import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { catalog } from "#catalog/index.ts";
import { days, hours, type LimitDef, minutes, type ProviderDef, type SyncTypeDef } from "#catalog/types.ts";
import { connectionSchedulePlan } from "#core/schedule-plan.ts";
import {
  offsetsOf,
  type PlanConnection,
  placeConnection,
  placedAsRecorded,
  planConnections,
} from "#core/slot-plan.ts";
import { fitLine, fitReport } from "#core/slot-plan-fit.ts";
import { CallTimeline, DAY_MS } from "#core/slot-plan-timeline.ts";

const zwift = catalog.providers.find((p) => p.id === "zwiftracing") as ProviderDef;

/** A provider with one limit and one scheduled sync type of one call, at the given cadence. */
function oneSync(
  limit: Omit<LimitDef, "id">,
  everyMs: number,
  extra: Partial<SyncTypeDef> = {},
): ProviderDef {
  return {
    id: "feed",
    displayName: "Feed",
    baseUrl: "http://feed.invalid",
    tiers: [{ id: "basic", description: "" }],
    connection: { settings: z.object({}).strict() },
    limits: [{ id: "api", ...limit }],
    endpointGroups: [{ id: "api", limits: ["api"], endpoints: ["GET /items"] }],
    syncTypes: [
      {
        id: "items",
        description: "",
        direction: "pull",
        calls: { api: 1 },
        cadence: { kind: "rate", everyMs },
        priority: "normal",
        entityTypes: ["items"],
        ...extra,
      },
    ],
  };
}

const connection = (n: number, over: Partial<PlanConnection> = {}): PlanConnection => ({
  connectionId: `c-${n.toString(16).padStart(20, "0")}`,
  tier: "basic",
  budgetKey: `key-${n}`,
  settings: {},
  offsets: {},
  ...over,
});

const minuteOf = (plan: ReturnType<typeof planConnections>, id: string) =>
  plan.find((s) => s.connection.connectionId === id)?.minutes[0];

describe("planConnections", () => {
  it("puts two tenants' hourly syncs on a shared global limit on different minutes", () => {
    // Prepare: 1 call per minute for the whole deployment.
    const feed = oneSync({ calls: 1, perMs: minutes(1), scope: "global" }, hours(1));
    const a = connection(1);
    const b = connection(2);

    // Act
    const plan = planConnections(feed, [a, b]);

    // Assess
    expect(minuteOf(plan, a.connectionId)).not.toBe(minuteOf(plan, b.connectionId));
    expect(fitReport(feed, plan, b)).toEqual([
      { limitId: "api", scope: "global", windowMs: 60_000, planned: 1, allowed: 1, fits: true },
    ]);
  });

  it("fits 10 connections' hourly syncs on a 1 per minute global limit", () => {
    const feed = oneSync({ calls: 1, perMs: minutes(1), scope: "global" }, hours(1));
    const connections = Array.from({ length: 10 }, (_, i) => connection(i + 1));

    const plan = planConnections(feed, connections);

    expect(new Set(plan.map((s) => s.minutes[0])).size).toBe(10);
    expect(fitReport(feed, plan, connections[9] as PlanConnection).every((e) => e.fits)).toBe(true);
  });

  it("refuses the 61st: its report names the limit, planned vs allowed", () => {
    const feed = oneSync({ calls: 1, perMs: minutes(1), scope: "global" }, hours(1));
    const connections = Array.from({ length: 61 }, (_, i) => connection(i + 1));

    const at60 = fitReport(
      feed,
      planConnections(feed, connections.slice(0, 60)),
      connections[59] as PlanConnection,
    );
    const at61 = fitReport(feed, planConnections(feed, connections), connections[60] as PlanConnection);

    expect(at60[0]?.fits).toBe(true);
    expect(at61).toEqual([
      { limitId: "api", scope: "global", windowMs: 60_000, planned: 2, allowed: 1, fits: false },
    ]);
    expect(fitLine("feed", at61[0] as (typeof at61)[0])).toBe(
      'feed limit "api" (global): 2 calls planned in the worst 1 min window, 1 allowed',
    );
  });

  it("spreads every set of up to 60 hourly syncs on a 1 per minute limit over distinct minutes, the same each time", () => {
    const feed = oneSync({ calls: 1, perMs: minutes(1), scope: "global" }, hours(1));
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 60 }),
        (ns) => {
          const connections = ns.map((n) => connection(n));

          const plan = planConnections(feed, connections);
          const again = planConnections(feed, connections);

          expect(new Set(plan.map((s) => s.minutes[0])).size).toBe(ns.length);
          expect(again.map((s) => s.offset)).toEqual(plan.map((s) => s.offset));
        },
      ),
      { numRuns: 30 },
    );
  });

  it("lands tenants with budgets of their own on different minutes rather than all at :00", () => {
    const feed = oneSync({ calls: 100, perMs: minutes(1), scope: "tenant" }, hours(1));
    const connections = Array.from({ length: 12 }, (_, i) => connection(i + 1));

    const plan = planConnections(feed, connections);

    expect(new Set(plan.map((s) => s.minutes[0])).size).toBe(12);
  });

  it("keeps a schedule's recorded minute: placing a newcomer never moves the others", () => {
    const feed = oneSync({ calls: 1, perMs: minutes(1), scope: "global" }, hours(1));
    const first = planConnections(feed, [connection(1), connection(2)]);
    const recorded = [1, 2].map((n) =>
      connection(n, { offsets: offsetsOf(first, connection(n).connectionId) }),
    );

    const others = recorded.flatMap((c) => placedAsRecorded(feed, c));
    const plan = placeConnection(feed, others, connection(3));

    expect(plan.slice(0, 2).map((s) => s.offset)).toEqual(first.map((s) => s.offset));
    expect(new Set(plan.map((s) => s.offset)).size).toBe(3);
  });
});

describe("fitReport on ZwiftRacing", () => {
  const key = { tier: "standard", settings: { clubId: 1 } };

  it("counts a run of 3 club calls against 1 per hour as one call in each of three hours: it fits", () => {
    const one = connection(1, key);

    const report = fitReport(zwift, planConnections(zwift, [one]), one);

    expect(report.find((e) => e.limitId === "clubs")).toMatchObject({ planned: 1, allowed: 1, fits: true });
  });

  it("serves club runs of one key that fire together one after another: 2 clubs fit, 9 do not", () => {
    // Both run the catalog's cron(20 2 * * ? *): 6 pages, one an hour, fit the day; 27 do not.
    const clubs = (n: number) =>
      Array.from({ length: n }, (_, i) => connection(i + 1, { ...key, budgetKey: "one-key" }));
    const clubLimit = (connections: PlanConnection[]) =>
      fitReport(zwift, planConnections(zwift, connections), connections[0] as PlanConnection).find(
        (e) => e.limitId === "clubs",
      );

    expect(clubLimit(clubs(2))).toMatchObject({ planned: 1, allowed: 1, fits: true });
    expect(clubLimit(clubs(9))).toMatchObject({ planned: 2, allowed: 1, fits: false });
  });

  it("adds up the connections sharing one key, and only those", () => {
    // Five connections with the same API key: riderStats' bulk call each hour, five times, against 1 per
    // 15 min (four an hour): however they are placed, one window holds two.
    const [a, b, ...others] = [1, 2, 4, 5, 6].map((n) => connection(n, { ...key, budgetKey: "same" }));
    const c = connection(3, { ...key, budgetKey: "other" });
    if (a === undefined || b === undefined) throw new Error("five connections");

    const plan = planConnections(zwift, [a, b, ...others, c]);

    const bulk = (subject: PlanConnection) =>
      fitReport(zwift, plan, subject).find((e) => e.limitId === "riders-bulk");
    expect(bulk(b)).toMatchObject({ planned: 2, allowed: 1, fits: false });
    expect(fitLine("zwiftracing", bulk(b) as NonNullable<ReturnType<typeof bulk>>)).toBe(
      'zwiftracing limit "riders-bulk" (tenant key): 2 calls planned in the worst 15 min window, 1 allowed',
    );
    expect(bulk(c)).toMatchObject({ planned: 1, fits: true });
  });

  it("counts manual sync types as no scheduled demand", () => {
    const one = connection(1, key);

    const report = fitReport(zwift, planConnections(zwift, [one]), one);

    // rider and eventResults are manual: their limits carry nothing planned.
    expect(report.find((e) => e.limitId === "riders")?.planned).toBe(0);
    expect(report.find((e) => e.limitId === "results")?.planned).toBe(0);
  });
});

describe("office hours", () => {
  const active = { from: "09:00", to: "17:00", timeZone: "Europe/Amsterdam" };

  it("fires only inside them, and the fit check counts only those hours", () => {
    // Prepare: 10 calls a day; an hourly sync makes 24 around the clock, 8 in office hours.
    const feed = oneSync({ calls: 10, perMs: days(1), scope: "tenant" }, hours(1));
    const allDay = connection(1);
    const office = connection(2, { activeHours: active });

    const allDayReport = fitReport(feed, planConnections(feed, [allDay]), allDay);
    const officeReport = fitReport(feed, planConnections(feed, [office]), office);

    expect(allDayReport[0]).toMatchObject({ planned: 24, allowed: 10, fits: false });
    expect(officeReport[0]).toMatchObject({ planned: 8, fits: true });
  });

  it("writes cron hour ranges in the office hours' time zone", () => {
    const feed = oneSync({ calls: 10, perMs: minutes(1), scope: "tenant" }, minutes(30));

    const [def] = connectionSchedulePlan(feed, {
      connectionId: "c-1",
      tenantId: "acme",
      settings: {},
      activeHours: active,
      offsets: { items: 7 },
    });

    expect(def).toMatchObject({ expression: "cron(7,37 9-16 * * ? *)", timezone: "Europe/Amsterdam" });
  });

  it("moves a nightly catalog cron to the first office hour, so it still runs daily", () => {
    const feed = oneSync({ calls: 10, perMs: minutes(1), scope: "tenant" }, hours(1), {
      cadence: { kind: "cron", expression: "cron(20 2 * * ? *)", approxEveryMs: days(1) },
    });

    const [def] = connectionSchedulePlan(feed, {
      connectionId: "c-1",
      tenantId: "t",
      settings: {},
      activeHours: active,
    });

    expect(def?.expression).toBe("cron(20 9 * * ? *)");
  });

  it("spans midnight when it ends before it starts", () => {
    const feed = oneSync({ calls: 10, perMs: minutes(1), scope: "tenant" }, hours(1));

    const [def] = connectionSchedulePlan(feed, {
      connectionId: "c-1",
      tenantId: "t",
      settings: {},
      activeHours: { from: "22:00", to: "06:00" },
      offsets: { items: 5 },
    });

    expect(def).toMatchObject({ expression: "cron(5 0-5,22,23 * * ? *)" });
    expect(def?.timezone).toBeUndefined();
  });
});

describe("planned expressions", () => {
  const plan = (everyMs: number, offset: number, extra: Partial<SyncTypeDef> = {}) =>
    connectionSchedulePlan(oneSync({ calls: 10, perMs: minutes(1), scope: "tenant" }, everyMs, extra), {
      connectionId: "c-1",
      tenantId: "t",
      settings: {},
      offsets: { items: offset },
    })[0];

  it("turns rates dividing a day into crons at the planned minute", () => {
    expect(plan(hours(1), 7)?.expression).toBe("cron(7 * * * ? *)");
    expect(plan(minutes(30), 7)?.expression).toBe("cron(7,37 * * * ? *)");
    expect(plan(minutes(15), 7)?.expression).toBe("cron(7,22,37,52 * * * ? *)");
    expect(plan(hours(6), 60 + 5)?.expression).toBe("cron(5 1,7,13,19 * * ? *)");
    expect(plan(days(1), 3 * 60 + 41)?.expression).toBe("cron(41 3 * * ? *)");
  });

  it("keeps rates that divide no day, and sub-minute ones with their slots", () => {
    expect(plan(minutes(90), 0)?.expression).toBe("rate(90 minutes)");
    expect(plan(minutes(1), 0)?.expression).toBe("rate(1 minute)");
    expect(plan(30_000, 0)).toMatchObject({ expression: "rate(1 minute)", slots: 2, slotIntervalMs: 30_000 });
  });

  it("leaves windowed sync types to their windows' schedules", () => {
    expect(plan(hours(1), 0, { windowed: true })).toBeUndefined();
  });
});

describe("CallTimeline", () => {
  it("finds the busiest window of a repeating day as a brute force count does", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ at: fc.integer({ min: 0, max: DAY_MS - 1 }), calls: fc.integer({ min: 1, max: 3 }) }),
          {
            maxLength: 30,
          },
        ),
        fc.integer({ min: 1, max: 2 * DAY_MS }),
        (points, length) => {
          const timeline = new CallTimeline(points);

          const brute = Math.max(
            0,
            ...points.map((start) =>
              points.reduce((sum, p) => {
                const ahead = (((p.at - start.at) % DAY_MS) + DAY_MS) % DAY_MS;
                const times = ahead < length ? Math.floor((length - 1 - ahead) / DAY_MS) + 1 : 0;
                return sum + p.calls * times;
              }, 0),
            ),
          );

          expect(timeline.worst(length)).toBe(brute);
        },
      ),
    );
  });
});
