import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { catalog } from "#catalog/index.ts";
import type { ProviderFetch, SyncRun } from "#providers/types.ts";
import { startFakes } from "../../../local/fakes/index.ts";
import { type FakeOpenF1, startFakeOpenF1 } from "../../../local/fakes/openf1/index.ts";
import type { LocalLog } from "../../../local/log.ts";
import { entitiesOf, freshRunParts } from "../../support/pages.ts";

type Row = Record<string, unknown>;

/** A clock the test moves by hand, so rate limits and live windows are checked without sleeping. */
function manualClock(iso: string) {
  let nowMs = Date.parse(iso);
  return { now: () => new Date(nowMs), advance: (ms: number) => (nowMs += ms) };
}

async function get(fake: FakeOpenF1, pathAndQuery: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${fake.url}${pathAndQuery}`, { headers });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as unknown };
}

async function rows(fake: FakeOpenF1, pathAndQuery: string): Promise<Row[]> {
  const { status, body } = await get(fake, pathAndQuery);
  expect(status, pathAndQuery).toBe(200);
  return body as Row[];
}

describe("fake OpenF1 without credentials (historic-only)", () => {
  // A Sunday afternoon in May: the fake puts a race live at start-up, 20 minutes in.
  const clock = manualClock("2026-05-10T14:00:30Z");
  let fake: FakeOpenF1;

  beforeAll(async () => {
    fake = await startFakeOpenF1({ port: 0, now: clock.now });
  });
  afterAll(async () => {
    await fake.stop();
  });
  // A fresh minute for every test, so one test's calls do not spend the next one's budget.
  beforeEach(() => {
    clock.advance(61_000);
  });

  it("serves a realistic season: two years, ~24 Grands Prix, five sessions each", async () => {
    const meetings = await rows(fake, "/v1/meetings?year=2026");
    const sessions = await rows(fake, "/v1/sessions?year=2026");
    const previous = await rows(fake, "/v1/meetings?year=2025");

    expect(meetings).toHaveLength(24);
    expect(previous).toHaveLength(24);
    expect(sessions).toHaveLength(24 * 5);
    expect(meetings.map((m) => m.meeting_name)).toContain("Monaco Grand Prix");
    expect(
      sessions.every((s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/.test(String(s.date_start))),
    ).toBe(true);
  });

  it("resolves session_key=latest and meeting_key=latest to the race running now", async () => {
    const [session] = await rows(fake, "/v1/sessions?session_key=latest");
    const meetings = await rows(fake, "/v1/meetings?meeting_key=latest");

    const nowMs = clock.now().getTime();
    expect(session).toMatchObject({ session_name: "Race", is_cancelled: false });
    expect(Date.parse(String(session?.date_start))).toBeLessThanOrEqual(nowMs);
    expect(Date.parse(String(session?.date_end))).toBeGreaterThan(nowMs);
    expect(meetings).toEqual([expect.objectContaining({ meeting_key: session?.meeting_key })]);
  });

  it("reads operators raw or percent-encoded, and pairs bounds into a range", async () => {
    const raw = await rows(fake, "/v1/sessions?date_start>=2026-06-01&date_start<2026-07-01");
    const encoded = await rows(fake, "/v1/sessions?date_start%3E%3D2026-06-01&date_start%3C2026-07-01");

    expect(raw.length).toBeGreaterThan(0);
    expect(encoded).toEqual(raw);
    for (const session of raw) expect(String(session.date_start) >= "2026-06-01").toBe(true);
    for (const session of raw) expect(String(session.date_start) < "2026-07-01").toBe(true);
  });

  it("reads a raw '+' in a date's UTC offset as the offset, like OpenF1 does", async () => {
    const [race] = await rows(fake, "/v1/sessions?year=2026&country_code=CAN&session_name=Race");
    // The same instant written two hours ahead of UTC.
    const startsAt = new Date(Date.parse(String(race?.date_start)) + 2 * 3_600_000)
      .toISOString()
      .slice(0, 19);

    const raw = await rows(fake, `/v1/sessions?date_start=${startsAt}+02:00`);
    const encoded = await rows(fake, `/v1/sessions?date_start=${startsAt}%2B02:00`);

    expect(raw.map((s) => s.session_key)).toEqual([race?.session_key]);
    expect(encoded).toEqual(raw);
  });

  it("ORs repeated keys and separate ranges on one field, and ANDs different fields", async () => {
    const races = await rows(fake, "/v1/sessions?year=2025&session_name=Race&session_name=Sprint");
    const twoRanges = await rows(
      fake,
      "/v1/sessions?year=2025&session_key>=9600&session_key<=9601&session_key>=9610&session_key<=9611",
    );

    expect(new Set(races.map((s) => s.session_name))).toEqual(new Set(["Race", "Sprint"]));
    expect(races).toHaveLength(24 + 6);
    expect(twoRanges.map((s) => s.session_key)).toEqual([9600, 9601, 9610, 9611]);
  });

  it("widens a date without a time to the whole day", async () => {
    const [race] = await rows(fake, "/v1/sessions?year=2025&country_code=GBR&session_name=Race");
    const day = String(race?.date_start).slice(0, 10);

    const sameDay = await rows(fake, `/v1/sessions?date_start=${day}`);
    const after = await rows(fake, `/v1/sessions?year=2025&date_start>${day}`);

    expect(sameDay.map((s) => s.session_key)).toEqual([race?.session_key]);
    expect(after.every((s) => String(s.date_start).slice(0, 10) > day)).toBe(true);
  });

  it("answers 404 'No results found.' for an empty match and 'Not Found' for an unknown endpoint", async () => {
    const empty = await get(fake, "/v1/sessions?year=1999");
    const unknown = await get(fake, "/v1/lap_times?session_key=latest");

    expect(empty).toMatchObject({ status: 404, body: { detail: "No results found." } });
    expect(unknown).toMatchObject({ status: 404, body: { detail: "Not Found" } });
  });

  it("publishes weather a row a minute, identical within the minute, and race control as it happens", async () => {
    const first = await get(fake, "/v1/weather?session_key=latest");
    clock.advance(1_000);
    const sameMinute = await get(fake, "/v1/weather?session_key=latest");
    clock.advance(60_000);
    const nextMinute = await rows(fake, "/v1/weather?session_key=latest");
    const raceControl = await rows(fake, "/v1/race_control?session_key=latest");

    expect(sameMinute.text).toBe(first.text);
    expect(nextMinute).toHaveLength((first.body as Row[]).length + 1);
    expect(raceControl[0]).toMatchObject({ category: "Flag", flag: "GREEN", scope: "Track" });
    expect(raceControl.map((r) => r.message)).toContain("DRS ENABLED");
  });

  it("refuses the 4th call within a second with 429, and accepts again a second later", async () => {
    const before = fake.stats().rateLimited;
    const quick = [];
    for (let i = 0; i < 4; i++) quick.push(await get(fake, "/v1/meetings?meeting_key=latest"));
    clock.advance(1_000);
    const later = await get(fake, "/v1/meetings?meeting_key=latest");

    expect(quick.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(quick[3]?.body).toEqual({ error: "Rate limit exceeded: 3 per 1 second" });
    expect(later.status).toBe(200);
    expect(fake.stats().rateLimited).toBe(before + 1);
  });

  it("refuses the 31st call within a minute even when no second holds more than 3", async () => {
    const statuses = [];
    for (let i = 0; i < 31; i++) {
      statuses.push((await get(fake, "/v1/meetings?meeting_key=latest")).status);
      clock.advance(350);
    }
    const refused = await get(fake, "/v1/meetings?meeting_key=latest");

    expect(statuses.slice(0, 30).every((status) => status === 200)).toBe(true);
    expect(statuses[30]).toBe(429);
    expect(refused.body).toEqual({ error: "Rate limit exceeded: 30 per 1 minute" });
  });

  it("counts what it served, per path", async () => {
    const before = fake.stats();
    await get(fake, "/v1/sessions?session_key=latest");
    await get(fake, "/v1/sessions?year=1999");

    const after = fake.stats();
    expect(after.requests - before.requests).toBe(2);
    expect(after.ok - before.ok).toBe(1);
    expect(after.notFound - before.notFound).toBe(1);
    expect((after.byPath["/v1/sessions"] ?? 0) - (before.byPath["/v1/sessions"] ?? 0)).toBe(2);
  });
});

describe("fake OpenF1 with credentials", () => {
  const clock = manualClock("2026-05-10T14:00:30Z");
  const credentials = { username: "ada@example.com", password: "s3cret&=" };
  let fake: FakeOpenF1;

  beforeAll(async () => {
    fake = await startFakeOpenF1({ now: clock.now, credentials });
  });
  afterAll(async () => {
    await fake.stop();
  });
  beforeEach(() => {
    clock.advance(61_000);
  });

  const token = (form: Record<string, string>) =>
    fetch(`${fake.url}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form).toString(),
    });

  it("locks out requests without a token while a session is live, even for old seasons", async () => {
    const before = fake.stats().unauthorized;

    const answer = await get(fake, "/v1/meetings?year=2025");

    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({
      detail:
        "Session in progress, access is restricted to authenticated users. Sign up here: https://tally.so/r/w2yWDb",
    });
    expect(fake.stats().unauthorized).toBe(before + 1);
  });

  it("issues a bearer token for the right form credentials, and only for them", async () => {
    const wrong = await token({ username: credentials.username, password: "nope" });
    const right = await token(credentials);
    const issued = (await right.json()) as { expires_in: unknown; access_token: string; token_type: string };

    const withToken = await get(fake, "/v1/meetings?year=2025", {
      authorization: `Bearer ${issued.access_token}`,
    });
    const forgedToken = await get(fake, "/v1/meetings?year=2025", { authorization: "Bearer forged" });

    expect(wrong.status).toBe(401);
    expect(right.status).toBe(200);
    expect(issued).toMatchObject({ expires_in: "3600", token_type: "bearer" });
    expect(withToken.status).toBe(200);
    expect(forgedToken.status).toBe(401);
  });

  it("serves anyone once no session has been live for 30 minutes", async () => {
    clock.advance(3 * 60 * 60_000);

    const answer = await get(fake, "/v1/meetings?year=2025");

    expect(answer.status).toBe(200);
  });
});

