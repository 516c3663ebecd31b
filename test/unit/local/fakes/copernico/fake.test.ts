import { afterEach, describe, expect, it } from "vitest";
import { limitsForGroup } from "#catalog/index.ts";
import { copernico } from "#providers/copernico/definition.ts";
import { copernicoModule } from "#providers/copernico/index.ts";
import type { Entity, ProviderFetch, SyncRun } from "#providers/types.ts";
import {
  copernicoFake,
  DEFAULT_LIMITS,
  DEMO_RACE,
  type FakeCopernico,
  type FakeCopernicoOptions,
  startFakeCopernico,
} from "../../../../../local/fakes/copernico/index.ts";

const SECRET = "test-secret";
const RACE = DEMO_RACE.uuid;
const EXPORT_10K = `/_public/api/races/${DEMO_RACE.slug}/preset/timer%40example.com:::Pacer/10K`;
const demo = copernicoFake.connection({ url: "http://127.0.0.1:1", secret: SECRET });
const KEY = demo.credentials?.apiKey ?? "";

/** Limits loose enough that a test's own calls never meet them (the limit test sets its own). */
const LOOSE = { push: [{ calls: 1_000, perMs: 1_000 }], export: [{ calls: 1_000, perMs: 1_000 }] };

const running: FakeCopernico[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((fake) => fake.stop()));
});

async function startFake(options: Partial<FakeCopernicoOptions> = {}): Promise<FakeCopernico> {
  const fake = await startFakeCopernico({ secret: SECRET, limits: LOOSE, ...options });
  running.push(fake);
  return fake;
}

