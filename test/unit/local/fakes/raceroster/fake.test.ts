import { describe, expect, it } from "vitest";
import { raceroster } from "#providers/raceroster/definition.ts";
import { racerosterModule } from "#providers/raceroster/index.ts";
import type { Page, SyncRun } from "#providers/types.ts";
import { demoRaceStart, person, recasedEmail } from "../../../../../local/fakes/race/people.ts";
import {
  DEFAULT_LIMITS,
  type FakeRaceRoster,
  fakeCredentials,
  racerosterFake,
} from "../../../../../local/fakes/raceroster/index.ts";
import {
  call,
  DATA_START_MS,
  DEMO,
  fetchTo,
  grant,
  type Json,
  manualClock,
  SECRET,
  startFake,
  tokenOf,
} from "./harness.ts";

type Rows = { data: Json[]; metadata: Json };

describe("the fake's token endpoint", () => {
  it("grants the access_token grant in the envelope form, for 24 h", async () => {
    // Prepare
    const fake = await startFake();

    // Act
    const answer = await call(fake, "/_auth/authorize", { method: "POST", form: grant(DEMO) });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      data: {
        access_token: expect.stringMatching(/^[0-9a-f]{48}$/),
        expires_in: 86_400,
        token_type: "Bearer",
      },
    });
  });

  it.each([
    ["a wrong client secret", { client_secret: "nope" }, 401, "invalid_client"],
    ["a wrong password", { password: "nope" }, 400, "invalid_grant"],
    ["the password grant", { grant_type: "password" }, 400, "unsupported_grant_type"],
  ])("refuses %s OAuth-style", async (_, change, status, error) => {
    // Prepare
    const fake = await startFake();

    // Act
    const answer = await call(fake, "/_auth/authorize", {
      method: "POST",
      form: { ...grant(DEMO), ...change },
    });

    // Assess
    expect(answer).toEqual({ status, body: { error, error_description: expect.any(String) } });
    expect(fake.stats()).toMatchObject({ tokensIssued: 0, tokensRefused: 1 });
  });

  it("answers 401 to an API call without a valid token", async () => {
    // Prepare
    const fake = await startFake();

    // Act
    const none = await call(fake, "/events");
    const forged = await call(fake, "/events", { token: "00ff" });

    // Assess
    expect([none.status, forged.status]).toEqual([401, 401]);
    expect(fake.stats().unauthorized).toBe(2);
  });
});

describe("the fake's events", () => {
  it("lists the demo race with its 5K and 10K in the documented shape, starting per demoRaceStart", async () => {
    // Prepare
    const fake = await startFake();
    const token = await tokenOf(fake);

    // Act
    const answer = await call(fake, "/events/7301", { token });

    // Assess
    const start = new Date(demoRaceStart(DATA_START_MS)).toISOString().replace(".000Z", "+00:00");
    expect(answer.body).toEqual({
      data: {
        eventId: 7301,
        name: "Harbour Run",
        url: expect.any(String),
        city: "Vancouver",
        country: { code: "CA" },
        startDate: start,
        subEvents: {
          data: [
            {
              subEventId: 73011,
              name: "5K",
              distance: 5,
              distanceType: "km",
              subEventDistance: { inMeters: 5000, type: "running" },
            },
            {
              subEventId: 73012,
              name: "10K",
              distance: 10,
              distanceType: "km",
              subEventDistance: { inMeters: 10000, type: "running" },
            },
          ],
        },
      },
    });
  });

  it("filters the list by eventDateFrom, and refuses a date whose + was not encoded", async () => {
    // Prepare
    const fake = await startFake({ limits: [{ calls: 10, perMs: 1_000 }] });
    const token = await tokenOf(fake);

    // Act
    const all = await call(fake, "/events", { token });
    const recent = await call(
      fake,
      `/events?eventDateFrom=${encodeURIComponent("2026-03-03T18:20:00+00:00")}`,
      { token },
    );
    const raw = await call(fake, "/events?eventDateFrom=2026-03-03T18:20:00+00:00", { token });

    // Assess
    const ids = (answer: { body: unknown }) => (answer.body as Rows).data.map((e) => e.eventId);
    expect(ids(all)).toEqual([7201, 7301, 7401]);
    expect(ids(recent)).toEqual([7301, 7401]);
    expect(raw.status).toBe(400);
  });

  it("answers 404 for an unknown event", async () => {
    // Prepare
    const fake = await startFake();
    const token = await tokenOf(fake);

    // Act
    const answers = await Promise.all([
      call(fake, "/events/9999", { token }),
      call(fake, "/events/9999/participants", { token }),
    ]);

    // Assess
    expect(answers.map((a) => a.status)).toEqual([404, 404]);
  });
});

