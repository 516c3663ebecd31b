import { describe, expect, expectTypeOf, it, vi } from "vitest";
import { z } from "zod";
import { minutes, type ProviderDef } from "#catalog/types.ts";
import { UnknownSyncError, ValidationError } from "#core/errors.ts";
import { defineProvider, type PlanRunOf, type SyncOf, type SyncRunOf } from "#providers/define.ts";
import type { Entity, ProviderFetch, ProviderModule, SyncRun } from "#providers/types.ts";
import { entitiesOf, freshRunParts } from "../../support/pages.ts";

/** A provider of tide tables: one sync type without params, one with. */
const tides = {
  id: "tides",
  displayName: "Tides",
  baseUrl: "https://tides.example",
  tiers: [{ id: "free", description: "The only one." }],
  connection: { settings: z.object({}).strict() },
  limits: [{ id: "per-minute", calls: 10, perMs: minutes(1), scope: "tenant" }],
  endpointGroups: [{ id: "api", limits: ["per-minute"], endpoints: ["GET /v1/stations", "GET /v1/heights"] }],
  syncTypes: [
    {
      id: "stations",
      description: "The stations, daily.",
      direction: "pull",
      calls: { api: 1 },
      cadence: { kind: "manual" },
      priority: "low",
      entityTypes: ["stations"],
    },
    {
      id: "heights",
      description: "A station's heights.",
      direction: "pull",
      calls: { api: 1 },
      cadence: { kind: "manual" },
      priority: "normal",
      entityTypes: ["heights"],
      params: z
        .object({ station: z.string().regex(/^[A-Z]{3}$/), day: z.string().max(10).optional() })
        .strict(),
    },
  ],
} as const satisfies ProviderDef;

type Tides = typeof tides;
const station: Entity = { type: "stations", id: "BRE", data: { name: "Brest" } };
const stations: SyncOf<Tides, "stations"> = async function* () {
  yield { entities: [station] };
};
const heights: SyncOf<Tides, "heights"> = async function* (run) {
  yield {
    entities: [{ type: "heights", id: `${run.params.station}-${run.params.day ?? "today"}`, data: {} }],
  };
};

const fetch: ProviderFetch = async () => new Response("[]");
const runOf = (syncType: string, params: Record<string, string> = {}): SyncRun => ({
  tenantId: "acme",
  syncType,
  params,
  now: new Date("2026-05-10T14:00:00Z"),
  fetch,
  store: { get: async () => undefined, list: async () => [] },
  ...freshRunParts(),
});

describe("defineProvider types", () => {
  it("requires exactly one sync per declared sync type", () => {
    defineProvider(tides, { syncs: { stations, heights } });

    // @ts-expect-error "heights" is declared but not implemented.
    defineProvider(tides, { syncs: { stations } });
    // @ts-expect-error "tideClock" is implemented but not declared.
    defineProvider(tides, { syncs: { stations, heights, tideClock: stations } });
    const builtElsewhere = { stations, heights, tideClock: stations };
    // @ts-expect-error an undeclared key is refused from a variable too, not only from a literal.
    defineProvider(tides, { syncs: builtElsewhere });
  });

  it("asks for `as const` when the definition's ids are not literal types", () => {
    const widened: ProviderDef = tides;

    // @ts-expect-error without literal ids nothing could be checked.
    defineProvider(widened, { syncs: {} });
  });

  it("types each sync's params from its sync type's schema", () => {
    expectTypeOf<SyncRunOf<Tides, "heights">["params"]>().toEqualTypeOf<
      Readonly<{ station: string; day?: string | undefined }>
    >();
    expectTypeOf<SyncRunOf<Tides, "stations">["params"]>().toEqualTypeOf<Readonly<Record<never, string>>>();
    expectTypeOf<SyncRunOf<Tides, "heights">["syncType"]>().toEqualTypeOf<"heights">();

    defineProvider(tides, {
      syncs: {
        heights,
        stations: async function* (run) {
          // @ts-expect-error "stations" takes no params.
          yield { entities: [{ ...station, id: run.params.station }] };
        },
      },
    });
  });

  it("lets plan tell the sync types apart by id", () => {
    expectTypeOf<PlanRunOf<Tides>["syncType"]>().toEqualTypeOf<"stations" | "heights">();
    defineProvider(tides, {
      syncs: { stations, heights },
      async plan(run) {
        if (run.syncType === "heights") expectTypeOf(run.params.station).toEqualTypeOf<string>();
        return { run: true, params: run.params };
      },
    });
  });

  it("is a ProviderModule that carries its definition", () => {
    const module = defineProvider(tides, { syncs: { stations, heights } });

    expectTypeOf(module).toExtend<ProviderModule>();
    expectTypeOf(module.definition).toEqualTypeOf<Tides>();
    expect(module.id).toBe("tides");
    expect(module.definition).toBe(tides);
  });
});