describe("the OpenF1 provider module against the fake", () => {
  const clock = manualClock("2026-05-10T14:00:30Z");
  let fake: FakeOpenF1;
  let fetchFromFake: ProviderFetch;

  beforeAll(async () => {
    fake = await startFakeOpenF1({ now: clock.now });
    // Paced as Pacer's limiter would space them: the fake refuses a 4th call within one second.
    fetchFromFake = (request) => {
      clock.advance(400);
      return fetch(`${fake.url}${request.path}${request.query ? `?${request.query}` : ""}`, {
        method: request.method ?? "GET",
        ...(request.headers ? { headers: request.headers } : {}),
        ...(request.body === undefined ? {} : { body: request.body }),
      });
    };
  });
  afterAll(async () => {
    await fake.stop();
    vi.unstubAllEnvs();
  });

  it("syncs the season, finds the live race and follows its weather and race control", async () => {
    vi.resetModules();
    const { openf1Module } = await import("#providers/openf1/index.ts");
    const base = { tenantId: "acme", params: {}, now: clock.now(), fetch: fetchFromFake, ...freshRunParts() };
    const empty = { get: async () => undefined, list: async () => [] };

    const season = await entitiesOf(openf1Module.sync({ ...base, syncType: "meetings", store: empty }));
    const sessions = await entitiesOf(openf1Module.sync({ ...base, syncType: "sessions", store: empty }));
    const store: SyncRun["store"] = { get: async () => undefined, list: async () => sessions };
    const plan = await openf1Module.plan?.({ ...base, syncType: "weather", store });
    const params = plan?.run ? plan.params : {};
    const weather = await entitiesOf(openf1Module.sync({ ...base, syncType: "weather", params, store }));
    const raceControl = await entitiesOf(
      openf1Module.sync({ ...base, syncType: "race_control", params, store }),
    );

    expect(season.filter((e) => e.type === "meetings")).toHaveLength(24);
    expect(season.filter((e) => e.type === "circuits")).toHaveLength(24);
    expect(plan).toEqual({ run: true, params: { session_key: expect.stringMatching(/^\d+$/) } });
    expect(weather.length).toBeGreaterThanOrEqual(20);
    expect(weather[0]?.id).toMatch(new RegExp(`^${params.session_key}-`));
    expect(raceControl.length).toBeGreaterThanOrEqual(4);
  });
});

