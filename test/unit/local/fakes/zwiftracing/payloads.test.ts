import { describe, expect, it } from "vitest";
import { fakeKey } from "../../../../../local/fakes/zwiftracing/index.ts";
import { call, type Json, manualClock, SECRET, startFake } from "./harness.ts";

const premium = fakeKey(SECRET, "a", "premium");
const standard = fakeKey(SECRET, "a", "standard");
const HOUR_MS = 3_600_000;

type Rider = Json & { riderId: number };
const ridersOf = (body: unknown) => (body as { riders: Rider[] }).riders;

describe("fake ZwiftRacing clubs", () => {
  it("pages club 1001's 2,500 members as 1000 + 1000 + 500, ascending, each page after the last riderId", async () => {
    const fake = await startFake();

    const first = ridersOf((await call(fake, "/api/public/clubs/1001", { key: premium })).body);
    const firstAfterZero = ridersOf((await call(fake, "/api/public/clubs/1001/0", { key: premium })).body);
    const second = ridersOf(
      (await call(fake, `/api/public/clubs/1001/${first.at(-1)?.riderId}`, { key: premium })).body,
    );
    const third = ridersOf(
      (await call(fake, `/api/public/clubs/1001/${second.at(-1)?.riderId}`, { key: premium })).body,
    );
    const past = ridersOf(
      (await call(fake, `/api/public/clubs/1001/${third.at(-1)?.riderId}`, { key: premium })).body,
    );

    expect([first.length, second.length, third.length, past.length]).toEqual([1000, 1000, 500, 0]);
    expect(firstAfterZero).toEqual(first);
    const ids = [...first, ...second, ...third].map((rider) => rider.riderId);
    expect(ids.every((id, i) => i === 0 || id > (ids[i - 1] ?? 0))).toBe(true);
    // Not contiguous, as real Zwift ids are not.
    expect((ids.at(-1) ?? 0) - (ids[0] ?? 0)).toBeGreaterThan(ids.length);
  });

  it("answers a page after a riderId with exactly the members above it", async () => {
    const fake = await startFake();
    const all = ridersOf((await call(fake, "/public/clubs/1002", { key: premium })).body);
    const cut = all[16]?.riderId ?? 0;

    const after = ridersOf((await call(fake, `/public/clubs/1002/${cut}`, { key: premium })).body);
    const afterGap = ridersOf((await call(fake, `/public/clubs/1002/${cut + 1}`, { key: premium })).body);

    expect(all).toHaveLength(40);
    expect(after.map((rider) => rider.riderId)).toEqual(all.slice(17).map((rider) => rider.riderId));
    expect(afterGap.map((rider) => rider.riderId)).toEqual(all.slice(17).map((rider) => rider.riderId));
  });

  it("names the club, serves an empty one, and answers 404 for an unknown one", async () => {
    const fake = await startFake();

    const demo = await call(fake, "/public/clubs/1001", { key: premium });
    const empty = await call(fake, "/public/clubs/1003", { key: premium });
    const unknown = await call(fake, "/public/clubs/999", { key: premium });

    expect((demo.body as Json).name).toBe("Pacer Demo Club");
    expect(empty).toMatchObject({ status: 200, body: { riders: [] } });
    expect(unknown).toMatchObject({ status: 404, body: { message: "Club not found" } });
  });
});

