import { describe, expect, it } from "vitest";
import { findProvider } from "#catalog/index.ts";
import type { JobRecord } from "#core/job.ts";
import { NO_COUNTS } from "#core/job.ts";
import { followRegistrations } from "#core/race/follow-ups.ts";
import type { RaceEventRecord } from "#core/race/types.ts";
import { NamespacedEntities } from "./fakes.ts";

const runsignup = findProvider("runsignup");
if (!runsignup) throw new Error("runsignup missing from the catalog");
const NOW = Date.parse("2026-12-01T10:02:30Z");

const EVENT: RaceEventRecord = {
  tenantId: "club",
  eventId: "ev-00000000000000000001",
  name: "Harbour Run",
  startsAt: "2026-12-06T08:00:00Z",
  registration: [{ connectionId: "c-rsu", provider: "runsignup", eventId: "61001" }],
  scoring: { connectionId: "c-ct", provider: "chronotrack", eventId: "90001" },
  createdAt: "2026-11-01T00:00:00Z",
  updatedAt: "2026-11-01T00:00:00Z",
  version: 1,
};

function setup(events: RaceEventRecord[] = [EVENT]) {
  const entities = new NamespacedEntities();
  entities.seed("club", "runsignup", {
    registrationId: "1",
    eventId: "61001",
    firstName: "Ana",
    lastName: "Silva",
  });
  const created: JobRecord[] = [];
  const sent: { message: unknown; delaySeconds?: number }[] = [];
  const follow = followRegistrations(
    {
      events: {
        list: async (tenant) => events.filter((e) => e.tenantId === tenant),
        owned: async () => ({}),
      },
      entities,
      jobs: {
        create: async (record) => {
          if (created.some((r) => r.jobId === record.jobId)) return false;
          created.push(record);
          return true;
        },
      },
      queue: { send: async (message, options) => void sent.push({ message, ...options }) },
      clock: () => NOW,
    },
    runsignup as NonNullable<typeof runsignup>,
  );
  const done = (written: number, syncType = "participants", connectionId = "c-rsu") => ({
    tenantId: "club",
    connectionId,
    jobId: "m-1",
    syncType,
    params: {},
    counts: { ...NO_COUNTS, written },
  });
  return { follow, done, entities, created, sent };
}

describe("followRegistrations", () => {
  it("unifies the events a changed registration feed feeds and queues their push for the end of the 5-minute slot", async () => {
    const { follow, done, entities, created, sent } = setup();

    await follow(done(1));

    expect(entities.list("club", "chronotrack", "participants")).toHaveLength(1);
    expect(created).toEqual([
      expect.objectContaining({
        jobId: `push.${EVENT.eventId}.${Math.floor(NOW / 300_000)}`,
        provider: "chronotrack",
        connectionId: "c-ct",
        syncType: "participants",
        params: { eventId: "90001" },
      }),
    ]);
    // 10:02:30 is in the 10:00–10:05 slot: the push goes at 10:05.
    expect(sent[0]?.delaySeconds).toBe(150);
  });

  it("queues one push per slot however many syncs change registrations in it", async () => {
    const { follow, done, entities, created } = setup();

    await follow(done(1));
    entities.seed("club", "runsignup", {
      registrationId: "2",
      eventId: "61001",
      firstName: "Noah",
      lastName: "King",
    });
    await follow(done(1));

    expect(created).toHaveLength(1);
  });

  it("does nothing after a sync that changed nothing, wrote no registrants, or feeds no event", async () => {
    const unchanged = setup();
    const otherType = setup();
    const unfed = setup();

    const reports = [
      await unchanged.follow(unchanged.done(0)),
      await otherType.follow(otherType.done(1, "races")),
      await unfed.follow(unfed.done(1, "participants", "c-elsewhere")),
    ];

    // Nothing unified: the job's record carries no race counts.
    expect(reports).toEqual([undefined, undefined, undefined]);
    for (const run of [unchanged, otherType, unfed]) {
      expect(run.created).toEqual([]);
      expect(run.entities.list("club", "chronotrack", "participants")).toEqual([]);
    }
  });

  it("reports the unification of every event the feed feeds, summed, for the job's record", async () => {
    // Prepare: Noah registered on RunSignUp and on Race Roster (with another city), for a second
    // event fed by both; the lists were unified once already.
    const relay: RaceEventRecord = {
      ...EVENT,
      eventId: "ev-00000000000000000002",
      name: "Harbour Relay",
      registration: [
        ...EVENT.registration,
        { connectionId: "c-rr", provider: "raceroster", eventId: "rr-1" },
      ],
      scoring: undefined,
    };
    const { follow, done, entities } = setup([EVENT, relay]);
    const noah = { firstName: "Noah", lastName: "King", email: "noah@example.org" };
    entities.seed("club", "runsignup", { ...noah, registrationId: "2", eventId: "61001", city: "Porto" });
    entities.seed("club", "raceroster", { ...noah, registrationId: "7", eventId: "rr-1", city: "Lisboa" });
    await follow(done(2));

    // Act
    const report = await follow(done(1));

    // Assess: Harbour Run has Ana and Noah (2 list + 2 scoring records); the relay reads Ana and
    // both of Noah's registrations, one participant whose cities disagree.
    expect(report?.race).toEqual({ events: 2, pulled: 5, matched: 1, merged: 1, unchanged: 6, conflicts: 1 });
  });
});
