import { describe, expect, it } from "vitest";
import { catalog } from "#catalog/index.ts";
import { type Catalog, minutes, type ProviderDef, seconds } from "#catalog/types.ts";
import { checkCatalog, rateExpression, scheduleMessage, schedulePlan } from "#core/schedule-plan.ts";

describe("schedulePlan", () => {
  it("schedules each scheduled sync type per tenant, fanning sub-minute cadences into slots", () => {
    const plan = schedulePlan(catalog, ["acme", "globex"]);
    const weather = plan.filter((d) => d.syncType === "weather");
    expect(weather.map((d) => d.tenantId)).toEqual(["acme", "globex"]);
    expect(weather[0]).toMatchObject({ expression: "rate(1 minute)", slots: 2, slotIntervalMs: 30_000 });
    expect(plan.find((d) => d.syncType === "sessions")).toMatchObject({
      expression: "rate(1 hour)",
      slots: 1,
    });
    expect(plan.find((d) => d.syncType === "meetings")?.expression).toBe("cron(15 0 * * ? *)");
    expect(new Set(plan.map((d) => d.name)).size).toBe(plan.length);
  });

  it("builds the message a schedule sends", () => {
    const def = schedulePlan(catalog, ["acme"])[0];
    if (!def) throw new Error("no schedule");
    expect(scheduleMessage(def, "2026-01-01T00:00:00Z")).toMatchObject({
      source: "schedule",
      slot: 0,
      tenantId: "acme",
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
    expect(checkCatalog(catalog, ["default"])).toEqual([]);
  });

  it("reports every problem at once: dangling limits, runs too costly, schedules over budget", () => {
    const broken: ProviderDef = {
      id: "tight",
      displayName: "Tight",
      baseUrl: "http://x",
      limits: [{ id: "hourly", calls: 1, perMs: minutes(60), scope: "tenant" }],
      endpointGroups: [{ id: "api", limits: ["hourly", "ghost"], paths: [] }],
      syncTypes: [
        {
          id: "members",
          description: "",
          direction: "pull",
          endpointGroup: "api",
          cost: 2,
          cadence: { kind: "rate", everyMs: minutes(15) },
          priority: "normal",
          entityTypes: ["members"],
        },
      ],
    };
    const problems = checkCatalog({ providers: [broken] } satisfies Catalog, ["a"]);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/unknown limit "ghost"/),
        expect.stringMatching(/costs 2 calls but limit "hourly" grants 1/),
        expect.stringMatching(/schedules need 8\.00 calls .* allows 1/),
      ]),
    );
  });

  it("counts every tenant against a global limit", () => {
    expect(
      checkCatalog(
        catalog,
        Array.from({ length: 8 }, (_, i) => `t${i}`),
      ),
    ).toEqual([expect.stringMatching(/limit "per-minute" allows 30/)]);
  });
});