describe("fake ZwiftRacing riders", () => {
  it("serves every field of the rider table, with vELO names and a string age bracket", async () => {
    const fake = await startFake();

    const { status, body } = await call(fake, "/public/riders/10007", { key: premium });

    expect(status).toBe(200);
    const rider = body as Json & { race: Json; power: Json };
    expect(rider).toMatchObject({
      riderId: 10007,
      gender: expect.stringMatching(/^[MF]$/),
      country: expect.stringMatching(/^[a-z]{2}$/),
      age: expect.any(String),
      zpCategory: expect.stringMatching(/^[A-E]$/),
      club: { id: 1001, name: "Pacer Demo Club" },
      handicaps: { profile: { flat: expect.any(Number), mountainous: expect.any(Number) } },
      phenotype: {
        value: expect.any(String),
        scores: { sprinter: expect.any(Number), tt: expect.any(Number) },
      },
    });
    for (const key of ["w5", "w1200", "wkg5", "wkg15", "wkg30", "wkg60", "wkg120", "wkg300", "wkg1200"])
      expect(rider.power[key], key).toEqual(expect.any(Number));
    expect(rider.race.current).toMatchObject({
      rating: expect.any(Number),
      mixed: { category: expect.any(String) },
    });
    expect([
      "Diamond",
      "Ruby",
      "Emerald",
      "Sapphire",
      "Amethyst",
      "Platinum",
      "Gold",
      "Silver",
      "Bronze",
      "Copper",
    ]).toContain((rider.race.current as { mixed: { category: string } }).mixed.category);
  });

  it("answers a bulk POST with the single GET's riders, leaving unknown ids out", async () => {
    const fake = await startFake();

    const bulk = await call(fake, "/api/public/riders", {
      key: premium,
      method: "POST",
      body: [10007, 42, 2000113],
    });
    const one = await call(fake, "/api/public/riders/10007", { key: premium });
    const other = await call(fake, "/api/public/riders/2000113", { key: premium });
    const unknown = await call(fake, "/api/public/riders/42", { key: premium });

    expect(bulk.status).toBe(200);
    expect(bulk.body).toEqual([one.body, other.body]);
    expect(unknown).toMatchObject({ status: 404, body: { message: "Rider not found" } });
  });

  it("refuses a bulk POST of more than 1000 ids, or a body that is not an array, with 400", async () => {
    const fake = await startFake();
    const ids = Array.from({ length: 1_001 }, (_, i) => 10_007 + i);

    const tooMany = await call(fake, "/public/riders", { key: premium, method: "POST", body: ids });
    const notArray = await call(fake, "/public/riders", {
      key: premium,
      method: "POST",
      body: { ids: [10007] },
    });

    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toEqual({ message: expect.stringContaining("1000") });
    expect(notArray).toMatchObject({ status: 400, body: { message: expect.any(String) } });
  });

  it("changes a few riders from one hour to the next and none within an hour", async () => {
    const clock = manualClock("2026-03-02T10:05:00Z");
    const fake = await startFake({ now: clock.now });
    const members = ridersOf((await call(fake, "/public/clubs/1001", { key: premium })).body).map(
      (r) => r.riderId,
    );
    const bulk = async () =>
      (await call(fake, "/public/riders", { key: premium, method: "POST", body: members })).body as Rider[];
    const at10 = await bulk();

    clock.advance(50 * 60_000);
    const later = await bulk();
    clock.advance(HOUR_MS);
    const nextHour = await bulk();

    const changed = nextHour.filter((rider, i) => JSON.stringify(rider) !== JSON.stringify(at10[i])).length;
    expect(later).toEqual(at10);
    expect(changed).toBeGreaterThan(0);
    expect(changed).toBeLessThan(200);
  });

  it("serves a rider as of an epoch in seconds, and refuses milliseconds", async () => {
    const fake = await startFake({ now: manualClock("2026-03-02T10:05:00Z").now });
    const monthAgo = Date.parse("2026-02-02T10:00:00Z") / 1_000;

    const then = await call(fake, `/public/riders/10007/${monthAgo}`, { key: premium });
    const bulkThen = await call(fake, `/public/riders/${monthAgo}`, {
      key: premium,
      method: "POST",
      body: [10007],
    });
    const millis = await call(fake, `/public/riders/10007/${monthAgo * 1_000}`, { key: premium });

    expect(then.status).toBe(200);
    expect(bulkThen.body).toEqual([then.body]);
    expect(((then.body as Json).race as { current: { date: number } }).current.date).toBeLessThanOrEqual(
      monthAgo,
    );
    expect(millis.status).toBe(400);
  });
});

