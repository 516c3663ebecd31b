import { describe, expect, it } from "vitest";
import type { Page, ProviderRequest } from "#providers/types.ts";
import {
  drain,
  failure,
  idsOf,
  json,
  NOW,
  RESULTS_4613373,
  rider,
  storeOf,
  stubFetch,
  subjectsOf,
} from "./fixtures.ts";

const epoch = (date: Date, plusMs = 0) => Math.floor((date.getTime() + plusMs) / 1000);
const MINUTE = 60_000;
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

describe("eventResults after the end", () => {
  const EVENT = "4613373";
  const knownEvent = (startMs: number) =>
    storeOf([
      { type: "events", id: EVENT, data: { eventId: EVENT, time: startMs / 1000, status: "upcoming" } },
    ]);

  it("queues one second look when the first, at the due time, finds none posted yet", async () => {
    // Prepare: the event started 1 h 45 min ago; its results were due 5 minutes ago.
    const start = NOW.getTime() - 105 * MINUTE;
    const { fetch } = stubFetch(() => json(404, { message: "Event not found" }));

    // Act
    const pages = await drain({
      syncType: "eventResults",
      fetch,
      params: { eventId: EVENT },
      store: knownEvent(start),
    });

    // Assess: nothing stored, and a look 30 minutes after the due time, the same job from any run.
    expect(pages).toEqual([
      {
        entities: [],
        children: [
          {
            syncType: "eventResults",
            params: { eventId: EVENT },
            notBefore: start + 130 * MINUTE,
            once: true,
          },
        ],
      },
    ]);
  });

  it("ends quietly, looking no more, when the second look finds none either", async () => {
    // Prepare: the second look runs when it is due.
    const start = NOW.getTime() - 130 * MINUTE;
    const { fetch } = stubFetch(() => json(200, { ...RESULTS_4613373, results: [] }));

    // Act
    const pages = await drain({
      syncType: "eventResults",
      fetch,
      params: { eventId: EVENT },
      store: knownEvent(start),
    });

    // Assess: no third look; the results safety net catches what is posted later.
    expect(pages).toEqual([{ entities: [] }]);
  });

  it("stores the results when the look finds them", async () => {
    // Prepare
    const start = NOW.getTime() - 100 * MINUTE;
    const { fetch } = stubFetch(() => json(200, RESULTS_4613373));

    // Act
    const pages = await drain({
      syncType: "eventResults",
      fetch,
      params: { eventId: EVENT },
      store: knownEvent(start),
    });

    // Assess
    expect(idsOf(pages, "eventResults")).toEqual([EVENT]);
    expect(pages[0]?.children).toBeUndefined();
  });
});

