import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ProviderRequest } from "#providers/types.ts";
import {
  drain,
  EVENT_ID,
  failure,
  idsOf,
  json,
  pagingHeaders,
  queryParam,
  resultRow,
  stubFetch,
} from "./fixtures.ts";

const resultsRun = { syncType: "results", params: { eventId: EVENT_ID } } as const;

/** `count` result rows served `size` a page, with or without ChronoTrack's paging headers. */
function served(count: number, withHeaders: boolean) {
  const rows = Array.from({ length: count }, (_, i) => resultRow(i + 1));
  return (request: ProviderRequest) => {
    const page = Number(queryParam(request, "page"));
    const size = Number(queryParam(request, "size"));
    const body = { event_results: rows.slice((page - 1) * size, page * size) };
    return json(200, body, withHeaders ? pagingHeaders(page, Math.ceil(count / size)) : {});
  };
}

describe("results", () => {
  it("maps a row to a ResultRow: ranks as numbers, HH:MM:SS.s times as milliseconds, final", async () => {
    // Prepare
    const { fetch } = stubFetch(() => json(200, { event_results: [resultRow(1)] }));

    // Act
    const pages = await drain({ ...resultsRun, fetch });

    // Assess
    expect(pages).toEqual([
      {
        entities: [
          {
            type: "results",
            id: "90001:7000001",
            data: {
              eventId: "90001",
              raceId: "900011",
              raceName: "5K",
              bib: "101",
              entryId: "7000001",
              firstName: "Runner1",
              lastName: "Silva",
              gender: "F",
              age: 34,
              category: "5K Female",
              place: 1,
              genderPlace: 1,
              categoryPlace: 1,
              gunTimeMs: 1_295_000,
              chipTimeMs: 1_263_400,
              preliminary: false,
            },
          },
        ],
      },
    ]);
  });

  it("asks for 500 rows a page without test entries, checkpointing at the next page", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(served(1_200, true));

    // Act
    const pages = await drain({ ...resultsRun, fetch });

    // Assess
    expect(requests.map((r) => [r.path, queryParam(r, "page"), queryParam(r, "size")])).toEqual([
      ["/event/90001/results", "1", "500"],
      ["/event/90001/results", "2", "500"],
      ["/event/90001/results", "3", "500"],
    ]);
    expect(requests.every((r) => queryParam(r, "include_test_entries") === "false")).toBe(true);
    expect(pages.map((p) => p.checkpoint)).toEqual([{ page: 2 }, { page: 3 }, undefined]);
  });

  it("resumes at its checkpoint's page, asking for no earlier one", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(served(1_200, true));

    // Act
    const pages = await drain({ ...resultsRun, fetch, checkpoint: { page: 3 } });

    // Assess
    expect(requests.map((r) => queryParam(r, "page"))).toEqual(["3"]);
    expect(idsOf(pages, "results")).toHaveLength(200);
  });

  it("never loses or repeats a row, whatever the row count, with or without paging headers", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 1_600 }), fc.boolean(), async (count, withHeaders) => {
        // Prepare
        const { fetch } = stubFetch(served(count, withHeaders));

        // Act
        const ids = idsOf(await drain({ ...resultsRun, fetch }), "results");

        // Assess
        expect(ids).toEqual(Array.from({ length: count }, (_, i) => `90001:${7_000_001 + i}`));
      }),
      { numRuns: 30 },
    );
  });

  it("keys a row without an entry id by its bib, and leaves out one with neither", async () => {
    // Prepare
    const rows = [
      resultRow(1, { results_entry_id: "" }),
      resultRow(2, { results_entry_id: null, results_bib: "" }),
    ];
    const { fetch } = stubFetch(() => json(200, { event_results: rows }));

    // Act
    const pages = await drain({ ...resultsRun, fetch });

    // Assess
    expect(idsOf(pages, "results")).toEqual(["90001:101"]);
  });

  it("reads numbers sent as numbers, and leaves unreadable times and ranks out", async () => {
    // Prepare
    const row = resultRow(1, {
      results_rank: 3,
      results_time: "DNF",
      results_gun_time: "1:02:03",
      results_gender_rank: "",
    });
    const { fetch } = stubFetch(() => json(200, { event_results: [row] }));

    // Act
    const [page] = await drain({ ...resultsRun, fetch });

    // Assess
    const data = page?.entities[0]?.data;
    expect(data).toMatchObject({ place: 3, gunTimeMs: 3_723_000 });
    expect(data).not.toHaveProperty("chipTimeMs");
    expect(data).not.toHaveProperty("genderPlace");
  });

  it("names the event ChronoTrack does not know", async () => {
    // Prepare
    const { fetch } = stubFetch(() => json(404, { error: "Event not found" }));

    // Act
    const error = await failure({ ...resultsRun, fetch });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_REJECTED", status: 404 });
    expect(error.message).toContain("event 90001 not found");
  });

  it("refuses an eventId that is not digits before any call", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(() => json(200, { event_results: [] }));

    // Act
    const error = await failure({ syncType: "results", params: { eventId: "../entry" }, fetch });

    // Assess
    expect(error).toMatchObject({ code: "VALIDATION_ERROR" });
    expect(requests).toEqual([]);
  });
});
