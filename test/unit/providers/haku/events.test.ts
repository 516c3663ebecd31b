import { describe, expect, it } from "vitest";
import type { ProviderRequest } from "#providers/types.ts";
import { drain, entitiesOf, hakuEvent, json, queryOf, stubFetch } from "./fixtures.ts";

/** `count` events answered `per_page` at a time, as Haku's page/per_page paging does. */
function eventsRoute(count: number, envelope = false) {
  const all = Array.from({ length: count }, (_, i) => hakuEvent(`ev${String(i).padStart(4, "0")}`));
  return (request: ProviderRequest) => {
    const query = queryOf(request);
    const page = Number(query.get("page"));
    const perPage = Number(query.get("per_page"));
    const rows = all.slice((page - 1) * perPage, page * perPage);
    return json(200, envelope ? { events: rows } : rows);
  };
}

describe("events", () => {
  it("asks for 100 events a page, newest first, inactive ones too", async () => {
    // Prepare
    const { fetch, apiCalls } = stubFetch(eventsRoute(3));

    // Act
    await drain({ syncType: "events", fetch });

    // Assess
    expect(apiCalls()[0]).toMatchObject({ method: "GET", path: "/events" });
    expect(Object.fromEntries(queryOf(apiCalls()[0]))).toEqual({
      page: "1",
      per_page: "100",
      sort_column: "event_date",
      sort_direction: "desc",
      show_inactive: "true",
    });
  });

  it("pages until a short page, checkpointing the next page after each full one", async () => {
    // Prepare
    const { fetch, apiCalls } = stubFetch(eventsRoute(250));

    // Act
    const pages = await drain({ syncType: "events", fetch });

    // Assess
    expect(apiCalls().map((r) => queryOf(r).get("page"))).toEqual(["1", "2", "3"]);
    expect(pages.map((p) => p.checkpoint)).toEqual([{ page: 2 }, { page: 3 }, undefined]);
    expect(entitiesOf(pages, "events")).toHaveLength(250);
  });

  it("asks once more after a page of exactly 100, and ends on the empty one", async () => {
    // Prepare
    const { fetch, apiCalls } = stubFetch(eventsRoute(100));

    // Act
    const pages = await drain({ syncType: "events", fetch });

    // Assess
    expect(apiCalls()).toHaveLength(2);
    expect(pages.at(-1)).toEqual({ entities: [] });
  });

  it("resumes at its checkpoint's page without asking for earlier ones", async () => {
    // Prepare
    const { fetch, apiCalls } = stubFetch(eventsRoute(250));

    // Act
    const pages = await drain({ syncType: "events", fetch, checkpoint: { page: 3 } });

    // Assess
    expect(apiCalls().map((r) => queryOf(r).get("page"))).toEqual(["3"]);
    expect(entitiesOf(pages, "events")).toHaveLength(50);
  });

  it("accepts the list wrapped as {events: [...]}", async () => {
    // Prepare
    const { fetch } = stubFetch(eventsRoute(2, true));

    // Act
    const pages = await drain({ syncType: "events", fetch });

    // Assess
    expect(entitiesOf(pages, "events").map((e) => e.id)).toEqual(["ev0000", "ev0001"]);
  });

  it("keeps only the connection's eventIds when it names some", async () => {
    // Prepare
    const { fetch } = stubFetch(eventsRoute(150));

    // Act
    const pages = await drain({
      syncType: "events",
      fetch,
      settings: { eventIds: ["ev0003", "ev0120", "gone"] },
    });

    // Assess
    expect(entitiesOf(pages, "events").map((e) => e.id)).toEqual(["ev0003", "ev0120"]);
  });

  it("fails rather than loop when Haku answers the same full page whatever the page", async () => {
    // Prepare
    const page = Array.from({ length: 100 }, (_, i) => hakuEvent(`same${i}`));
    const { fetch, apiCalls } = stubFetch(() => json(200, page));

    // Act
    let error: unknown;
    try {
      await drain({ syncType: "events", fetch });
    } catch (caught) {
      error = caught;
    }

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_MALFORMED" });
    expect(apiCalls()).toHaveLength(2);
  });
});