describe("results (experimental safety net)", () => {
  it("enqueues results only for recent events whose looks are over and that have none stored", async () => {
    // Prepare: 101 and 103 started 4 h ago (looks over), 102 too but its results are stored; 104
    // started an hour ago (its looks are still to come); 105 two days ago (ZR has none by now).
    const started = (id: number, hoursAgo: number) => ({
      eventId: String(id),
      time: epoch(NOW, -hoursAgo * HOUR),
    });
    const finished = [started(101, 4), started(102, 4), started(103, 4), started(104, 1), started(105, 48)];
    const { fetch, requests } = stubFetch(() => json(200, finished));
    const store = storeOf([{ type: "eventResults", id: "102", data: {} }]);

    // Act
    const pages = await drain({ syncType: "results", fetch, store });

    // Assess
    expect(requests.map((r) => [r.path, r.query])).toEqual([["/events", "limit=25"]]);
    expect(idsOf(pages, "events")).toEqual(["101", "102", "103", "104", "105"]);
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

describe("events: signups near and far, results after the end (experimental)", () => {
  // Started 10 min ago (still listed), near (< 6 h), and five far ones.
  const upcoming = [
    { eventId: "200", time: epoch(NOW, -10 * MINUTE) },
    { eventId: "201", time: epoch(NOW, HOUR), title: "Soon" },
    { eventId: "202", time: epoch(NOW, 5 * HOUR) },
    { eventId: "203", time: epoch(NOW, 7 * HOUR) },
    { eventId: "204", time: epoch(NOW, 13 * HOUR) },
    { eventId: "205", time: epoch(NOW, 25 * HOUR) },
    { eventId: "206", time: epoch(NOW, 30 * HOUR) },
  ];
  const signupsOf = (pages: Page[]) =>
    (pages[0]?.children ?? [])
      .filter((c) => c.syncType === "signups")
      .map((c) => `${c.params.eventId}${c.priority === "low" ? " low" : ""}`);
  const looksOf = (pages: Page[]) => (pages[0]?.children ?? []).filter((c) => c.syncType === "eventResults");

  it("where reads refresh, fetches the signups of each event in its last hour and of one more, never fetched first", async () => {
    // Prepare: 201 starts in 59 min; 202 (5 h out) was fetched 6 min ago (stale), 203 never.
    const soon = [{ eventId: "201", time: epoch(NOW, 59 * MINUTE), title: "Soon" }, ...upcoming.slice(2)];
    const { fetch, requests } = stubFetch(() => json(200, [upcoming[0], ...soon]));
    const subjects = subjectsOf({ "signups 202": new Date(NOW.getTime() - 6 * MINUTE).toISOString() });

    // Act
    const pages = await drain({ syncType: "events", fetch, subjects });

    // Assess: reads pay for the rest; 202 and the others wait for later runs or a reader.
    expect(requests.map((r) => r.path)).toEqual(["/events/upcoming"]);
    expect(pages[0]?.entities[1]).toEqual({
      type: "events",
      id: "201",
      data: { eventId: "201", time: soon[0]?.time, title: "Soon", status: "upcoming" },
    });
    expect(signupsOf(pages)).toEqual(["201", "203 low"]);
  });

  it("then gives its one far slot to the soonest stale event once every one has been fetched", async () => {
    // Prepare: all fetched; 202 (5 h out: 5 min target) 6 min ago, 203 (7 h: 15 min) 10 min ago.
    const { fetch } = stubFetch(() => json(200, upcoming));
    const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();
    const subjects = subjectsOf(
      Object.fromEntries(
        upcoming.map((e) => [`signups ${e.eventId}`, ago(e.eventId === "203" ? 10 * MINUTE : 6 * MINUTE)]),
      ),
    );

    // Act
    const pages = await drain({ syncType: "events", fetch, subjects });

    // Assess: 201 (exactly 1 h out) is not in its last hour yet; it is the soonest stale one.
    expect(signupsOf(pages)).toEqual(["201 low"]);
  });

  it("where reads do not refresh, fetches every stale near event (< 6 h) and the 3 soonest far ones", async () => {
    // Prepare
    const { fetch } = stubFetch(() => json(200, upcoming));

    // Act
    const pages = await drain({ syncType: "events", fetch, refreshOnRead: false });

    // Assess: none synced yet, so all are stale; the far ones go low, and 206 waits for a later run.
    expect(signupsOf(pages)).toEqual(["201", "202", "203 low", "204 low", "205 low"]);
  });

  it("queues no signups for a connection that fetches them only on demand, but still the results looks", async () => {
    // Prepare
    const { fetch } = stubFetch(() => json(200, upcoming));
    const settings = { clubId: 1001, experimental: true, signups: "onDemand" };

    // Act
    const pages = await drain({ syncType: "events", fetch, settings, refreshOnRead: false });

    // Assess
    expect(signupsOf(pages)).toEqual([]);
    expect(looksOf(pages).map((look) => look.params.eventId)).toEqual(["201"]);
  });

  it("skips signups still within their target, and gives the far slots to the next stale ones", async () => {
    // Prepare: 201 (1 h out: 5 min target) synced 2 min ago; 203 (7 h out: 15 min) 10 min ago;
    // 202 (5 h out: 5 min) 6 min ago, so it is stale again.
    const { fetch } = stubFetch(() => json(200, upcoming));
    const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();
    const subjects = subjectsOf({
      "signups 201": ago(2 * MINUTE),
      "signups 202": ago(6 * MINUTE),
      "signups 203": ago(10 * MINUTE),
    });

    // Act
    const pages = await drain({ syncType: "events", fetch, subjects, refreshOnRead: false });

    // Assess: never-fetched far ones come first (204–206); 203 is within its target.
    expect(signupsOf(pages)).toEqual(["202", "204 low", "205 low", "206 low"]);
  });

  it("queues one look at the results of each event starting within 2 h, due 100 min after its start", async () => {
    // Prepare
    const { fetch } = stubFetch(() => json(200, upcoming));

    // Act
    const pages = await drain({ syncType: "events", fetch });

    // Assess: 90 min of expected race and 10 of delay; 202 (5 h out) gets its look from a later run.
    expect(looksOf(pages)).toEqual([
      {
        syncType: "eventResults",
        params: { eventId: "201" },
        notBefore: NOW.getTime() + HOUR + 100 * MINUTE,
        once: true,
      },
    ]);
  });

  it("names the same look from the next hour's run, so it is one job", async () => {
    // Prepare: an event 90 minutes out is seen by this run and by the next, an hour on.
    const soon = [{ eventId: "210", time: epoch(NOW, 90 * MINUTE) }];
    const { fetch } = stubFetch(() => json(200, soon));

    // Act
    const first = await drain({ syncType: "events", fetch });
    const next = await drain({ syncType: "events", fetch, now: new Date(NOW.getTime() + HOUR) });

    // Assess
    expect(looksOf(first)).toHaveLength(1);
    expect(looksOf(next)).toEqual(looksOf(first));
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
