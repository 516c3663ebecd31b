import { describe, expect, it } from "vitest";
import {
  ProviderMalformedError,
  ProviderRateLimitedError,
  ProviderRejectedError,
  ProviderUnavailableError,
  ValidationError,
} from "#core/errors.ts";
import type { ProviderRequest } from "#providers/types.ts";
import { API_KEY, drain, failure, gzipped, json, PRESET_ROWS, SETTINGS, stubFetch } from "./fixtures.ts";

const rows = () => json(200, PRESET_ROWS);
const resultsOf = async (route: (request: ProviderRequest) => Response, settings = SETTINGS) =>
  (await drain({ syncType: "results", fetch: stubFetch(route).fetch, settings })).flatMap((p) => p.entities);

describe("results (the preset export)", () => {
  it("maps the preset's rows to results: ms times, rankings, gender, repaired text", async () => {
    // Act
    const entities = await resultsOf(rows);

    // Assess
    expect(entities).toEqual([
      {
        type: "results",
        id: "harbour-run-2026:1042",
        data: {
          eventId: "harbour-run-2026",
          raceName: "10K",
          bib: "1042",
          firstName: "Inés",
          lastName: "García",
          gender: "F",
          category: "F30",
          place: 12,
          genderPlace: 3,
          categoryPlace: 1,
          gunTimeMs: 2_471_300,
          chipTimeMs: 2_449_850,
          status: "finished",
          preliminary: false,
        },
      },
      {
        type: "results",
        id: "harbour-run-2026:7",
        data: {
          eventId: "harbour-run-2026",
          raceName: "10K",
          bib: "7",
          firstName: "Lucas",
          lastName: "Martin",
          gender: "M",
          category: "M40",
          status: "dnf",
          preliminary: false,
        },
      },
    ]);
  });

  it("asks the public host for the preset, each part encoded and ':::' kept, without the key", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(rows);
    const settings = { presetLogin: "timer+2026@example.com", presetName: "Pacer / Results" };

    // Act
    await drain({
      syncType: "results",
      fetch,
      settings,
      params: { raceId: "harbour-run-2026", eventName: "10 K" },
    });

    // Assess
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      method: "GET",
      host: "public",
      path: "/races/harbour-run-2026/preset/timer%2B2026%40example.com:::Pacer%20%2F%20Results/10%20K",
    });
    expect(JSON.stringify(requests[0]?.headers)).not.toContain(API_KEY);
  });

  it("reads the same rows from {data: [...]} and from a gzip body sent without content-encoding", async () => {
    // Act
    const list = await resultsOf(rows);
    const wrapped = await resultsOf(() => json(200, { data: PRESET_ROWS }));
    const zipped = await resultsOf(() => gzipped(PRESET_ROWS));

    // Assess
    expect(wrapped).toEqual(list);
    expect(zipped).toEqual(list);
  });

  it("reads other column keys when the connection names them, nested keys too", async () => {
    // Prepare
    const settings = {
      ...SETTINGS,
      presetColumns: { bib: "bib-number", chipTimeMs: "times.net", place: "pos" },
    };
    const row = {
      "bib-number": 55,
      name: "Ana",
      times: { net: "1500000" },
      pos: "4",
      "times.real_:::finish:::": 1,
    };

    // Act
    const [entity] = await resultsOf(() => json(200, [row]), settings);

    // Assess
    expect(entity?.id).toBe("harbour-run-2026:55");
    expect(entity?.data).toMatchObject({ bib: "55", firstName: "Ana", chipTimeMs: 1_500_000, place: 4 });
  });

  it("keeps one result per bib when a row repeats", async () => {
    const repeated = [PRESET_ROWS[0], { ...PRESET_ROWS[0], status: "disqualified" }];

    const entities = await resultsOf(() => json(200, repeated));

    expect(entities.map((e) => e.data.status)).toEqual(["disqualified"]);
  });
});

describe("results' failures", () => {
  it("asks for the preset's account and name before any call", async () => {
    const { fetch, requests } = stubFetch(rows);

    const error = await failure({ syncType: "results", fetch, settings: {} });

    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toMatch(/settings\.presetLogin.*settings\.presetName/);
    expect(requests).toEqual([]);
  });

  it("names the race, preset and event Copernico does not have on 404", async () => {
    const { fetch } = stubFetch(() => json(404, { message: "Not found" }));

    const error = await failure({ syncType: "results", fetch });

    expect(error).toBeInstanceOf(ProviderRejectedError);
    expect(error.message).toContain(
      'race "harbour-run-2026", preset "Pacer Results" of timer@example.com, event "10K"',
    );
  });

  it("tells the user to trim a preset over the 6 MB cap", async () => {
    const { fetch } = stubFetch(() => json(413, { message: "Payload too large" }));

    const error = await failure({ syncType: "results", fetch });

    expect(error).toBeInstanceOf(ProviderRejectedError);
    expect(error.message).toMatch(/6 MB cap; trim the preset's columns or filters/);
  });

  it("fails on a body that is not JSON, not a list, or a column off its kind, naming what", async () => {
    const html = () =>
      new Response("<html>oops</html>", { status: 200, headers: { "content-type": "text/html" } });
    const notList = () => json(200, { rows: [] });
    const textTime = () => json(200, [{ dorsal: "1", "times.real_:::finish:::": "about 25 min" }]);
    const noBib = () => json(200, [{ name: "Ana" }]);

    const errors = await Promise.all(
      [html, notList, textTime, noBib].map((route) =>
        failure({ syncType: "results", fetch: stubFetch(route).fetch }),
      ),
    );

    for (const error of errors) expect(error).toBeInstanceOf(ProviderMalformedError);
    expect(errors[0]?.message).toMatch(/not JSON \(text\/html/);
    expect(errors[1]?.message).toMatch(/neither a list of rows nor \{"data": \[rows\]\}/);
    expect(errors[2]?.message).toMatch(
      /row 0, column "times\.real_:::finish:::" \(chipTimeMs\).*presetColumns\.chipTimeMs/,
    );
    expect(errors[3]?.message).toMatch(/row 0 of 1 has no bib in column "dorsal"/);
  });

  it("retries later on 5xx and waits out a 429", async () => {
    const down = await failure({ syncType: "results", fetch: stubFetch(() => json(500, {})).fetch });
    const limited = await failure({ syncType: "results", fetch: stubFetch(() => json(429, {})).fetch });

    expect(down).toBeInstanceOf(ProviderUnavailableError);
    expect(limited).toBeInstanceOf(ProviderRateLimitedError);
  });

  it("refuses a race slug with a slash before any call", async () => {
    const { fetch, requests } = stubFetch(rows);

    const error = await failure({ syncType: "results", fetch, params: { raceId: "a/b", eventName: "10K" } });

    expect(error.message).toMatch(/params\.raceId: expected a Copernico race slug/);
    expect(requests).toEqual([]);
  });
});