describe("the fake's participants", () => {
  it("serves Race Roster's share of the pool in the assumed shape, email recased, gender as codes", async () => {
    // Prepare
    const fake = await startFake();
    const token = await tokenOf(fake);

    // Act
    const answer = await call(fake, "/events/7301/participants?offset=0&limit=100", { token });

    // Assess
    const { data, metadata } = answer.body as Rows;
    expect(data).toHaveLength(100);
    expect(metadata).toEqual({ offset: 0, limit: 100, total: 100 });
    const first = person(140);
    expect(data[0]).toEqual({
      registrationId: 880140,
      eventId: 7301,
      subEventId: 73011,
      firstName: first.firstName,
      lastName: first.lastName,
      email: recasedEmail(first.email),
      dateOfBirth: first.birthDate,
      gender: first.gender === "F" ? 2 : 1,
      bibNumber: null,
      city: first.city,
      province: first.region,
      country: first.country,
      status: "active",
      cancelled: false,
      updatedAt: "2026-03-10T18:20:00+00:00",
    });
    expect(data[1]?.subEventId).toBe(73012);
  });

  it("pages by offset and limit, and refuses a limit above 100", async () => {
    // Prepare
    const fake = await startFake();
    const token = await tokenOf(fake);

    // Act
    const tail = await call(fake, "/events/7301/participants?offset=90&limit=40", { token });
    const tooMany = await call(fake, "/events/7301/participants?limit=101", { token });

    // Assess
    expect((tail.body as Rows).data.map((row) => row.registrationId)).toEqual(
      Array.from({ length: 10 }, (_, i) => 880230 + i),
    );
    expect(tooMany.status).toBe(400);
  });
});

describe("the fake's limit", () => {
  it("holds each account to its window strictly, answering and counting 429s", async () => {
    // Prepare
    const clock = manualClock("2026-03-10T18:20:00Z");
    const fake = await startFake({ now: clock.now, limits: [{ calls: 2, perMs: 60_000 }] });
    const [demo, other] = [await tokenOf(fake), await tokenOf(fake, fakeCredentials(SECRET, "a"))];

    // Act
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(fake, "/events", { token: demo })).status);
    const otherAccount = (await call(fake, "/events", { token: other })).status;
    clock.advance(60_000);
    const later = (await call(fake, "/events", { token: demo })).status;

    // Assess
    expect(statuses).toEqual([200, 200, 429]);
    expect([otherAccount, later]).toEqual([200, 200]);
    expect(fake.stats().rateLimited).toBe(1);
  });

  it("defaults to the definition's limits", () => {
    expect(DEFAULT_LIMITS).toEqual(raceroster.limits.map(({ calls, perMs }) => ({ calls, perMs })));
  });
});

