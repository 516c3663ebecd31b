import { describe, expect, it } from "vitest";
import { fakeKey, keyFingerprint } from "../../../../../local/fakes/zwiftracing/index.ts";
import { call, type Json, manualClock, SECRET, startFake } from "./harness.ts";

const standard = fakeKey(SECRET, "a", "standard");
const otherStandard = fakeKey(SECRET, "b", "standard");
const premium = fakeKey(SECRET, "a", "premium");

describe("fake ZwiftRacing auth", () => {
  it("takes the raw key in Authorization and answers 401 to a Bearer prefix, an unknown key or none", async () => {
    const fake = await startFake();

    const raw = await call(fake, "/api/public/riders/10007", { key: standard });
    const bearer = await call(fake, "/api/public/riders/10007", { key: `Bearer ${standard}` });
    const unknown = await call(fake, "/api/public/riders/10007", { key: "0123456789abcdef01234567" });
    const none = await call(fake, "/api/public/riders/10007");

    expect(raw.status).toBe(200);
    for (const refused of [bearer, unknown, none]) {
      expect(refused.status).toBe(401);
      expect(refused.body).toEqual({ message: "Unauthorized" });
    }
    expect(fake.stats()).toMatchObject({ requests: 4, unauthorized: 3, calls: { riders: 1 } });
  });

  it("accepts a key registered at run time through the test-only admin route, with its tier", async () => {
    const fake = await startFake();
    const key = "feedfacefeedfacefeedface";

    const registered = await call(fake, "/_fake/keys", { method: "POST", body: { key, tier: "premium" } });
    const conflicting = await call(fake, "/_fake/keys", { method: "POST", body: { key, tier: "standard" } });
    const clubCalls = [];
    for (let i = 0; i < 10; i++) clubCalls.push((await call(fake, "/public/clubs/1002", { key })).status);

    expect(registered.status).toBe(201);
    expect(conflicting.status).toBe(409);
    expect(clubCalls).toEqual(Array(10).fill(200));
  });
});

describe("fake ZwiftRacing limits", () => {
  it("refuses a standard key's second club call within the hour with a bare 429, and counts it", async () => {
    const fake = await startFake({ now: manualClock("2026-03-02T10:00:05Z").now });

    const first = await call(fake, "/api/public/clubs/1002", { key: standard });
    const second = await call(fake, "/api/public/clubs/1002/0", { key: standard });

    expect(first.status).toBe(200);
    expect(second.status).toBe(429);
    expect(second.body).toEqual({ message: "Too Many Requests" });
    expect(second.headers.get("retry-after")).toBeNull();
    const stats = fake.stats();
    expect(stats).toMatchObject({ requests: 2, rateLimited: 1, calls: { clubs: 2 } });
    expect(stats.byKey[keyFingerprint(standard)]).toEqual({ clubs: { calls: 2, rateLimited: 1 } });
    expect((await call(fake, "/_fake/stats")).body).toEqual(stats);
  });

  it("gives a premium key 10 club calls an hour, and refuses the 11th", async () => {
    const fake = await startFake({ now: manualClock("2026-03-02T10:00:05Z").now });

    const statuses = [];
    for (let i = 0; i < 11; i++)
      statuses.push((await call(fake, `/public/clubs/1002/${i}`, { key: premium })).status);

    expect(statuses).toEqual([...Array(10).fill(200), 429]);
  });

  it("keeps a budget per key and per endpoint group", async () => {
    const fake = await startFake({ now: manualClock("2026-03-02T10:00:05Z").now });
    await call(fake, "/public/clubs/1002", { key: standard });

    const sameKeySameGroup = await call(fake, "/public/clubs/1003", { key: standard });
    const otherKey = await call(fake, "/public/clubs/1003", { key: otherStandard });
    const sameKeyOtherGroup = await call(fake, "/public/riders/10007", { key: standard });

    expect(sameKeySameGroup.status).toBe(429);
    expect(otherKey.status).toBe(200);
    expect(sameKeyOtherGroup.status).toBe(200);
  });

  it("shrinks every window by the time scale: an hour's club budget frees after 1 s at 3600", async () => {
    const clock = manualClock("2026-03-02T10:00:05Z");
    const fake = await startFake({ now: clock.now, timeScale: 3_600 });
    await call(fake, "/public/clubs/1002", { key: standard });

    clock.advance(999);
    const justBefore = await call(fake, "/public/clubs/1002/0", { key: standard });
    clock.advance(1);
    const once = await call(fake, "/public/clubs/1002/0", { key: standard });

    expect(justBefore.status).toBe(429);
    expect(once.status).toBe(200);
  });

  it("frees a scaled window on the real clock too", async () => {
    // 15 min / 9000 = 100 ms: poll with a deadline rather than sleep a fixed time.
    const fake = await startFake({ timeScale: 9_000 });
    const body = [10007];
    await call(fake, "/public/riders", { key: standard, method: "POST", body });

    const deadline = Date.now() + 5_000;
    let status = (await call(fake, "/public/riders", { key: standard, method: "POST", body })).status;
    const firstRetry = status;
    while (status === 429 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      status = (await call(fake, "/public/riders", { key: standard, method: "POST", body })).status;
    }

    expect(firstRetry).toBe(429);
    expect(status).toBe(200);
  });
});

describe("fake ZwiftRacing repeated calls", () => {
  it("counts a call identical to an accepted one in the same hour, not a retry after a 429", async () => {
    const clock = manualClock("2026-03-02T10:00:05Z");
    const fake = await startFake({ now: clock.now, timeScale: 60 });
    await call(fake, "/api/public/clubs/1002", { key: standard });
    clock.advance(1_000);
    const refused = await call(fake, "/public/clubs/1003", { key: standard });
    clock.advance(60_000);
    const retried = await call(fake, "/public/clubs/1003", { key: standard });
    const afterRetry = fake.stats().repeated;

    clock.advance(60_000);
    // The same call as the first one: `/api` in front or not, it is one endpoint.
    const repeatedCall = await call(fake, "/public/clubs/1002", { key: standard });

    expect([refused.status, retried.status, repeatedCall.status]).toEqual([429, 200, 200]);
    expect(afterRetry).toBe(0);
    expect(fake.stats().repeated).toBe(1);
  });

  it("compares bodies as JSON, and forgets accepted calls when the UTC hour turns", async () => {
    const clock = manualClock("2026-03-02T10:40:00Z");
    const fake = await startFake({ now: clock.now });
    await call(fake, "/public/riders", { key: premium, method: "POST", body: "[10007, 10008]" });

    await call(fake, "/public/riders", { key: premium, method: "POST", body: "[10007,10008]" });
    const sameHour = fake.stats().repeated;
    clock.advance(20 * 60_000);
    await call(fake, "/public/riders", { key: premium, method: "POST", body: "[10007,10008]" });

    expect(sameHour).toBe(1);
    expect(fake.stats().repeated).toBe(1);
  });
});

describe("fake ZwiftRacing stats", () => {
  it("names keys by fingerprint only, never by the key", async () => {
    const fake = await startFake();
    await call(fake, "/public/riders/10007", { key: standard });

    const stats = (await call(fake, "/_fake/stats")).body as Json;

    expect(JSON.stringify(stats)).not.toContain(standard);
    expect(Object.keys(stats.byKey as Json)).toEqual([keyFingerprint(standard)]);
  });
});
