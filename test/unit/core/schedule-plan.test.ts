import { describe, expect, it } from "vitest";
import { z } from "zod";
import { catalog } from "#catalog/index.ts";
import { type Catalog, minutes, type ProviderDef, seconds } from "#catalog/types.ts";
import {
  checkCatalog,
  connectionSchedulePlan,
  rateExpression,
  scheduleMessage,
} from "#core/schedule-plan.ts";

const openf1 = catalog.providers.find((p) => p.id === "openf1") as ProviderDef;
const connection = { connectionId: "c-00000000000000000001", tenantId: "acme", settings: {} };

describe("connectionSchedulePlan", () => {
  it("schedules each scheduled sync type of one connection at its planned minute, windowed ones left to their windows", () => {
    const plan = connectionSchedulePlan(openf1, { ...connection, offsets: { sessions: 17 } });

    // weather and race_control run only while a session is live (one-time schedules per window).
    expect(plan.map((d) => d.name)).toEqual([
      "c-00000000000000000001.meetings",
      "c-00000000000000000001.sessions",
    ]);
    expect(plan.find((d) => d.syncType === "sessions")).toMatchObject({
      expression: "cron(17 * * * ? *)",
      slots: 1,
      tenantId: "acme",
      connectionId: "c-00000000000000000001",
    });
    expect(plan.find((d) => d.syncType === "meetings")?.expression).toBe("cron(15 0 * * ? *)");
  });

  it("leaves out manual sync types and those the connection's settings leave off", () => {
    const zwift = catalog.providers.find((p) => p.id === "zwiftracing") as ProviderDef;
    const standard = connectionSchedulePlan(zwift, { ...connection, settings: { clubId: 1 } }).map(
      (d) => d.syncType,
    );
    const experimental = connectionSchedulePlan(zwift, {
      ...connection,
      settings: { clubId: 1, experimental: true },
    }).map((d) => d.syncType);
    expect(standard).toEqual(["clubMembers", "riderStats"]);
    expect(experimental).toEqual(["clubMembers", "riderStats", "results", "events"]);
  });

  it("builds the message a schedule sends, naming its connection", () => {
    const def = connectionSchedulePlan(openf1, connection)[0];
    if (!def) throw new Error("no schedule");
    expect(scheduleMessage(def, "2026-01-01T00:00:00Z")).toMatchObject({
      source: "schedule",
      slot: 0,
      tenantId: "acme",
      connectionId: "c-00000000000000000001",
    });
  });

  it("writes rate expressions Scheduler accepts", () => {
    expect(rateExpression(minutes(1))).toBe("rate(1 minute)");
    expect(rateExpression(minutes(15))).toBe("rate(15 minutes)");
    expect(rateExpression(seconds(30))).toBe("rate(1 minute)");
  });
});

describe("checkCatalog", () => {
  it("accepts the shipped catalog", () => {
    expect(checkCatalog(catalog)).toEqual([]);
  });

  it("refuses a scheduled sync type whose params are required, since a schedule sends none", () => {
    const perEvent: ProviderDef = {
      id: "timing",
      displayName: "Timing",
      baseUrl: "http://x",
      tiers: [{ id: "basic", description: "" }],
      connection: { settings: z.object({}).strict() },
      limits: [{ id: "minute", calls: 60, perMs: minutes(1), scope: "tenant" }],
      endpointGroups: [{ id: "api", limits: ["minute"], endpoints: ["GET /results/{eventId}"] }],
      syncTypes: [
        {
          id: "results",
          description: "",
          direction: "pull",
          calls: { api: 1 },
          cadence: { kind: "rate", everyMs: minutes(30) },
          priority: "normal",
          entityTypes: ["results"],
          params: z.object({ eventId: z.string() }).strict(),
        },
      ],
    };

    expect(checkCatalog({ providers: [perEvent] })).toEqual([
      "timing/results: scheduled, but its params are required (a schedule sends none): make it manual or the params optional",
    ]);
  });

  it("reports every problem at once: dangling limits and groups, unknown tiers, schedules over budget", () => {
    const broken: ProviderDef = {
      id: "tight",
      displayName: "Tight",
      baseUrl: "http://x",
      tiers: [{ id: "basic", description: "" }],
      connection: { settings: z.object({}).strict() },
      limits: [{ id: "hourly", calls: 1, perMs: minutes(60), scope: "tenant", tiers: { gold: 5 } }],
      endpointGroups: [{ id: "api", limits: ["hourly", "ghost"], endpoints: ["GET /members", "/bare"] }],
      syncTypes: [
        {
          id: "members",
          description: "",
          direction: "pull",
          calls: { api: 2, nowhere: 1 },
          cadence: { kind: "rate", everyMs: minutes(15) },
          priority: "normal",
          entityTypes: ["members"],
        },
      ],
    };
    const problems = checkCatalog({ providers: [broken] } satisfies Catalog);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/unknown limit "ghost"/),
        expect.stringMatching(/unknown tier "gold"/),
        expect.stringMatching(/endpoint "\/bare" .* must read "METHOD \/path"/),
        expect.stringMatching(/unknown endpoint group "nowhere"/),
        // 2 calls every 15 min, each run spread one call per hour: 8 calls in every hour.
        'tight limit "hourly" (tenant key): 8 calls planned in the worst 60 min window, 1 allowed (one connection on tier "basic")',
      ]),
    );
  });

  it("accepts a run that needs more calls than one window grants: it continues when the next permit frees", () => {
    const zwift = catalog.providers.find((p) => p.id === "zwiftracing") as ProviderDef;
    // 3 club pages against 1 per 60 min.
    expect(zwift.syncTypes.find((s) => s.id === "clubMembers")?.calls).toMatchObject({ clubs: 3 });
    expect(checkCatalog({ providers: [zwift] })).toEqual([]);
  });
});
