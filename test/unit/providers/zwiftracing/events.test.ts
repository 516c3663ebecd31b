import { describe, expect, it } from "vitest";
import type { ProviderRequest } from "#providers/types.ts";
import { drain, failure, idsOf, json, NOW, RESULTS_4613373, rider, storeOf, stubFetch } from "./fixtures.ts";

const epoch = (date: Date, plusMs = 0) => Math.floor((date.getTime() + plusMs) / 1000);
const HOUR = 3_600_000;

describe("rider", () => {
  it("gets one rider by id", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(() => json(200, rider(5574)));

    // Act
    const pages = await drain({ syncType: "rider", fetch, params: { riderId: "5574" } });

    // Assess
    expect(requests.map((r) => [r.method, r.path])).toEqual([["GET", "/public/riders/5574"]]);
    expect(pages).toEqual([{ entities: [{ type: "riders", id: "5574", data: rider(5574) }] }]);
  });

  it("says which rider ZR does not know", async () => {
    // Prepare
    const { fetch } = stubFetch(() => json(404, { message: "Rider not found" }));

    // Act
    const error = await failure({ syncType: "rider", fetch, params: { riderId: "77" } });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_REJECTED", status: 404 });
    expect((error as Error).message).toContain("rider 77 not found");
  });

  it("drops fields ZR does not document rather than storing them", async () => {
    // Prepare
    const { fetch } = stubFetch(() => json(200, rider(5574, { internalScore: 3, race: { finishes: 2 } })));

    // Act
    const pages = await drain({ syncType: "rider", fetch, params: { riderId: "5574" } });

    // Assess
    const data = pages[0]?.entities[0]?.data;
    expect(data).not.toHaveProperty("internalScore");
    expect(data?.race).toEqual({ finishes: 2 });
  });
});

describe("eventResults", () => {
  it("maps the real results of event 4613373 to a row per rider and the event's summary", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(() => json(200, RESULTS_4613373));

    // Act
    const pages = await drain({ syncType: "eventResults", fetch, params: { eventId: "4613373" } });

    // Assess
    expect(requests.map((r) => r.path)).toEqual(["/public/results/4613373"]);
    expect(pages[0]?.entities).toEqual([
      { type: "results", id: "4613373:17055", data: { ...RESULTS_4613373.results[0], eventId: "4613373" } },
      {
        type: "eventResults",
        id: "4613373",
        data: {
          eventId: "4613373",
          title: RESULTS_4613373.title,
          time: 1733339700,
          type: "Race",
          subType: "Points",
          distance: 16.22,
          elevation: 0,
          routeId: "3356878261",
          finishers: 1,
        },
      },
    ]);
  });

  it("fails as rejected for an event ZR has no results for", async () => {
    // Prepare
    const { fetch } = stubFetch(() => json(404, { message: "Event not found" }));

    // Act
    const error = await failure({ syncType: "eventResults", fetch, params: { eventId: "123" } });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_REJECTED", status: 404 });
    expect((error as Error).message).toContain("event 123 not found");
  });
});

describe("results (experimental fan-out)", () => {
  it("lists finished events and enqueues results only for events not stored yet", async () => {
    // Prepare
    const finished = [101, 102, 103].map((id) => ({ eventId: String(id), time: epoch(NOW, -HOUR) }));
    const { fetch, requests } = stubFetch(() => json(200, finished));
    const store = storeOf([{ type: "eventResults", id: "102", data: {} }]);

    // Act
    const pages = await drain({ syncType: "results", fetch, store });

    // Assess
    expect(requests.map((r) => [r.path, r.query])).toEqual([["/events", "limit=25"]]);
    expect(idsOf(pages, "events")).toEqual(["101", "102", "103"]);
    expect(pages[0]?.entities.every((e) => e.data.status === "finished")).toBe(true);
    expect(pages[0]?.children).toEqual([
      { syncType: "eventResults", params: { eventId: "101" } },
      { syncType: "eventResults", params: { eventId: "103" } },
    ]);
  });

  it("refuses to call the undocumented endpoint unless the connection is experimental", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(() => json(200, []));

    // Act
    const error = await failure({ syncType: "results", fetch, settings: { clubId: 1001 } });

    // Assess
    expect(error).toMatchObject({ code: "VALIDATION_ERROR" });
    expect(requests).toEqual([]);
  });
});

describe("events and signups (experimental)", () => {
  it("stores upcoming events and enqueues signups for those starting within 6 hours", async () => {
    // Prepare
    const upcoming = [
      { eventId: "201", time: epoch(NOW, HOUR), title: "Soon" },
      { eventId: "202", time: epoch(NOW, 5 * HOUR) },
      { eventId: "203", time: epoch(NOW, 7 * HOUR) },
    ];
    const { fetch, requests } = stubFetch(() => json(200, upcoming));

    // Act
    const pages = await drain({ syncType: "events", fetch });

    // Assess
    expect(requests.map((r) => r.path)).toEqual(["/events/upcoming"]);
    expect(pages[0]?.entities[0]).toEqual({
      type: "events",
      id: "201",
      data: { eventId: "201", time: upcoming[0]?.time, title: "Soon", status: "upcoming" },
    });
    expect(pages[0]?.children?.map((c) => c.params.eventId)).toEqual(["201", "202"]);
    expect(pages[0]?.children?.every((c) => c.syncType === "signups")).toBe(true);
  });

  it("maps each pen's signups with the entry's rating, else the rider's current one", async () => {
    // Prepare
    const pens = [
      { pen: "A", riders: [rider(5574)] },
      { pen: "B", riders: [{ riderId: 8, name: "Unrated" }] },
      { pen: "C", riders: [{ riderId: 9, name: "Flat", rating: 1210.5 }] },
    ];
    const route = (request: ProviderRequest) =>
      json(request.path === "/events/201/signups" ? 200 : 404, pens);
    const { fetch } = stubFetch(route);

    // Act
    const pages = await drain({ syncType: "signups", fetch, params: { eventId: "201" } });

    // Assess
    expect(pages[0]?.entities).toEqual([
      {
        type: "signups",
        id: "201:5574",
        data: { eventId: "201", pen: "A", riderId: 5574, name: "Rider 5574", rating: 1395.2 },
      },
      {
        type: "signups",
        id: "201:8",
        data: { eventId: "201", pen: "B", riderId: 8, name: "Unrated", rating: null },
      },
      {
        type: "signups",
        id: "201:9",
        data: { eventId: "201", pen: "C", riderId: 9, name: "Flat", rating: 1210.5 },
      },
    ]);
  });
});
