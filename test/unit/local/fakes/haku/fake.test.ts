import { describe, expect, it } from "vitest";
import {
  DEMO_EVENT_ID,
  fakeClient,
  MAX_PER_PAGE,
  PAST_EVENT_ID,
} from "../../../../../local/fakes/haku/index.ts";
import { REGISTERED } from "../../../../../local/fakes/race/people.ts";
import { call, type Json, manualClock, SECRET, startFake, tokenFor } from "./harness.ts";

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;
const form = { method: "POST", contentType: "application/x-www-form-urlencoded" } as const;
const participantsOf = (id: string, query = "") => `/events/${id}/participants${query}`;

describe("fake Haku auth", () => {
  it("issues a Cognito-shaped token for the derived client's Basic credentials", async () => {
    // Prepare
    const fake = await startFake();
    const { clientId, clientSecret } = fakeClient(SECRET, "a");

    // Act
    const answer = await call(fake, "/_auth/oauth2/token", {
      ...form,
      authorization: basic(clientId, clientSecret),
      body: "grant_type=client_credentials",
    });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ access_token: expect.any(String), expires_in: 3600, token_type: "Bearer" });
  });

  it("refuses a wrong secret, no credentials, and another grant, in Cognito's words", async () => {
    // Prepare
    const fake = await startFake();
    const { clientId, clientSecret } = fakeClient(SECRET, "a");
    const token = (authorization: string | undefined, body = "grant_type=client_credentials") =>
      call(fake, "/_auth/oauth2/token", { ...form, body, ...(authorization && { authorization }) });

    // Act
    const answers = [
      await token(basic(clientId, "wrong")),
      await token(undefined),
      await token(basic(clientId, clientSecret), "grant_type=password"),
    ];

    // Assess
    expect(answers).toEqual([
      { status: 400, body: { error: "invalid_client" } },
      { status: 401, body: { error: "invalid_client" } },
      { status: 400, body: { error: "unsupported_grant_type" } },
    ]);
    expect(fake.stats()).toMatchObject({ tokensIssued: 0, tokensRefused: 3 });
  });

  it("takes the token raw or after Bearer, and answers 401 to none, a wrong one, or an expired one", async () => {
    // Prepare
    const clock = manualClock("2026-04-20T09:00:00Z");
    const fake = await startFake({ now: clock.now });
    const token = await tokenFor(fake);

    // Act
    const raw = await call(fake, "/events", { authorization: token });
    const bearer = await call(fake, "/events", { authorization: `Bearer ${token}` });
    const none = await call(fake, "/events");
    const wrong = await call(fake, "/events", { authorization: "hk.nope" });
    clock.advance(3_600_000);
    const expired = await call(fake, "/events", { authorization: token });

    // Assess
    expect([raw.status, bearer.status]).toEqual([200, 200]);
    for (const refused of [none, wrong, expired])
      expect(refused).toEqual({ status: 401, body: { message: "Unauthorized" } });
    expect(fake.stats()).toMatchObject({ unauthorized: 3, calls: { events: 2 } });
  });

  it("stops every issued token on POST /_fake/tokens/expire", async () => {
    // Prepare
    const fake = await startFake();
    const token = await tokenFor(fake);

    // Act
    const expired = await call(fake, "/_fake/tokens/expire", { method: "POST" });
    const after = await call(fake, "/events", { authorization: token });

    // Assess
    expect(expired.body).toEqual({ expired: 1 });
    expect(after.status).toBe(401);
  });
});

