import { describe, expect, it } from "vitest";
import { findSyncType, hours, minutes } from "#catalog/index.ts";
import { freshnessFor, NEVER_STALE } from "#core/freshness-policy.ts";
import type { Entity } from "#providers/types.ts";
import { zwiftracing } from "#providers/zwiftracing/definition.ts";
import { signupsFreshnessMs } from "#providers/zwiftracing/freshness.ts";
import { NOW, storeOf } from "./fixtures.ts";

const syncType = (id: string) => {
  const found = findSyncType(zwiftracing, id);
  if (found === undefined) throw new Error(`no sync type ${id}`);
  return found;
};
const storedEvent = (eventId: string, startMs: number): Entity => ({
  type: "events",
  id: eventId,
  data: { eventId, time: startMs / 1000, title: "Club race", status: "upcoming" },
});
const SECOND = 1_000;

describe("signupsFreshnessMs", () => {
  it.each([
    ["well over a day ahead", hours(48), hours(1)],
    ["just over 24 h", hours(24) + SECOND, hours(1)],
    ["exactly 24 h (still 12–24 h)", hours(24), minutes(30)],
    ["just under 24 h", hours(24) - SECOND, minutes(30)],
    ["exactly 12 h", hours(12), minutes(30)],
    ["just under 12 h", hours(12) - SECOND, minutes(15)],
    ["exactly 6 h", hours(6), minutes(15)],
    ["just under 6 h", hours(6) - SECOND, minutes(5)],
    ["exactly 1 h", hours(1), minutes(5)],
    ["just under 1 h", hours(1) - SECOND, minutes(1)],
    ["a second before the start", SECOND, minutes(1)],
  ])("tightens the target as the event nears: %s", (_, timeToStart, target) => {
    // Act
    const ms = signupsFreshnessMs(timeToStart);

    // Assess
    expect(ms).toBe(target);
  });

  it("needs no refresh once the event has started: its signups are final", () => {
    // Act
    const atStart = signupsFreshnessMs(0);
    const after = signupsFreshnessMs(-minutes(10));

    // Assess
    expect([atStart, after]).toEqual([NEVER_STALE, NEVER_STALE]);
  });
});

describe("freshnessFor zwiftracing", () => {
  it("follows the stored event's start for its signups", async () => {
    // Prepare
    const store = storeOf([
      storedEvent("201", NOW.getTime() + hours(3)),
      storedEvent("202", NOW.getTime() + hours(30)),
    ]);

    // Act
    const near = await freshnessFor("zwiftracing", syncType("signups"), { eventId: "201" }, store, NOW);
    const far = await freshnessFor("zwiftracing", syncType("signups"), { eventId: "202" }, store, NOW);

    // Assess
    expect([near, far]).toEqual([minutes(5), hours(1)]);
  });

  it("keeps the catalog's target for signups of an event it does not know", async () => {
    // Act
    const ms = await freshnessFor("zwiftracing", syncType("signups"), { eventId: "999" }, storeOf(), NOW);

    // Assess: signups are manual, so the catalog's 15 minutes.
    expect(ms).toBe(minutes(15));
  });

  it("counts results as final once stored, none possible early on, and missing ones stale after a minute", async () => {
    // Prepare
    const store = storeOf([
      { type: "eventResults", id: "301", data: { eventId: "301" } },
      storedEvent("302", NOW.getTime() - minutes(30)),
      storedEvent("303", NOW.getTime() - hours(3)),
      storedEvent("304", NOW.getTime() - minutes(10)),
    ]);
    const of = (eventId: string) =>
      freshnessFor("zwiftracing", syncType("eventResults"), { eventId }, store, NOW);

    // Act
    const [stored, ended, overdue, running] = await Promise.all([of("301"), of("302"), of("303"), of("304")]);

    // Assess: 302 may have ended (20 min is the shortest race) and 303 surely has: a reader gets them
    // looked for; 304 started 10 min ago, so ZR has none yet.
    expect([stored, ended, overdue, running]).toEqual([NEVER_STALE, minutes(1), minutes(1), NEVER_STALE]);
  });

  it("gives riders and events an hour, as the definition says", async () => {
    // Act
    const rider = await freshnessFor("zwiftracing", syncType("rider"), { riderId: "5574" }, storeOf(), NOW);
    const events = await freshnessFor("zwiftracing", syncType("events"), {}, storeOf(), NOW);
    const riderStats = await freshnessFor("zwiftracing", syncType("riderStats"), {}, storeOf(), NOW);

    // Assess
    expect([rider, events, riderStats]).toEqual([hours(1), hours(1), hours(1)]);
  });
});