describe("defineProvider module.sync", () => {
  it("runs the sync of the run's sync type with its params parsed", async () => {
    // Prepare
    const heightsSpy = vi.fn(heights);
    const stationsSpy = vi.fn(stations);
    const module = defineProvider(tides, { syncs: { stations: stationsSpy, heights: heightsSpy } });

    // Act
    const entities = await entitiesOf(module.sync(runOf("heights", { station: "BRE", day: "2026-05-10" })));

    // Assess
    expect(entities).toEqual([{ type: "heights", id: "BRE-2026-05-10", data: {} }]);
    expect(stationsSpy).not.toHaveBeenCalled();
    expect(heightsSpy).toHaveBeenCalledWith(
      expect.objectContaining({
        tenantId: "acme",
        syncType: "heights",
        fetch,
        params: { station: "BRE", day: "2026-05-10" },
      }),
    );
  });

  it("refuses a sync type the definition does not declare", async () => {
    const module = defineProvider(tides, { syncs: { stations, heights } });

    await expect(entitiesOf(module.sync(runOf("tideClock")))).rejects.toThrow(
      new UnknownSyncError('tides has no sync type "tideClock"'),
    );
  });

  it("refuses params off the schema before the sync is called", async () => {
    const heightsSpy = vi.fn(heights);
    const module = defineProvider(tides, { syncs: { stations, heights: heightsSpy } });

    await expect(entitiesOf(module.sync(runOf("heights", { station: "brest" })))).rejects.toThrow(
      ValidationError,
    );
    await expect(entitiesOf(module.sync(runOf("heights")))).rejects.toThrow(/params\.station/);
    await expect(entitiesOf(module.sync(runOf("stations", { station: "BRE" })))).rejects.toThrow(
      /sync type "stations" takes no params/,
    );
    expect(heightsSpy).not.toHaveBeenCalled();
  });
});

describe("defineProvider module.plan", () => {
  it("is absent when the implementation has none, so every run goes ahead", () => {
    const module = defineProvider(tides, { syncs: { stations, heights } });

    expect(module.plan).toBeUndefined();
  });

  it("hands plan the checked run and returns its decision", async () => {
    const plan = vi.fn(async (run: PlanRunOf<Tides>) =>
      run.syncType === "heights"
        ? { run: true as const, params: run.params }
        : { run: false as const, reason: "daily" },
    );
    const module = defineProvider(tides, { syncs: { stations, heights }, plan });
    const { fetch: _, pushed: __, ...planRun } = runOf("heights", { station: "BRE" });

    const heightsPlan = await module.plan?.(planRun);
    const stationsPlan = await module.plan?.({ ...planRun, syncType: "stations", params: {} });

    expect(heightsPlan).toEqual({ run: true, params: { station: "BRE" } });
    expect(stationsPlan).toEqual({ run: false, reason: "daily" });
    await expect(module.plan?.({ ...planRun, params: { station: "BRE", tide: "high" } })).rejects.toThrow(
      ValidationError,
    );
    expect(plan).toHaveBeenCalledTimes(2);
  });

  it("checks the params a plan filled in before the sync sees them", async () => {
    const heightsSpy = vi.fn(heights);
    const module = defineProvider(tides, {
      syncs: { stations, heights: heightsSpy },
      plan: async (run) => ({ run: true, params: { ...run.params, station: "somewhere" } }),
    });
    const { fetch: _, pushed: __, ...planRun } = runOf("heights", { station: "BRE" });

    const plan = await module.plan?.(planRun);
    const params = plan?.run ? plan.params : {};

    await expect(entitiesOf(module.sync({ ...runOf("heights"), params }))).rejects.toThrow(ValidationError);
    expect(heightsSpy).not.toHaveBeenCalled();
  });
});
