import { describe, expect, it } from "vitest";
import { ProviderRejectedError, ValidationError } from "#core/errors.ts";
import { raceTime, resultRow } from "#providers/runsignup/mapping.ts";
import { RESULTS_BATCH_SIZE } from "#providers/runsignup/publish.ts";
import { storedPublishedResultSchema } from "#providers/runsignup/schemas.ts";
import { json, queryOf, rsuError, storedEvent, stubFetch } from "./fixtures.ts";
import {
  callsOf,
  formOf,
  memoryLedger,
  published,
  publishedMany,
  publishFailure,
  resultsStub,
  runPublish,
} from "./publish-fixtures.ts";

const rowOf = (data: Record<string, unknown>) => resultRow(storedPublishedResultSchema.parse(data));

describe("a published result as a RunSignUp result row", () => {
  it("sends registration_id, bib, place and both times as H:MM:SS.s, and no name", () => {
    // Prepare
    const { data } = published(500_004, {
      bib: "1042",
      place: 5,
      gunTimeMs: 1_313_159,
      chipTimeMs: 4_392_000,
    });

    // Act
    const row = rowOf(data);

    // Assess
    expect(row).toEqual({
      registration_id: 500_004,
      bib_num: 1042,
      place: 5,
      clock_time: "0:21:53.1",
      chip_time: "1:13:12.0",
    });
    expect(JSON.stringify(row)).not.toMatch(/Ana|Silva|name/);
  });

  it.each([
    ["dnf", "DNF"],
    ["DNS", "DNS"],
    [" Dq ", "DQ"],
  ])("sends status %s as the clock time %s, without place or times", (status, clock) => {
    // Act
    const row = rowOf(published(500_001, { status, place: 3 }).data);

    // Assess
    expect(row).toEqual({ registration_id: 500_001, clock_time: clock });
  });

  it("leaves out what Pacer does not know, and sends a bib with letters as it is", () => {
    // Prepare
    const { data } = published(500_002, { bib: "A12" });
    const { gunTimeMs, chipTimeMs, place, ...bare } = data;

    // Act
    const row = rowOf(bare);

    // Assess
    expect(row).toEqual({ registration_id: 500_002, bib_num: "A12" });
  });

  it("writes hours past nine and times under a minute in the same form", () => {
    expect([raceTime(59_990), raceTime(36_061_250), raceTime(0)]).toEqual([
      "0:00:59.9",
      "10:01:01.2",
      "0:00:00.0",
    ]);
  });
});