describe("fake ZwiftRacing events and results", () => {
  it("gives results in the fixture's shape for each recently finished event, riders from the clubs", async () => {
    const clock = manualClock("2026-03-02T10:05:00Z");
    const fake = await startFake({ now: clock.now });
    const events = (await call(fake, "/api/events?limit=3", { key: standard })).body as Json[];
    const eventId = String(events[0]?.eventId);

    const { status, body } = await call(fake, `/api/public/results/${eventId}`, { key: standard });
    clock.advance(60_000);
    const zp = await call(fake, `/public/zp/${eventId}/results`, { key: standard });
    clock.advance(60_000);
    const unknown = await call(fake, "/public/results/123", { key: standard });

    expect(events).toHaveLength(3);
    expect(status).toBe(200);
    const results = body as Json & { results: (Json & { riderId: number; position: number })[] };
    expect(results).toMatchObject({
      eventId,
      time: expect.any(Number),
      routeId: expect.any(String),
      distance: expect.any(Number),
      elevation: expect.any(Number),
      title: expect.any(String),
      type: expect.any(String),
      subType: expect.any(String),
    });
    expect(results.time).toBeLessThan(Date.parse("2026-03-02T10:00:00Z") / 1_000);
    expect(results.results.length).toBeGreaterThanOrEqual(30);
    expect(results.results.length).toBeLessThanOrEqual(120);
    expect(results.results[0]).toEqual({
      riderId: expect.any(Number),
      name: expect.any(String),
      category: expect.any(String),
      time: expect.any(Number),
      gap: 0,
      position: 1,
      positionInCategory: 1,
      rating: expect.any(Number),
      ratingBefore: expect.any(Number),
      ratingDelta: expect.any(Number),
      ratingMax30: expect.any(Number),
      ratingMax90: expect.any(Number),
    });
    expect(results.results.map((row) => row.position)).toEqual(results.results.map((_, i) => i + 1));
    const zpRows = (zp.body as { results: { zwid: number }[] }).results;
    expect(zpRows.map((row) => row.zwid)).toEqual(results.results.map((row) => row.riderId));
    expect(unknown).toMatchObject({ status: 404, body: { message: "Event not found" } });
  });

  it("lists ~a day's worth of upcoming events, the same all hour, each later finished with results", async () => {
    const clock = manualClock("2026-03-02T10:05:00Z");
    const fake = await startFake({ now: clock.now });

    const upcoming = (await call(fake, "/api/events/upcoming", { key: premium })).body as Json[];
    clock.advance(50 * 60_000);
    const laterSameHour = (await call(fake, "/api/events/upcoming", { key: premium })).body as Json[];
    // The events group allows 1 call a minute per key, whatever the tier.
    const signups = await call(fake, `/api/events/${upcoming[0]?.eventId}/signups`, { key: standard });
    clock.advance(50 * HOUR_MS);
    const finished = (await call(fake, "/api/events?limit=30", { key: premium })).body as Json[];

    const nowS = Date.parse("2026-03-02T10:05:00Z") / 1_000;
    expect(upcoming.length).toBeGreaterThanOrEqual(18);
    expect(upcoming.length).toBeLessThanOrEqual(26);
    expect(
      upcoming.every((event) => Number(event.time) > nowS && Number(event.time) <= nowS + 49 * 3_600),
    ).toBe(true);
    expect(upcoming.filter((event) => Number(event.time) <= nowS + 6 * 3_600).length).toBeGreaterThanOrEqual(
      2,
    );
    expect(laterSameHour).toEqual(upcoming);
    expect(signups.body).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ pen: "A", ratedRiders: expect.any(Number), riders: expect.any(Array) }),
      ]),
    );
    expect(finished.map((event) => event.eventId)).toEqual(
      expect.arrayContaining(upcoming.slice(0, 5).map((event) => event.eventId)),
    );
  });
});
