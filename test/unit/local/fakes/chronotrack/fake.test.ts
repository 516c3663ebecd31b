import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { chronotrackModule } from "#providers/chronotrack/index.ts";
import { RACE_ENTITY } from "#providers/race/shapes.ts";
import type { Entity, Page, ProviderFetch, PushLedger, SyncRun } from "#providers/types.ts";
import {
  chronotrackFake,
  DEMO_EVENT_ID,
  type FakeChronoTrack,
  type FakeChronoTrackOptions,
  fakeCredentials,
  startFakeChronoTrack,
} from "../../../../../local/fakes/chronotrack/index.ts";
import { demoRaceStart, finishTimes, person } from "../../../../../local/fakes/race/people.ts";

const SECRET = "test-secret";
const STARTED_AT = Date.parse("2026-05-01T08:30:00Z");
const credentials = fakeCredentials(SECRET);
const authQuery = (c = credentials, sha1 = sha1Of(c.password)) =>
  `format=json&client_id=${c.clientId}&user_id=${encodeURIComponent(c.userId)}&user_pass=${sha1}`;

function sha1Of(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

const running: FakeChronoTrack[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((fake) => fake.stop()));
});

async function startFake(options: Partial<FakeChronoTrackOptions> = {}): Promise<FakeChronoTrack> {
  const fake = await startFakeChronoTrack({ secret: SECRET, startedAtMs: STARTED_AT, ...options });
  running.push(fake);
  return fake;
}

async function get(fake: FakeChronoTrack, pathAndQuery: string) {
  const response = await fetch(`${fake.url}${pathAndQuery}`);
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: safeJson(text) };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Pacer's fetch in miniature: the fake's base URL, the module's raw query, no limiter. */
const fetchTo =
  (fake: FakeChronoTrack): ProviderFetch =>
  (request) =>
    fetch(`${fake.url}/api${request.path}${request.query ? `?${request.query}` : ""}`, {
      method: request.method ?? "GET",
      headers: request.headers ?? {},
      ...(request.body === undefined ? {} : { body: request.body }),
    });

function memoryLedger(): PushLedger {
  const remembered = new Map<string, string>();
  return {
    changed: async (type, id, data) => remembered.get(`${type}/${id}`) !== JSON.stringify(data),
    remember: async (type, id, data) => {
      remembered.set(`${type}/${id}`, JSON.stringify(data));
    },
  };
}

/** Runs one of the module's syncs against the fake, with a store of `stored` plus what its pages wrote. */
async function runModule(
  fake: FakeChronoTrack,
  syncType: string,
  options: { stored?: Entity[]; pushed?: PushLedger } = {},
): Promise<Page[]> {
  const stored = options.stored ?? [];
  const { settings, credentials } = chronotrackFake.connection({ url: fake.url, secret: SECRET });
  const run: SyncRun = {
    tenantId: "acme",
    connection: { connectionId: "c1", tier: "standard", settings, credentials },
    syncType,
    params: syncType === "events" ? {} : { eventId: DEMO_EVENT_ID },
    now: new Date(STARTED_AT),
    fetch: fetchTo(fake),
    store: {
      get: async (type, id) => stored.find((e) => e.type === type && e.id === id),
      list: async (type) => stored.filter((e) => e.type === type),
    },
    checkpoint: undefined,
    watermark: undefined,
    pushed: options.pushed ?? memoryLedger(),
  };
  const pages: Page[] = [];
  for await (const page of chronotrackModule.sync(run)) {
    pages.push(page);
    stored.push(...page.entities);
  }
  return pages;
}

/** Pool people 0..count-1 as Pacer would write them for the demo event; bib = index + 1. */
const participants = (count: number): Entity[] =>
  Array.from({ length: count }, (_, i) => {
    const p = person(i);
    return {
      type: RACE_ENTITY.participants,
      id: `pp-${String(i).padStart(3, "0")}`,
      data: {
        participantId: `pp-${String(i).padStart(3, "0")}`,
        scoringEventId: DEMO_EVENT_ID,
        scoringRaceId: i % 2 === 0 ? "900011" : "900012",
        firstName: p.firstName,
        lastName: p.lastName,
        gender: p.gender,
        bib: String(i + 1),
        city: p.city,
        region: p.region,
        country: p.country,
      },
    };
  });

