import { describe, expect, it } from "vitest";
import { runsignup } from "#providers/runsignup/definition.ts";
import { demoRaceStart, person } from "../../../../../local/fakes/race/people.ts";
import { DEFAULT_LIMITS, runsignupFake } from "../../../../../local/fakes/runsignup/index.ts";
import { CREDENTIALS, call, control, type Json, manualClock, startFake } from "./harness.ts";

type Element = { event: { event_id: number; participants: unknown[] }; participants: Json[] };

const DATA_NOW = new Date("2026-04-16T15:20:00Z");

describe("the fake RunSignUp's payloads", () => {
  it("serves race 20261 with a 5K and a 10K starting at the demo start, as Los Angeles wall-clock time", async () => {
    // Prepare: the demo start is 2026-04-18T15:00Z, 08:00 in Los Angeles (PDT).
    const fake = await startFake({ dataNow: DATA_NOW });

    // Act
    const withDays = await call(fake, "/race/20261", "include_event_days=T");
    const without = await call(fake, "/race/20261");

    // Assess
    const race = (withDays.body as { race: Json }).race;
    expect(new Date(demoRaceStart(DATA_NOW.getTime())).toISOString()).toBe("2026-04-18T15:00:00.000Z");
    expect(race).toMatchObject({ race_id: 20261, name: "Harbour Run", timezone: "America/Los_Angeles" });
    expect(race.events).toMatchObject([
      { event_id: 61001, name: "5K", start_time: "4/18/2026 08:00", distance: "5K" },
      { event_id: 61002, name: "10K", start_time: "4/18/2026 08:00", distance: "10K" },
    ]);
    expect(race.race_event_days).toHaveLength(1);
    expect((without.body as { race: Json }).race).not.toHaveProperty("race_event_days");
  });

  it("serves the registered people in the live array form: even ones in the 5K, odd ones in the 10K", async () => {
    // Prepare
    const fake = await startFake({ dataNow: DATA_NOW });

    // Act
    const answer = await call(fake, "/race/20261/participants", "event_id=61001,61002&results_per_page=2500");

    // Assess
    const [fiveK, tenK] = answer.body as Element[];
    expect(fiveK?.event).toEqual({ event_id: 61001, participants: [] });
    expect(fiveK?.participants).toHaveLength(75);
    expect(tenK?.participants).toHaveLength(75);
    const first = fiveK?.participants[0] ?? {};
    const p = person(0);
    expect(first).toMatchObject({
      registration_id: 500_000,
      event_id: 61001,
      user: {
        first_name: p.firstName,
        last_name: p.lastName,
        email: p.email,
        dob: p.birthDate,
        gender: p.gender,
      },
      race_fee: "$35.00",
      amount_paid: "$38.50",
    });
    expect(tenK?.participants[0]).toMatchObject({ registration_id: 500_001, race_fee: "$55.00" });
    const all = [...(fiveK?.participants ?? []), ...(tenK?.participants ?? [])];
    const bibs = all.filter((row) => row.bib_num !== null);
    expect(bibs.length).toBeGreaterThan(0);
    expect(bibs.length).toBeLessThan(all.length / 4);
    expect(all.every((row) => (row.last_modified as number) < DATA_NOW.getTime() / 1_000)).toBe(true);
  });

  it("pages by after_registration_id, results_per_page and page, and filters modified_after_timestamp inclusively", async () => {
    // Prepare
    const fake = await startFake({ dataNow: DATA_NOW });
    const ids = async (query: string) =>
      ((await call(fake, "/race/20261/participants", query)).body as Element[])[0]?.participants.map(
        (row) => row.registration_id,
      );
    const all = (await ids("event_id=61001&results_per_page=2500")) ?? [];
    const rows =
      (
        (await call(fake, "/race/20261/participants", "event_id=61001&results_per_page=2500"))
          .body as Element[]
      )[0]?.participants ?? [];
    const pivot = rows[10]?.last_modified as number;

    // Act
    const after = await ids(
      "event_id=61001&sort=registration_id+ASC&after_registration_id=500020&results_per_page=3",
    );
    const secondPage = await ids("event_id=61001&results_per_page=5&page=2");
    const since = await ids(`event_id=61001&results_per_page=2500&modified_after_timestamp=${pivot}`);
    const defaultPage = await ids("event_id=61001");

    // Assess
    expect(after).toEqual([500_022, 500_024, 500_026]);
    expect(secondPage).toEqual(all.slice(5, 10));
    expect(since).toContain(rows[10]?.registration_id);
    expect(since).toEqual(
      rows.filter((row) => (row.last_modified as number) >= pivot).map((r) => r.registration_id),
    );
    expect(defaultPage).toHaveLength(50);
  });

  it("answers unknown races with error 201, unknown events with 223, a missing event_id with 3", async () => {
    // Prepare
    const fake = await startFake();

    // Act
    const answers = await Promise.all([
      call(fake, "/race/1"),
      call(fake, "/race/20261/participants", "event_id=99"),
      call(fake, "/race/20261/participants"),
    ]);

    // Assess
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers.map((a) => (a.body as { error: Json }).error.error_code)).toEqual([201, 223, 3]);
  });
});

