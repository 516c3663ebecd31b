import { describe, expect, it } from "vitest";
import type { ProviderRequest } from "#providers/types.ts";
import {
  drain,
  EVENT_90001,
  idsOf,
  json,
  pagingHeaders,
  queryParam,
  RACES_90001,
  stubFetch,
} from "./fixtures.ts";

const listSettings = { experimental: false };

/** `count` events 1..count, listed `size` per page with ChronoTrack's paging headers; each has one race. */
function account(count: number) {
  const events = Array.from({ length: count }, (_, i) => ({
    ...EVENT_90001,
    event_id: String(i + 1),
    event_name: `Event ${i + 1}`,
  }));
  return (request: ProviderRequest) => {
    const { path } = request;
    if (path === "/event") {
      const page = Number(queryParam(request, "page"));
      const size = Number(queryParam(request, "size"));
      const rows = events.slice((page - 1) * size, page * size);
      return json(200, { event: rows }, pagingHeaders(page, Math.ceil(count / size)));
    }
    const id = path.split("/")[2] ?? "";
    if (path.endsWith("/race")) return json(200, { event_race: [{ race_id: `${id}1`, race_name: "5K" }] });
    return json(200, { event: events.find((e) => e.event_id === id) });
  };
}

describe("events", () => {
  it("reads each configured event and its races, one RaceEvent per ChronoTrack race", async () => {
    // Prepare
    const { fetch, requests } = stubFetch((request) =>
      request.path.endsWith("/race")
        ? json(200, { event_race: RACES_90001 })
        : json(200, { event: EVENT_90001 }),
    );

    // Act
    const pages = await drain({ syncType: "events", fetch });

    // Assess
    expect(requests.map((r) => r.path)).toEqual(["/event/90001", "/event/90001/race"]);
    expect(pages).toEqual([
      {
        entities: [
          {
            type: "events",
            id: "900011",
            data: {
              eventId: "900011",
              raceId: "90001",
              name: "5K",
              raceName: "Harbour Run",
              startsAt: "2026-05-10T09:00:00.000Z",
              endsAt: "2026-05-10T12:00:00.000Z",
              distance: "5 km",
            },
          },
          {
            type: "events",
            id: "900012",
            data: {
              eventId: "900012",
              raceId: "90001",
              name: "10K",
              raceName: "Harbour Run",
              // No planned start of its own: the event's; the event's end as its end.
              startsAt: "2026-05-10T08:00:00.000Z",
              endsAt: "2026-05-10T12:00:00.000Z",
              distance: "10",
            },
          },
        ],
      },
    ]);
  });

  it("lists every event the account sees when no eventIds are set, paging by the X-Ctlive headers", async () => {
    // Prepare: 150 events, 100 a page.
    const { fetch, requests } = stubFetch(account(150));

    // Act
    const pages = await drain({ syncType: "events", fetch, settings: listSettings });

    // Assess
    const lists = requests.filter((r) => r.path === "/event");
    expect(lists.map((r) => queryParam(r, "page"))).toEqual(["1", "2"]);
    expect(requests.filter((r) => /^\/event\/\d+$/.test(r.path))).toEqual([]);
    expect(idsOf(pages, "events")).toHaveLength(150);
    expect(pages.slice(0, -1).every((p) => p.checkpoint !== undefined)).toBe(true);
    expect(pages.at(-1)?.checkpoint).toBeUndefined();
  });

  it("resumes from its checkpoint reading the listed events still to do by id, repeating no call", async () => {
    // Prepare: stopped after event 98 of the first list page.
    const { fetch, requests } = stubFetch(account(150));
    const first = await drain({ syncType: "events", fetch, settings: listSettings });
    const checkpoint = first[97]?.checkpoint;
    requests.length = 0;

    // Act
    const pages = await drain({ syncType: "events", fetch, settings: listSettings, checkpoint });

    // Assess
    expect(checkpoint).toEqual({ listPage: 2, pending: "99,100" });
    expect(requests.slice(0, 4).map((r) => r.path)).toEqual([
      "/event/99",
      "/event/99/race",
      "/event/100",
      "/event/100/race",
    ]);
    expect(requests.filter((r) => r.path === "/event").map((r) => queryParam(r, "page"))).toEqual(["2"]);
    expect(idsOf(pages, "events")).toEqual(Array.from({ length: 52 }, (_, i) => `${i + 99}1`));
    expect(pages.find((p) => p.entities[0]?.id === "991")?.entities[0]?.data).toMatchObject({
      raceName: "Event 99",
    });
  });

  it("pages an event's races by a short page when ChronoTrack sends no paging headers", async () => {
    // Prepare: 100 races on the first page (a full page), 3 on the second.
    const races = Array.from({ length: 103 }, (_, i) => ({
      race_id: String(500 + i),
      race_name: `Wave ${i}`,
    }));
    const { fetch, requests } = stubFetch((request) => {
      if (!request.path.endsWith("/race")) return json(200, { event: EVENT_90001 });
      const page = Number(queryParam(request, "page"));
      return json(200, { event_race: races.slice((page - 1) * 100, page * 100) });
    });

    // Act
    const pages = await drain({ syncType: "events", fetch });

    // Assess
    expect(requests.filter((r) => r.path.endsWith("/race")).map((r) => queryParam(r, "page"))).toEqual([
      "1",
      "2",
    ]);
    expect(idsOf(pages, "events")).toEqual(races.map((r) => r.race_id));
  });
});