describe("the fake's controls", () => {
  it("adds, changes and cancels registrations as the API then shows them", async () => {
    // Prepare
    const clock = manualClock("2026-03-10T18:20:00Z");
    const fake = await startFake({ now: clock.now });
    const token = await tokenOf(fake);

    // Act
    const added = await call(fake, "/_fake/participants", {
      method: "POST",
      body: { subEventId: 73012, firstName: "Late", lastName: "Entry", email: "late@example.com" },
    });
    clock.advance(1_000);
    const changed = await call(fake, "/_fake/participants/880141", {
      method: "PATCH",
      body: { bibNumber: "1041" },
    });
    const cancelled = await call(fake, "/_fake/participants/880142", { method: "DELETE" });
    const unknown = await call(fake, "/_fake/participants/1", { method: "DELETE" });
    const bad = await call(fake, "/_fake/participants", {
      method: "POST",
      body: { firstName: "No distance" },
    });
    const listed = (await call(fake, "/events/7301/participants?offset=0&limit=100", { token })).body as Rows;
    const rest = (await call(fake, "/events/7301/participants?offset=100&limit=100", { token })).body as Rows;

    // Assess
    expect(added.status).toBe(201);
    expect([unknown.status, bad.status]).toEqual([404, 400]);
    expect(listed.data[1]).toMatchObject({
      registrationId: 880141,
      bibNumber: "1041",
      updatedAt: "2026-03-10T18:20:01+00:00",
    });
    expect(listed.data[2]).toMatchObject({ registrationId: 880142, status: "cancelled", cancelled: true });
    expect(rest.data).toEqual([(added.body as { data: Json }).data]);
    expect((changed.body as { data: Json }).data.bibNumber).toBe("1041");
    expect((cancelled.body as { data: Json }).data.cancelled).toBe(true);
  });

  it("expires every token issued so far, and reports its stats", async () => {
    // Prepare
    const fake = await startFake();
    const token = await tokenOf(fake);

    // Act
    const expired = await call(fake, "/_fake/tokens/expire", { method: "POST" });
    const refused = await call(fake, "/events", { token });
    const fresh = await call(fake, "/events", { token: await tokenOf(fake) });
    const stats = await call(fake, "/_fake/stats");

    // Assess
    expect(expired.body).toEqual({ expired: 1 });
    expect([refused.status, fresh.status]).toEqual([401, 200]);
    expect(stats.body).toMatchObject({
      tokensIssued: 2,
      unauthorized: 1,
      rateLimited: 0,
      calls: { events: 1 },
    });
  });
});

describe("racerosterFake", () => {
  it("connects the demo tenant with credentials the fake accepts, following the demo race", async () => {
    // Prepare
    const fake = await racerosterFake.start({ secret: "f00d" });
    try {
      // Act
      const connection = racerosterFake.connection({ url: fake.url, secret: "f00d" });
      const answer = await call(fake, "/_auth/authorize", {
        method: "POST",
        form: grant(connection.credentials as unknown as typeof DEMO),
      });

      // Assess
      expect(connection.settings).toEqual({ eventIds: [7301] });
      expect(raceroster.connection.credentials.safeParse(connection.credentials).success).toBe(true);
      expect(answer.status).toBe(200);
      expect(racerosterFake.hostPaths).toEqual({ auth: "/_auth" });
    } finally {
      await fake.stop();
    }
  });
});

describe("the module against the fake", () => {
  const runOf = (
    fake: FakeRaceRoster,
    syncType: string,
    store: Page["entities"],
    clock: ReturnType<typeof manualClock>,
  ): SyncRun => ({
    tenantId: "demo",
    connection: {
      // One connection for both runs: the second finds the first's token in the module's cache.
      connectionId: "fake-demo",
      tier: "standard",
      settings: racerosterFake.connection({ url: fake.url, secret: SECRET }).settings,
      credentials: { ...DEMO },
    },
    syncType,
    params: {},
    now: clock.now(),
    // Paced at the definition's 2 per second, as Pacer's limiter would.
    fetch: fetchTo(fake, () => clock.advance(500)),
    store: {
      get: async (type, id) => store.find((e) => e.type === type && e.id === id),
      list: async (type) => store.filter((e) => e.type === type),
    },
    checkpoint: undefined,
    watermark: undefined,
    pushed: { changed: async () => true, remember: async () => {} },
  });

  async function drain(run: SyncRun): Promise<Page[]> {
    const pages: Page[] = [];
    for await (const page of racerosterModule.sync(run)) pages.push(page);
    return pages;
  }

  it("syncs the demo race's events and its registrants, with no 429", async () => {
    // Prepare
    const clock = manualClock("2026-03-10T18:20:00Z");
    const fake = await startFake({ now: clock.now });

    // Act: the token expires between the two runs, so the second has to get a new one.
    const events = (await drain(runOf(fake, "events", [], clock))).flatMap((p) => p.entities);
    await call(fake, "/_fake/tokens/expire", { method: "POST" });
    const registrants = (await drain(runOf(fake, "participants", events, clock))).flatMap((p) => p.entities);

    // Assess
    expect(events.map((e) => e.id)).toEqual(["7301.73011", "7301.73012"]);
    expect(registrants).toHaveLength(100);
    expect(registrants[0]?.data).toMatchObject({
      registrationId: "880140",
      eventId: "7301.73011",
      email: recasedEmail(person(140).email),
    });
    expect(fake.stats()).toMatchObject({
      rateLimited: 0,
      unauthorized: 1,
      calls: { event: 1, participants: 2 },
    });
  });
});