describe("publish", () => {
  it("creates the kind's result set once, posts every result to it, and reuses it next run", async () => {
    // Prepare
    const stub = resultsStub();
    const ledger = memoryLedger();
    const first = publishedMany(3);
    await runPublish({ fetch: stub.fetch, results: first, pushed: ledger });
    const calls = stub.requests.length;

    // Act
    await runPublish({ fetch: stub.fetch, results: [...first, published(500_010)], pushed: ledger });

    // Assess
    const create = stub.requests.find((r) => r.path.endsWith("/new-result-set"));
    expect(create?.path).toBe("/race/20261/results/new-result-set");
    expect(create?.method).toBe("POST");
    expect(formOf(create ?? { path: "" }).get("event_id")).toBe("61001");
    expect(JSON.parse(formOf(create ?? { path: "" }).get("request") ?? "")).toEqual({
      individual_result_set_name: "Results",
      public_results: "T",
      preliminary_results: "F",
      pace_type: "T",
    });
    expect(callsOf(stub.requests.slice(calls))).toEqual(["get-result-sets", "full-results"]);
    expect(stub.sets.get("61001")).toHaveLength(1);
    expect(stub.posts.map((p) => [p.setId, p.rows.map((r) => r.registration_id)])).toEqual([
      ["7001", [500_000, 500_001, 500_002]],
      ["7001", [500_010]],
    ]);
  });

  it("makes no call at all when nothing changed since the last post", async () => {
    // Prepare
    const stub = resultsStub();
    const ledger = memoryLedger();
    const results = publishedMany(4);
    await runPublish({ fetch: stub.fetch, results, pushed: ledger });
    const calls = stub.requests.length;

    // Act
    const pages = await runPublish({ fetch: stub.fetch, results, pushed: ledger });

    // Assess
    expect(stub.requests.length).toBe(calls);
    expect(pages).toEqual([{ entities: [] }]);
  });

  it("posts only the results that changed the second time", async () => {
    // Prepare
    const stub = resultsStub();
    const ledger = memoryLedger();
    const results = publishedMany(5);
    await runPublish({ fetch: stub.fetch, results, pushed: ledger });
    const corrected = results.map((e, i) => (i === 3 ? published(500_003, { status: "dq" }) : e));

    // Act
    await runPublish({ fetch: stub.fetch, results: corrected, pushed: ledger });

    // Assess
    expect(stub.posts.at(-1)?.rows).toEqual([{ registration_id: 500_003, clock_time: "DQ" }]);
  });

  it("keeps preliminary and final results in sets of their own", async () => {
    // Prepare
    const stub = resultsStub();
    const ledger = memoryLedger();
    const results = [...publishedMany(2, "preliminary"), ...publishedMany(2, "final")];

    // Act
    await runPublish({ fetch: stub.fetch, results, kind: "preliminary", pushed: ledger });
    await runPublish({ fetch: stub.fetch, results, kind: "final", pushed: ledger });

    // Assess
    expect(stub.sets.get("61001")).toMatchObject([
      {
        individual_result_set_id: 7001,
        individual_result_set_name: "Preliminary results",
        preliminary_results: "T",
      },
      { individual_result_set_id: 7002, individual_result_set_name: "Results", preliminary_results: "F" },
    ]);
    expect(stub.posts.map((p) => [p.setId, p.rows.length])).toEqual([
      ["7001", 2],
      ["7002", 2],
    ]);
  });

  it("posts only the given event's results, in batches of 250 with a checkpoint between them", async () => {
    // Prepare
    const stub = resultsStub();
    const other = published(600_000, {}, "final", "61002");

    // Act
    const pages = await runPublish({ fetch: stub.fetch, results: [...publishedMany(600), other] });

    // Assess
    expect(RESULTS_BATCH_SIZE).toBe(250);
    expect(stub.posts.map((p) => p.rows.length)).toEqual([250, 250, 100]);
    expect(stub.posts.flatMap((p) => p.rows).some((r) => r.registration_id === 600_000)).toBe(false);
    expect(pages.map((p) => p.checkpoint)).toEqual([
      { setId: 7001, after: 0 },
      { setId: 7001, after: 500_249 },
      { setId: 7001, after: 500_499 },
      undefined,
    ]);
    expect(formOf(stub.requests.at(-1) ?? { path: "" }).get("request_format")).toBe("json");
    expect(queryOf(stub.requests.at(-1)).get("format")).toBe("json");
  });

  it("resumes from its checkpoint without looking the set up or posting a batch again", async () => {
    // Prepare: an earlier leg posted the first batch to set 7001, then stopped.
    const stub = resultsStub();

    // Act
    await runPublish({
      fetch: stub.fetch,
      results: publishedMany(600),
      checkpoint: { setId: 7001, after: 500_249 },
    });

    // Assess
    expect(callsOf(stub.requests)).toEqual(["full-results", "full-results"]);
    expect(stub.posts.map((p) => [p.setId, p.rows[0]?.registration_id, p.rows.length])).toEqual([
      ["7001", 500_250, 250],
      ["7001", 500_500, 100],
    ]);
  });

  it("finds a set created without an id in the answer by its name", async () => {
    // Prepare
    const stub = resultsStub({ createAnswer: "none" });

    // Act
    await runPublish({ fetch: stub.fetch, results: publishedMany(1) });

    // Assess
    expect(callsOf(stub.requests)).toEqual([
      "get-result-sets",
      "new-result-set",
      "get-result-sets",
      "full-results",
    ]);
    expect(stub.posts[0]?.setId).toBe("7001");
  });

  it("refuses an event the races sync has not stored, naming it, before any call", async () => {
    // Prepare
    const stub = resultsStub();

    // Act
    const error = await publishFailure({
      fetch: stub.fetch,
      results: publishedMany(1),
      events: [storedEvent(61002)],
    });

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/event 61001 .*sync races first/);
    expect(stub.requests).toHaveLength(0);
  });

  it("turns RunSignUp's error body into the typed error of its code, naming the race and event", async () => {
    // Prepare
    const { fetch } = stubFetch(() => json(200, rsuError(201, "Race not found.")));

    // Act
    const error = await publishFailure({ fetch, results: publishedMany(1) });

    // Assess
    expect(error).toBeInstanceOf(ProviderRejectedError);
    expect((error as ProviderRejectedError).status).toBe(404);
    expect((error as Error).message).toContain("event 61001 of race 20261 not found");
  });

  it("remembers nothing of a batch RunSignUp refused, so the next run sends it again", async () => {
    // Prepare
    const ledger = memoryLedger();
    const results = publishedMany(2);
    const refusing = stubFetch((request) =>
      request.path.endsWith("/full-results")
        ? json(200, rsuError(3, "Invalid parameters."))
        : json(200, {
            individual_results_sets: [
              {
                individual_result_set_id: 9,
                individual_result_set_name: "Results",
                preliminary_results: "F",
              },
            ],
          }),
    );
    await publishFailure({ fetch: refusing.fetch, results, pushed: ledger });
    const stub = resultsStub();

    // Act
    await runPublish({ fetch: stub.fetch, results, pushed: ledger });

    // Assess
    expect(stub.posts.flatMap((p) => p.rows.map((r) => r.registration_id))).toEqual([500_000, 500_001]);
  });
});