async function call(fake: FakeCopernico, path: string, init: { key?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (init.key !== undefined) headers["x-api-key"] = init.key;
  const response = await fetch(`${fake.url}${path}`, {
    method: init.body === undefined ? "GET" : "POST",
    headers,
    ...(init.body !== undefined && {
      body: typeof init.body === "string" ? init.body : JSON.stringify(init.body),
    }),
  });
  return {
    status: response.status,
    headers: response.headers,
    bytes: Buffer.from(await response.arrayBuffer()),
  };
}
const bodyOf = (answer: { bytes: Buffer }) => JSON.parse(answer.bytes.toString("utf8")) as unknown;

const registration = (id: string, dorsal: string, event = DEMO_RACE.events[1]?.uuid) => ({
  id,
  name: "Inés",
  surname: "García",
  birthdate: "1988-04-12",
  dorsal,
  gender: "female",
  raceId: RACE,
  eventId: event,
});

describe("the fake Copernico's push", () => {
  it("creates registrations by id, then updates them, counting each apart", async () => {
    // Prepare
    const fake = await startFake();

    // Act
    const first = await call(fake, `/race-registrations/${RACE}`, {
      key: KEY,
      body: [registration("a", "1")],
    });
    await call(fake, `/race-registrations/${RACE}`, {
      key: KEY,
      body: [registration("a", "11"), registration("b", "2")],
    });
    const stored = bodyOf(await call(fake, `/_fake/registrations/${RACE}`)) as {
      id: string;
      dorsal: string;
    }[];

    // Assess
    expect(first.status).toBe(200);
    expect(stored.map((r) => [r.id, r.dorsal])).toEqual([
      ["a", "11"],
      ["b", "2"],
    ]);
    expect(fake.stats()).toMatchObject({ pushes: 2, created: 2, updated: 1 });
  });

  it("refuses a missing or wrong key with 401, a body that is not registrations with 400, an unknown race with 404", async () => {
    // Prepare
    const fake = await startFake();
    const path = `/race-registrations/${RACE}`;

    // Act
    const answers = await Promise.all([
      call(fake, path, { body: [registration("a", "1")] }),
      call(fake, path, { key: `${KEY}x`, body: [registration("a", "1")] }),
      call(fake, path, { key: KEY, body: { id: "a" } }),
      call(fake, path, { key: KEY, body: [{ name: "no id" }] }),
      call(fake, path, { key: KEY, body: "not json" }),
      call(fake, "/race-registrations/00000000-0000-4000-8000-000000000000", { key: KEY, body: [] }),
    ]);

    // Assess
    expect(answers.map((a) => a.status)).toEqual([401, 401, 400, 400, 400, 404]);
    expect(fake.stats()).toMatchObject({ unauthorized: 2, badRequests: 3, notFound: 1, created: 0 });
  });

  it("answers 429 past its limit, per key, and counts it", async () => {
    // Prepare
    let nowMs = Date.parse("2026-05-17T09:00:00Z");
    const fake = await startFake({ limits: DEFAULT_LIMITS, now: () => new Date(nowMs) });
    const push = () => call(fake, `/race-registrations/${RACE}`, { key: KEY, body: [] });

    // Act
    const first = await push();
    const second = await push();
    nowMs += 1_000;
    const third = await push();

    // Assess
    expect([first.status, second.status, third.status]).toEqual([200, 429, 200]);
    expect(fake.stats().rateLimited).toBe(1);
  });
});

describe("the fake Copernico's preset export", () => {
  it("serves finishers' rows with the preset's column keys, times in ms, text double-encoded", async () => {
    // Prepare
    const fake = await startFake();
    await call(fake, `/race-registrations/${RACE}`, {
      key: KEY,
      body: [registration("a", "3"), registration("b", "1"), registration("c", "2")],
    });

    // Act
    const finished = bodyOf(await call(fake, `/_fake/races/${RACE}/finishers`, { body: { count: 2 } }));
    const rows = bodyOf(await call(fake, EXPORT_10K)) as Record<string, unknown>[];

    // Assess
    expect(finished).toEqual({ finished: ["1", "2"] });
    expect(rows.map((r) => r.dorsal).sort()).toEqual(["1", "2"]);
    expect(rows[0]).toMatchObject({ name: "InÃ©s", status: "finished", "rankings_:::full-1:::": 1 });
    expect(rows[0]?.["times.real_:::finish:::"]).toEqual(expect.any(Number));
    expect(Number(rows[0]?.["times.official_:::finish:::"])).toBeGreaterThanOrEqual(
      Number(rows[0]?.["times.real_:::finish:::"]),
    );
  });

  it("answers 404 for an unknown race, preset, account or event, and needs ':::' kept literal", async () => {
    const fake = await startFake();
    const base = `/_public/api/races/${DEMO_RACE.slug}/preset`;

    const statuses = await Promise.all(
      [
        `/_public/api/races/other-race/preset/timer%40example.com:::Pacer/10K`,
        `${base}/timer%40example.com:::Other/10K`,
        `${base}/someone%40example.com:::Pacer/10K`,
        `${base}/timer%40example.com:::Pacer/21K`,
        `${base}/timer%40example.com%3A%3A%3APacer/10K`,
        `${base}/timer%40example.com:::Pacer/5K`,
      ].map(async (path) => (await call(fake, path)).status),
    );

    expect(statuses).toEqual([404, 404, 404, 404, 404, 200]);
  });

  it("can gzip the export without saying so in a header", async () => {
    const fake = await startFake({ gzipExports: true });

    const answer = await call(fake, EXPORT_10K);

    expect([...answer.bytes.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    expect(answer.headers.get("content-encoding")).toBeNull();
  });
});

describe("copernicoFake", () => {
  it("holds the definition's limits by default, so the limiter is tested against the same numbers", () => {
    const numbers = (group: string) =>
      limitsForGroup(copernico, group).map(({ calls, perMs }) => ({ calls, perMs }));

    expect(DEFAULT_LIMITS).toEqual({ push: numbers("registrations"), export: numbers("presets") });
  });

  it("derives its key from the secret, and names the preset it serves", () => {
    const other = copernicoFake.connection({ url: "http://127.0.0.1:1", secret: "other" });

    expect(demo.settings).toEqual({ presetLogin: "timer@example.com", presetName: "Pacer" });
    expect(KEY).toMatch(/^[0-9a-f]{32}$/);
    expect(other.credentials?.apiKey).not.toBe(KEY);
    expect(copernicoFake.hostPaths).toEqual({ public: "/_public/api" });
  });

  it("takes the module's push and gives back its results through gzip, names repaired", async () => {
    // Prepare
    const fake = await startFake({ gzipExports: true, exportForm: "data" });
    const fetchOf: ProviderFetch = (request) =>
      fetch(`${fake.url}${request.host === "public" ? "/_public/api" : ""}${request.path}`, {
        method: request.method ?? "GET",
        ...(request.headers !== undefined && { headers: request.headers }),
        ...(request.body !== undefined && { body: request.body }),
      });
    const stored: Entity[] = ["p1", "p2"].map((id, i) => ({
      type: "participants",
      id,
      data: {
        participantId: id,
        scoringEventId: RACE,
        scoringRaceId: DEMO_RACE.events[0]?.uuid,
        firstName: "Inés",
        lastName: "Núñez",
        gender: "F",
        bib: String(i + 1),
      },
    }));
    const run = (syncType: string, params: Record<string, string>): SyncRun => ({
      tenantId: "acme",
      connection: {
        connectionId: "c1",
        tier: "standard",
        settings: demo.settings,
        credentials: demo.credentials,
      },
      syncType,
      params,
      now: new Date(),
      fetch: fetchOf,
      store: { get: async () => undefined, list: async (type) => stored.filter((e) => e.type === type) },
      checkpoint: undefined,
      watermark: undefined,
      pushed: { changed: async () => true, remember: async () => {} },
    });

    // Act
    for await (const _ of copernicoModule.sync(run("participants", { eventId: RACE })));
    await call(fake, `/_fake/races/${RACE}/finishers`, { body: { count: 5 } });
    const results: Entity[] = [];
    for await (const page of copernicoModule.sync(
      run("results", { raceId: DEMO_RACE.slug, eventName: "5K" }),
    ))
      results.push(...page.entities);

    // Assess
    expect(results.map((e) => e.id).sort()).toEqual([`${DEMO_RACE.slug}:1`, `${DEMO_RACE.slug}:2`]);
    expect(results.every((e) => e.data.firstName === "Inés" && e.data.lastName === "Núñez")).toBe(true);
    expect(results.every((e) => typeof e.data.chipTimeMs === "number" && e.data.place !== undefined)).toBe(
      true,
    );
    expect(fake.stats()).toMatchObject({ created: 2, exports: 1, rateLimited: 0, unauthorized: 0 });
  });
});
