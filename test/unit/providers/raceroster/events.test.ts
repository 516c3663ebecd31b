import { describe, expect, it } from "vitest";
import type { ProviderRequest } from "#providers/types.ts";
import { drain, event, failure, idsOf, json, queryOf, stubFetch } from "./fixtures.ts";

/** `count` events with ids 1000, 1001, …, answered `offset` then `limit` at a time, as Race Roster pages. */
function eventsRoute(count: number) {
  const all = Array.from({ length: count }, (_, i) => event(1000 + i));
  return (request: ProviderRequest) => {
    const { offset = "0", limit = "50" } = queryOf(request);
    return json(200, { data: all.slice(Number(offset), Number(offset) + Number(limit)) });
  };
}

describe("events", () => {
  it("lists the account's events from 7 days ago on, by start date, with the + of the offset encoded", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(eventsRoute(3));

    // Act
    await drain({ syncType: "events", fetch });

    // Assess
    expect(requests).toHaveLength(1);
    expect(requests[0]?.path).toBe("/events");
    expect(requests[0]?.query).toContain("eventDateFrom=2026-03-03T18%3A00%3A00%2B00%3A00");
    expect(queryOf(requests[0])).toEqual({
      offset: "0",
      limit: "50",
      sort: "startDate",
      order: "asc",
      eventDateFrom: "2026-03-03T18:00:00+00:00",
    });
  });

  it("pages 50 at a time until a short page, checkpointing the next offset and the window", async () => {
    // Prepare: 120 events, 240 sub-events.
    const { fetch, requests } = stubFetch(eventsRoute(120));

    // Act
    const pages = await drain({ syncType: "events", fetch });

    // Assess
    expect(requests.map((r) => queryOf(r).offset)).toEqual(["0", "50", "100"]);
    const from = "2026-03-03T18:00:00+00:00";
    expect(pages.map((p) => p.checkpoint)).toEqual([{ offset: 50, from }, { offset: 100, from }, undefined]);
    expect(idsOf(pages, "events")).toHaveLength(240);
    expect(new Set(idsOf(pages, "events")).size).toBe(240);
  });

  it("asks once more after a full last page, and stops on the empty one", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(eventsRoute(50));

    // Act
    const pages = await drain({ syncType: "events", fetch });

    // Assess
    expect(requests.map((r) => queryOf(r).offset)).toEqual(["0", "50"]);
    expect(pages.at(-1)).toEqual({ entities: [] });
  });

  it("resumes at its checkpoint's offset with the same window, whatever the clock says now", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(eventsRoute(120));
    const from = "2026-03-01T00:00:00+00:00";

    // Act
    await drain({ syncType: "events", fetch, checkpoint: { offset: 100, from } });

    // Assess
    expect(requests.map((r) => queryOf(r))).toEqual([
      expect.objectContaining({ offset: "100", eventDateFrom: from }),
    ]);
  });

  it("reads each configured event by id, checkpointing the next one", async () => {
    // Prepare
    const { fetch, requests } = stubFetch((request) =>
      json(200, { data: event(Number(request.path.split("/")[2])) }),
    );

    // Act
    const pages = await drain({ syncType: "events", fetch, settings: { eventIds: [7301, 7401] } });

    // Assess
    expect(requests.map((r) => r.path)).toEqual(["/events/7301", "/events/7401"]);
    expect(pages.map((p) => p.checkpoint)).toEqual([{ next: 1 }, undefined]);
    expect(idsOf(pages, "events")).toEqual(["7301.73011", "7301.73012", "7401.74011", "7401.74012"]);
  });

  it("resumes the configured events after the last one stored", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(() => json(200, { data: event(7401) }));

    // Act
    await drain({ syncType: "events", fetch, settings: { eventIds: [7301, 7401] }, checkpoint: { next: 1 } });

    // Assess
    expect(requests.map((r) => r.path)).toEqual(["/events/7401"]);
  });

  it("names the eventIds setting when a configured event is unknown", async () => {
    // Prepare
    const { fetch } = stubFetch(() => json(404, { message: "Event not found" }));

    // Act
    const error = await failure({ syncType: "events", fetch, settings: { eventIds: [9999] } });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_REJECTED", status: 404 });
    expect((error as Error).message).toMatch(
      /\/events\/9999 answered 404 \(Event not found\).*eventIds setting/,
    );
  });

  it("fails as malformed on a list without its data envelope", async () => {
    // Prepare
    const { fetch } = stubFetch(() => json(200, [event(1)]));

    // Act
    const error = await failure({ syncType: "events", fetch });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_MALFORMED" });
  });
});
