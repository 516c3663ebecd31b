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

    await unchanged.follow(unchanged.done(0));
    await otherType.follow(otherType.done(1, "races"));
    await unfed.follow(unfed.done(1, "participants", "c-elsewhere"));

    for (const run of [unchanged, otherType, unfed]) {
      expect(run.created).toEqual([]);
      expect(run.entities.list("club", "chronotrack", "participants")).toEqual([]);
    }
  });
});