describe("fake Haku data", () => {
  it("lists the Lakeside Trail Half a day after the demo race start, and the past event only with show_inactive", async () => {
    // Prepare
    const started = Date.parse("2026-04-20T09:30:00Z");
    const fake = await startFake({ now: () => new Date(started) });
    const token = await tokenFor(fake);

    // Act
    const active = await call(fake, "/events?page=1&per_page=100", { authorization: token });
    const all = await call(
      fake,
      "/events?page=1&per_page=100&sort_column=event_date&sort_direction=desc&show_inactive=true",
      {
        authorization: token,
      },
    );

    // Assess
    expect((active.body as Json[]).map((e) => e.id)).toEqual([DEMO_EVENT_ID]);
    const [half, past] = all.body as Json[];
    expect(half).toMatchObject({
      id: DEMO_EVENT_ID,
      name: "Lakeside Trail Half",
      event_date: "2026-04-23 09:00:00",
      status: "active",
    });
    expect(past).toMatchObject({ id: PAST_EVENT_ID, status: "inactive", event_end_date: null });
    expect(String(past?.event_date)).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("serves Haku's people as summaries, per_page capped at 100, and each one's detail with bib and chip", async () => {
    // Prepare
    const fake = await startFake();
    const token = await tokenFor(fake);
    const count = REGISTERED.haku.to - REGISTERED.haku.from;

    // Act
    const pageOne = await call(fake, participantsOf(DEMO_EVENT_ID, "?page=1&per_page=500"), {
      authorization: token,
    });
    const pageTwo = await call(fake, participantsOf(DEMO_EVENT_ID, "?page=2&per_page=40"), {
      authorization: token,
    });
    const first = (pageOne.body as Json[])[0] ?? {};
    const detail = await call(fake, `/events/${DEMO_EVENT_ID}/registrations/${first.registration_number}`, {
      authorization: token,
    });

    // Assess
    expect((pageOne.body as Json[]).length).toBe(Math.min(count, MAX_PER_PAGE));
    expect((pageTwo.body as Json[]).length).toBe(count - 40);
    expect(Object.keys(first).sort()).toEqual(
      [
        "age",
        "email",
        "event_category_info",
        "gender",
        "is_cancelled",
        "person_full_name",
        "registered_at",
        "registration_number",
        "team",
        "transaction_amount",
      ].sort(),
    );
    const body = detail.body as { participant: Json; event_categories: Json[] };
    expect(body.participant).toMatchObject({
      first_name: expect.any(String),
      dob: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
    });
    expect(body.event_categories[0]).toMatchObject({
      tag_number: expect.any(String),
      chip_number: expect.any(String),
    });
    expect(fake.stats()).toMatchObject({ calls: { participants: 2, registrations: 1 }, detailCalls: 1 });
  });

  it("answers 404 for an unknown event and for a registration of another event", async () => {
    // Prepare
    const fake = await startFake();
    const token = await tokenFor(fake);
    const past = await call(fake, participantsOf(PAST_EVENT_ID, "?per_page=1"), { authorization: token });
    const number = (past.body as Json[])[0]?.registration_number;

    // Act
    const unknown = await call(fake, participantsOf("nope"), { authorization: token });
    const elsewhere = await call(fake, `/events/${DEMO_EVENT_ID}/registrations/${number}`, {
      authorization: token,
    });

    // Assess
    expect(unknown).toEqual({ status: 404, body: { message: "Event not found" } });
    expect(elsewhere).toEqual({ status: 404, body: { message: "Registration not found" } });
  });

  it("adds, changes (to the top of the updated_at list) and cancels registrations through its control routes", async () => {
    // Prepare
    const clock = manualClock("2026-04-20T09:00:00Z");
    const fake = await startFake({ now: clock.now });
    const token = await tokenFor(fake);
    const list = async () =>
      (
        await call(
          fake,
          participantsOf(DEMO_EVENT_ID, "?per_page=100&sort_column=updated_at&sort_direction=desc"),
          { authorization: token },
        )
      ).body as Json[];
    const before = await list();
    const last = String(before.at(-1)?.registration_number);

    // Act
    clock.advance(60_000);
    const added = await call(fake, "/_fake/participants", {
      method: "POST",
      body: { firstName: "Zoe", lastName: "Late", email: "zoe@example.com", bib: "1999" },
    });
    clock.advance(60_000);
    const changed = await call(fake, `/_fake/participants/${last}`, {
      method: "PATCH",
      body: { email: "new@example.com" },
    });
    clock.advance(60_000);
    const cancelled = await call(fake, `/_fake/participants/${before[0]?.registration_number}`, {
      method: "DELETE",
    });
    const bad = await call(fake, `/_fake/participants/${last}`, { method: "PATCH", body: { shoe: 42 } });
    const after = await list();

    // Assess
    expect(added.status).toBe(201);
    expect([changed.status, cancelled.status, bad.status]).toEqual([200, 200, 400]);
    expect(after).toHaveLength(before.length + 1);
    expect(after[0]).toMatchObject({
      registration_number: before[0]?.registration_number,
      is_cancelled: true,
    });
    expect(after[1]).toMatchObject({ registration_number: last, email: "new@example.com" });
    expect(after[2]).toMatchObject({ person_full_name: "Zoe Late" });
  });
});

describe("fake Haku limits", () => {
  it("answers 429 past the client's budget, counts it, and keeps budgets per client", async () => {
    // Prepare
    const clock = manualClock("2026-04-20T09:00:00Z");
    const fake = await startFake({ now: clock.now, limit: { calls: 3, perMs: 3_600_000 } });
    const [a, b] = [await tokenFor(fake, "a"), await tokenFor(fake, "b")];

    // Act
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await call(fake, "/events", { authorization: a })).status);
    const refused = await call(fake, "/events", { authorization: a });
    const other = await call(fake, "/events", { authorization: b });
    clock.advance(3_600_000);
    const later = await call(fake, "/events", { authorization: await tokenFor(fake, "a") });

    // Assess
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(refused).toEqual({ status: 429, body: { message: "Too Many Requests" } });
    expect([other.status, later.status]).toEqual([200, 200]);
    expect(fake.stats()).toMatchObject({ rateLimited: 2, calls: { events: 5 } });
    expect((await call(fake, "/_fake/stats")).body).toEqual(fake.stats());
  });

  it("defaults to 500 calls an hour, windows divided by timeScale", async () => {
    // Prepare
    const clock = manualClock("2026-04-20T09:00:00Z");
    const fake = await startFake({ now: clock.now, timeScale: 3_600 });
    const token = await tokenFor(fake);

    // Act
    const statuses = [];
    for (let i = 0; i < 501; i++)
      statuses.push((await call(fake, "/events", { authorization: token })).status);
    clock.advance(1_000);
    const afterScaledHour = await call(fake, "/events", { authorization: token });

    // Assess
    expect(statuses.filter((s) => s === 200)).toHaveLength(500);
    expect(statuses.at(-1)).toBe(429);
    expect(afterScaledHour.status).toBe(200);
  });
});