describe("the fake RunSignUp's auth and limits", () => {
  it("refuses a wrong or missing key or secret with error 6, on HTTP 200 unless configured", async () => {
    // Prepare
    const fake = await startFake();
    const strict = await startFake({ errorStatus: 401 });

    // Act
    const answers = [
      await call(fake, "/race/20261", "", { apiKey: CREDENTIALS.apiKey, apiSecret: "wrong-secret-000" }),
      await call(fake, "/race/20261", "", { apiSecret: CREDENTIALS.apiSecret }),
      await call(fake, "/race/20261", "", { apiKey: CREDENTIALS.apiKey }),
      await call(strict, "/race/20261", "", { apiKey: "nope-nope-nope", apiSecret: CREDENTIALS.apiSecret }),
    ];

    // Assess
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 401]);
    expect(answers.map((a) => (a.body as { error: Json }).error.error_code)).toEqual([6, 6, 6, 6]);
    expect(fake.stats()).toMatchObject({ requests: 3, unauthorized: 3 });
  });

  it("enforces the definition's limits by default: 2 a second per key, then 429 with error 14, counted", async () => {
    // Prepare
    const clock = manualClock("2026-04-16T15:20:00Z");
    const fake = await startFake({ now: clock.now, limits: DEFAULT_LIMITS });

    // Act
    const burst = [
      await call(fake, "/race/20261"),
      await call(fake, "/race/20261"),
      await call(fake, "/race/20261"),
    ];
    clock.advance(1_000);
    const later = await call(fake, "/race/20261");

    // Assess
    expect(DEFAULT_LIMITS).toEqual(runsignup.limits.map(({ calls, perMs }) => ({ calls, perMs })));
    expect(burst.map((a) => a.status)).toEqual([200, 200, 429]);
    expect(burst[2]?.body).toEqual({ error: { error_code: 14, error_msg: "Request throttled." } });
    expect(later.status).toBe(200);
    expect(fake.stats()).toMatchObject({ requests: 4, rateLimited: 1 });
    const stats = await control(fake, "GET", "/stats");
    expect(stats.body).toMatchObject({ rateLimited: 1, calls: { race: 4 } });
  });

  it("scales its windows by timeScale, and takes a limit of its own from the start options", async () => {
    // Prepare
    const clock = manualClock("2026-04-16T15:20:00Z");
    const fake = await startFake({ now: clock.now, limits: [{ calls: 1, perMs: 60_000 }], timeScale: 60 });

    // Act
    const first = await call(fake, "/race/20261");
    const refused = await call(fake, "/race/20261");
    clock.advance(1_000);
    const again = await call(fake, "/race/20261");

    // Assess
    expect([first.status, refused.status, again.status]).toEqual([200, 429, 200]);
  });
});

describe("the fake RunSignUp's control routes", () => {
  it("adds, changes and removes registrations, each change visible to an incremental read", async () => {
    // Prepare
    const clock = manualClock("2026-04-16T15:20:00Z");
    const fake = await startFake({ now: clock.now });
    const sinceS = Math.floor(clock.now().getTime() / 1_000);
    clock.advance(60_000);

    // Act
    const added = await control(fake, "POST", "/participants", {
      eventId: 61002,
      firstName: "Mei",
      lastName: "Carter",
      email: "mei.carter@example.com",
      gender: "F",
    });
    const changed = await control(fake, "PATCH", "/participants/500004", { bib: 321, city: "Long Beach" });
    const deleted = await control(fake, "DELETE", "/participants/500006");
    const unknown = await control(fake, "DELETE", "/participants/1");
    const fiveK = await call(
      fake,
      "/race/20261/participants",
      `event_id=61001&modified_after_timestamp=${sinceS}`,
    );
    const tenK = await call(
      fake,
      "/race/20261/participants",
      `event_id=61002&modified_after_timestamp=${sinceS}`,
    );
    const gone = await call(
      fake,
      "/race/20261/removed-participants",
      `event_id=61001&modified_after_timestamp=${sinceS}`,
    );

    // Assess
    expect(added).toMatchObject({ status: 201, body: { registrationId: 500_150, eventId: 61002 } });
    expect(changed.status).toBe(200);
    expect(deleted).toMatchObject({ status: 200, body: { removedReason: "removed" } });
    expect(unknown.status).toBe(404);
    expect((fiveK.body as Element[])[0]?.participants).toMatchObject([
      { registration_id: 500_004, bib_num: 321, user: { address: { city: "Long Beach" } } },
    ]);
    expect((tenK.body as Element[])[0]?.participants).toMatchObject([
      { registration_id: 500_150, user: { first_name: "Mei" } },
    ]);
    const removedRows = (gone.body as { event: { event_id: number; participants: Json[] } }[])[0]?.event;
    expect(removedRows?.event_id).toBe(61001);
    expect(removedRows?.participants).toMatchObject([
      { registration_id: 500_006, removed_reason: "removed", last_modified_ts: sinceS + 60 },
    ]);
  });
});

describe("runsignupFake", () => {
  it("connects the demo tenant with credentials the started fake accepts, following race 20261", async () => {
    // Prepare
    const fake = await runsignupFake.start({ secret: "f00d" });
    try {
      const connection = runsignupFake.connection({ url: fake.url, secret: "f00d" });
      const other = runsignupFake.connection({ url: fake.url, secret: "beef" });

      // Act
      const answer = await call(fake, "/race/20261", "", connection.credentials);

      // Assess
      expect(connection).toMatchObject({ tier: "standard", settings: { raceIds: [20261] } });
      expect(runsignup.connection.credentials.safeParse(connection.credentials).success).toBe(true);
      expect(runsignup.connection.settings.safeParse(connection.settings).success).toBe(true);
      expect(answer.status).toBe(200);
      expect(other.credentials?.apiKey).not.toBe(connection.credentials?.apiKey);
      expect(runsignupFake.basePath).toBe("/Rest");
    } finally {
      await fake.stop();
    }
  });
});
