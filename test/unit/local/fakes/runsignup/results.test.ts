import { describe, expect, it } from "vitest";
import { call, control, type Json, post, startFake } from "./harness.ts";

const RESULTS = "/race/20261/results";

/** The form of a full-results post of `rows` (to `setId`, when given). */
const rowsForm = (rows: unknown[], setId?: number): Record<string, string> => ({
  event_id: "61001",
  request_format: "json",
  request: JSON.stringify({ results: rows }),
  ...(setId === undefined ? {} : { individual_result_set_id: String(setId) }),
});

const newSetForm = (name: string, preliminary: "T" | "F", eventId = "61001") => ({
  event_id: eventId,
  request_format: "json",
  request: JSON.stringify({
    individual_result_set_name: name,
    public_results: "T",
    preliminary_results: preliminary,
  }),
});

const errorCode = (answer: { body: unknown }) => (answer.body as { error?: Json }).error?.error_code;

describe("the fake RunSignUp's results", () => {
  it("creates result sets, keeps the last row posted per registration, and serves them back", async () => {
    // Prepare
    const fake = await startFake();

    // Act
    const created = await post(fake, `${RESULTS}/new-result-set`, newSetForm("Results", "F"));
    const preliminary = await post(fake, `${RESULTS}/new-result-set`, newSetForm("Preliminary results", "T"));
    const setId = (created.body as { individual_result_set_id: number }).individual_result_set_id;
    const first = await post(
      fake,
      `${RESULTS}/full-results`,
      rowsForm(
        [
          {
            registration_id: 500_000,
            bib_num: 100,
            place: 1,
            clock_time: "0:18:02.4",
            chip_time: "0:18:01.9",
          },
          { registration_id: 500_002, place: 2, clock_time: "0:19:10.0" },
        ],
        setId,
      ),
    );
    const again = await post(
      fake,
      `${RESULTS}/full-results`,
      rowsForm([{ registration_id: 500_002, clock_time: "DNF" }], setId),
    );
    const sets = await call(fake, `${RESULTS}/get-result-sets`, "event_id=61001");
    const results = await call(
      fake,
      `${RESULTS}/get-results`,
      `event_id=61001&individual_result_set_id=${setId}`,
    );
    const posted = await control(fake, "GET", "/results");

    // Assess
    expect([created.status, preliminary.status, first.status, again.status]).toEqual([200, 200, 200, 200]);
    expect((sets.body as { individual_results_sets: Json[] }).individual_results_sets).toMatchObject([
      { individual_result_set_id: setId, individual_result_set_name: "Results", preliminary_results: "F" },
      { individual_result_set_name: "Preliminary results", preliminary_results: "T", public_results: "T" },
    ]);
    expect(posted.body).toEqual({
      sets: [
        {
          eventId: 61001,
          resultSetId: setId,
          name: "Results",
          preliminary: false,
          rows: [
            {
              registration_id: 500_000,
              bib_num: 100,
              place: 1,
              clock_time: "0:18:02.4",
              chip_time: "0:18:01.9",
            },
            { registration_id: 500_002, clock_time: "DNF" },
          ],
        },
        expect.objectContaining({ name: "Preliminary results", preliminary: true, rows: [] }),
      ],
    });
    const [served] = (results.body as { individual_results_sets: { results: Json[] }[] })
      .individual_results_sets;
    expect(served?.results).toMatchObject([
      { registration_id: 500_000, place: 1, bib: 100, clock_time: "0:18:02.4", chip_time: "0:18:01.9" },
      { registration_id: 500_002, clock_time: "DNF", chip_time: "" },
    ]);
    expect(typeof served?.results[0]?.first_name).toBe("string");
    expect(fake.stats()).toMatchObject({
      resultPosts: 2,
      resultsPosted: 3,
      calls: { "new-result-set": 2, "full-results": 2, "result-sets": 1, results: 1 },
    });
  });

  it("puts a post without a set into a new one while the event has none, and matches by bib", async () => {
    // Prepare: person 12 (registration 500012) registered with bib 112.
    const fake = await startFake();

    // Act
    const answer = await post(
      fake,
      `${RESULTS}/full-results`,
      rowsForm([{ bib_num: 112, clock_time: "22:10.5" }]),
    );
    const posted = await control(fake, "GET", "/results");

    // Assess
    expect(answer.status).toBe(200);
    expect(posted.body).toMatchObject({ sets: [{ name: "Results", rows: [{ bib_num: 112 }] }] });
  });

  it("answers the documented errors and stores nothing a refused call carried", async () => {
    // Prepare
    const fake = await startFake();
    await post(fake, `${RESULTS}/new-result-set`, newSetForm("Results", "F"));
    await post(fake, `${RESULTS}/new-result-set`, newSetForm("Preliminary results", "T"));
    const row = { registration_id: 500_000, clock_time: "0:18:02.4" };

    // Act
    const answers = [
      await post(fake, "/race/1/results/full-results", rowsForm([row], 40_001)),
      await post(fake, `${RESULTS}/full-results`, { ...rowsForm([row], 40_001), event_id: "99" }),
      await call(fake, `${RESULTS}/full-results`, "event_id=61001"),
      await post(fake, `${RESULTS}/full-results`, { ...rowsForm([row], 40_001), request: "{not json" }),
      await post(fake, `${RESULTS}/full-results`, rowsForm([row], 12_345)),
      await post(fake, `${RESULTS}/full-results`, rowsForm([row])),
      await post(
        fake,
        `${RESULTS}/full-results`,
        rowsForm([{ registration_id: 500_001, clock_time: "1:00" }], 40_001),
      ),
      await post(fake, `${RESULTS}/full-results`, rowsForm([row, { ...row, chip_time: "fast" }], 40_001)),
      await post(fake, `${RESULTS}/new-result-set`, { ...newSetForm("", "F") }),
    ];
    const posted = await control(fake, "GET", "/results");

    // Assess: not found race (201), event (223), wrong method (2), bad params (3), unknown set (15).
    expect(answers.map(errorCode)).toEqual([201, 223, 2, 3, 15, 3, 3, 3, 3]);
    expect((posted.body as { sets: { rows: unknown[] }[] }).sets.flatMap((s) => s.rows)).toEqual([]);
    expect(fake.stats().resultsPosted).toBe(0);
  });

  it("refuses a post without the right key or secret, and stores nothing", async () => {
    // Prepare
    const fake = await startFake();
    const form = rowsForm([{ registration_id: 500_000, clock_time: "0:18:02.4" }]);

    // Act
    const noSecret = await post(fake, `${RESULTS}/full-results`, form, { apiKey: "k".repeat(32) });
    const wrong = await post(fake, `${RESULTS}/full-results`, form, {
      apiKey: "k".repeat(32),
      apiSecret: "s".repeat(32),
    });
    const posted = await control(fake, "GET", "/results");

    // Assess
    expect([errorCode(noSecret), errorCode(wrong)]).toEqual([6, 6]);
    expect(posted.body).toEqual({ sets: [] });
    expect(fake.stats()).toMatchObject({ unauthorized: 2, resultPosts: 0 });
  });

  it("answers 429 with error 14 to a post over its limit, counted, and stores nothing of it", async () => {
    // Prepare
    const fake = await startFake({ limits: [{ calls: 2, perMs: 60_000 }] });
    const form = (registrationId: number) =>
      rowsForm([{ registration_id: registrationId, clock_time: "0:20:00.0" }]);

    // Act
    const answers = [
      await post(fake, `${RESULTS}/full-results`, form(500_000)),
      await post(fake, `${RESULTS}/full-results`, form(500_002)),
      await post(fake, `${RESULTS}/full-results`, form(500_004)),
    ];
    const posted = await control(fake, "GET", "/results");

    // Assess
    expect(answers.map((a) => a.status)).toEqual([200, 200, 429]);
    expect(errorCode(answers[2] ?? { body: {} })).toBe(14);
    expect((posted.body as { sets: { rows: Json[] }[] }).sets[0]?.rows.map((r) => r.registration_id)).toEqual(
      [500_000, 500_002],
    );
    expect(fake.stats()).toMatchObject({ rateLimited: 1, resultPosts: 2, resultsPosted: 2 });
  });
});