describe("chronotrackFake", () => {
  it("connects the demo tenant with credentials the started fake accepts, to event 90001", async () => {
    // Prepare
    const fake = await chronotrackFake.start({ secret: "f00d" });
    running.push(fake as FakeChronoTrack);
    const connection = chronotrackFake.connection({ url: fake.url, secret: "f00d" });
    const c = fakeCredentials("f00d");

    // Act
    const answer = await get(fake as FakeChronoTrack, `/api/event/90001?${authQuery(c)}`);

    // Assess
    expect(connection.credentials).toEqual(c);
    expect(connection.settings).toEqual({ eventIds: ["90001"], experimental: true });
    expect(c.clientId).toMatch(/^[0-9a-f]{8}$/);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ event: { event_id: "90001", event_name: "Harbour Run" } });
  });

  it("serves events and races in the documented wrappers, times as unix-second strings, paged by X-Ctlive headers", async () => {
    // Prepare
    const fake = await startFake();

    // Act
    const list = await get(fake, `/api/event?page=1&size=1&${authQuery()}`);
    const races = await get(fake, `/api/event/90001/race?${authQuery()}`);

    // Assess
    expect(list.headers.get("x-ctlive-page-count")).toBe("2");
    expect(list.headers.get("x-ctlive-current-page")).toBe("1");
    expect(list.headers.get("x-ctlive-row-count")).toBe("2");
    expect((list.body as { event: unknown[] }).event).toHaveLength(1);
    const start = String(demoRaceStart(STARTED_AT) / 1000);
    expect(races.body).toEqual({
      event_race: [
        expect.objectContaining({ race_id: "900011", race_name: "5K", race_planned_start_time: start }),
        expect.objectContaining({ race_id: "900012", race_name: "10K", race_planned_start_time: start }),
      ],
    });
  });

  it("refuses wrong credentials, and the plain password as user_pass, with a 401 it counts", async () => {
    // Prepare
    const fake = await startFake();

    // Act
    const plain = await get(fake, `/api/event?${authQuery(credentials, credentials.password)}`);
    const other = await get(fake, `/api/event?${authQuery(fakeCredentials("other"))}`);
    const none = await get(fake, "/api/event?format=json");

    // Assess
    expect([plain.status, other.status, none.status]).toEqual([401, 401, 401]);
    expect(fake.stats()).toMatchObject({ requests: 3, unauthorized: 3 });
  });

  it("answers 404 for an unknown event, and no JSON without format=json", async () => {
    // Prepare
    const fake = await startFake();

    // Act
    const unknown = await get(fake, `/api/event/12345?${authQuery()}`);
    const xml = await get(fake, `/api/event/90001?${authQuery().replace("format=json&", "")}`);

    // Assess
    expect(unknown.status).toBe(404);
    expect(xml.headers.get("content-type")).toContain("xml");
    expect(xml.body).toBeUndefined();
  });

  it("holds a credential to its limit strictly, answering 429 and counting it", async () => {
    // Prepare: a clock that stands still, so nothing slides out of the window.
    const fake = await startFake({ now: () => new Date(STARTED_AT) });

    // Act: the definition's guess is 5 a second.
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await get(fake, `/api/event?${authQuery()}`)).status);

    // Assess
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(fake.stats().rateLimited).toBe(1);
  });

  it("takes a configured limit instead", async () => {
    // Prepare
    const fake = await startFake({ now: () => new Date(STARTED_AT), limits: [{ calls: 1, perMs: 60_000 }] });

    // Act
    const first = await get(fake, `/api/event?${authQuery()}`);
    const second = await get(fake, `/api/event?${authQuery()}`);

    // Assess
    expect([first.status, second.status]).toEqual([200, 429]);
    expect(fake.stats().rateLimited).toBe(1);
  });
});

describe("the fake with Pacer's module", () => {
  // Pacer's limiter is not in the loop here: the fake's own limit is made roomy.
  const roomy = { limits: [{ calls: 1_000, perMs: 1_000 }] };

  it("keeps the entries the module pushes, idempotently: a second push makes no call, a change one update", async () => {
    // Prepare
    const fake = await startFake(roomy);
    const pushed = memoryLedger();
    const stored = participants(4);

    // Act
    await runModule(fake, "participants", { stored, pushed });
    const afterFirst = fake.stats();
    await runModule(fake, "participants", { stored, pushed });
    const afterSecond = fake.stats();
    const changed = stored[1] as Entity;
    stored[1] = { ...changed, data: { ...changed.data, lastName: "Changed" } };
    await runModule(fake, "participants", { stored, pushed });

    // Assess
    const entries = (await get(fake, `/_fake/entries/${DEMO_EVENT_ID}`)).body as {
      entries: Record<string, unknown>[];
    };
    expect(afterFirst.pushes).toEqual({ created: 4, updated: 0 });
    expect(afterSecond.requests).toBe(afterFirst.requests);
    expect(fake.stats().pushes).toEqual({ created: 4, updated: 1 });
    expect(entries.entries).toHaveLength(4);
    expect(entries.entries[1]).toMatchObject({ entry_external_id: "pp-001", athlete_last_name: "Changed" });
  });

  it("has no results until finishers are marked, then serves them in bib order with the pool's times", async () => {
    // Prepare
    const fake = await startFake(roomy);
    await runModule(fake, "participants", { stored: participants(6) });
    const before = await runModule(fake, "results");

    // Act
    const marked = await fetch(`${fake.url}/_fake/events/${DEMO_EVENT_ID}/finishers`, {
      method: "POST",
      body: JSON.stringify({ count: 3 }),
    });
    const after = await runModule(fake, "results");

    // Assess
    expect(marked.status).toBe(200);
    expect(before.flatMap((p) => p.entities)).toEqual([]);
    const rows = after.flatMap((p) => p.entities.map((e) => e.data));
    expect(rows.map((r) => r.bib).sort()).toEqual(["1", "2", "3"]);
    const ana = rows.find((r) => r.bib === "1");
    const expected = finishTimes(person(0), "5K");
    expect(ana).toMatchObject({ raceId: "900011", raceName: "5K", place: 1, preliminary: false });
    expect(Math.abs(Number(ana?.chipTimeMs) - expected.chipMs)).toBeLessThanOrEqual(50);
  });

  it("serves last year's 40 results paged, losing and repeating none", async () => {
    // Prepare
    const fake = await startFake();
    const pages = [];

    // Act
    for (let page = 1; page <= 3; page++)
      pages.push(await get(fake, `/api/event/89001/results?page=${page}&size=15&${authQuery()}`));

    // Assess
    const rows = pages.flatMap((p) => (p.body as { event_results: { results_bib: string }[] }).event_results);
    expect(pages.map((p) => p.headers.get("x-ctlive-page-count"))).toEqual(["3", "3", "3"]);
    expect(new Set(rows.map((r) => r.results_bib)).size).toBe(40);
    expect(rows[0]).toMatchObject({
      results_rank: "1",
      results_time: expect.stringMatching(/^\d\d:\d\d:\d\d\.\d$/),
    });
  });
});