describe("fake OpenF1 with a frozen feed (the demo's setting)", () => {
  it("keeps serving the same live rows while its limits keep real time", async () => {
    const clock = manualClock("2026-05-10T14:00:30Z");
    const frozenAt = clock.now();
    const fake = await startFakeOpenF1({ port: 0, now: clock.now, feedNow: () => frozenAt });
    try {
      const before = await rows(fake, "/v1/weather?session_key=latest");
      clock.advance(5 * 60_000);
      const after = await rows(fake, "/v1/weather?session_key=latest");
      expect(after).toEqual(before);
      // Limits still count on `now`: with the weather call, 3 calls in one instant, the fourth refused.
      await get(fake, "/v1/meetings?year=2026");
      expect((await get(fake, "/v1/meetings?year=2026")).status).toBe(200);
      expect((await get(fake, "/v1/meetings?year=2026")).status).toBe(429);
    } finally {
      await fake.stop();
    }
  });
});

describe("fake OpenF1 as the stand-in starts it (startFakes)", () => {
  const quiet: LocalLog = { info: () => {}, debug: () => {}, warn: () => {}, notice: () => {} };

  it("runs in its own process, gives the worker its base URL and a connection whose account it accepts", async () => {
    // Prepare: no override, so the stand-in starts its own fake.
    vi.stubEnv("PACER_OPENF1_BASE_URL", "");
    const fakes = await startFakes(catalog, quiet);
    const fake = fakes.openf1;
    try {
      const env = fake?.env ?? {};
      const account = fake?.connection.credentials ?? {};
      const token = (password: string | undefined) =>
        fetch(`${env.PACER_OPENF1_BASE_URL}/token`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ username: account.username ?? "", password: password ?? "" }),
        });

      // Act
      const refused = await token("not-the-password");
      const issued = await token(account.password);
      const { access_token } = (await issued.json()) as { access_token: string };
      const meetings = await fetch(`${env.PACER_OPENF1_BASE_URL}/v1/meetings?year=2025`, {
        headers: { authorization: `Bearer ${access_token}` },
      });

      // Assess
      expect(Object.keys(env)).toEqual(["PACER_OPENF1_BASE_URL"]);
      expect(Object.keys(account).sort()).toEqual(["password", "username"]);
      expect(env.PACER_OPENF1_BASE_URL).toBe(fake?.url);
      expect(fake?.pid).toEqual(expect.any(Number));
      expect(fake?.pid).not.toBe(process.pid);
      expect(refused.status).toBe(401);
      expect(issued.status).toBe(200);
      expect(meetings.status).toBe(200);
      // Stats come over IPC, a little behind the fake.
      const deadline = Date.now() + 5_000;
      while ((fake?.stats().requests ?? 0) < 3 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(fake?.stats()).toMatchObject({ requests: 3, rateLimited: 0 });
    } finally {
      await Promise.all(Object.values(fakes).map((running) => running.stop()));
      vi.unstubAllEnvs();
    }
  });
});
