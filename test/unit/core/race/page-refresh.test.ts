import { beforeEach, describe, expect, it } from "vitest";
import { catalog, minutes } from "#catalog/index.ts";
import type { ConnectionRecord } from "#core/connections/types.ts";
import type { DataReadDeps } from "#core/data-reads.ts";
import { subjectKey } from "#core/enqueue.ts";
import { NotFoundError } from "#core/errors.ts";
import { listParticipants, type RaceEventDeps } from "#core/race/events.ts";
import { listEventResults } from "#core/race/publications.ts";
import type { RaceEventRecord } from "#core/race/types.ts";
import { RACE_ENTITY } from "#providers/race/shapes.ts";
import { connection, MemoryJobs, MemoryQueue } from "../fakes.ts";
import { MemoryRaceEventStore } from "./events-fakes.ts";
import { NamespacedEntities } from "./fakes.ts";

/**
 * A read of a race page refreshes the syncs feeding it: acme's event is fed by a Race Roster
 * sub-event and a RunSignUp event, and scored by a ChronoTrack event; it started an hour ago.
 */

const NOW = Date.parse("2026-05-03T09:00:00Z");
const EVENT = "ev-00000000000000000001";
const ROSTER = connection({
  connectionId: "c-000000000000000000a1",
  tenantId: "acme",
  provider: "raceroster",
});
const SIGNUP = connection({
  connectionId: "c-000000000000000000a2",
  tenantId: "acme",
  provider: "runsignup",
});
const TIMING = connection({
  connectionId: "c-000000000000000000a3",
  tenantId: "acme",
  provider: "chronotrack",
});

const theEvent = (over: Partial<RaceEventRecord> = {}): RaceEventRecord => ({
  tenantId: "acme",
  eventId: EVENT,
  name: "Harbour 10K",
  startsAt: new Date(NOW - minutes(60)).toISOString(),
  endsAt: new Date(NOW + minutes(180)).toISOString(),
  registration: [
    { connectionId: ROSTER.connectionId, provider: "raceroster", eventId: "7301.73011" },
    { connectionId: SIGNUP.connectionId, provider: "runsignup", eventId: "61001" },
  ],
  scoring: { connectionId: TIMING.connectionId, provider: "chronotrack", eventId: "90001" },
  createdAt: "2026-04-01T09:00:00.000Z",
  updatedAt: "2026-04-01T09:00:00.000Z",
  version: 1,
  ...over,
});

const ROSTER_FEED = { syncType: "participants", params: { eventId: "7301" } };
const SIGNUP_FEED = { syncType: "participants", params: { raceId: "6100", eventId: "61001" } };
const RESULTS = { syncType: "results", params: { eventId: "90001" } };

let jobs: MemoryJobs;
let queue: MemoryQueue;
let events: MemoryRaceEventStore;
let connections: ConnectionRecord[];
let reading: DataReadDeps;
let racing: RaceEventDeps & { refreshing: DataReadDeps };
let entities: NamespacedEntities;

beforeEach(async () => {
  jobs = new MemoryJobs();
  jobs.now = () => NOW;
  queue = new MemoryQueue();
  events = new MemoryRaceEventStore();
  entities = new NamespacedEntities();
  connections = [ROSTER, SIGNUP, TIMING];
  // The events syncs stored both registration events, each with the race it belongs to.
  await entities.upsert({ tenantId: "acme", provider: "raceroster" }, [
    {
      type: RACE_ENTITY.events,
      id: "7301.73011",
      data: { eventId: "7301.73011", raceId: "7301", name: "5K" },
    },
  ]);
  await entities.upsert({ tenantId: "acme", provider: "runsignup" }, [
    { type: RACE_ENTITY.events, id: "61001", data: { eventId: "61001", raceId: "6100", name: "10K" } },
  ]);
  await events.create(theEvent());
  reading = {
    catalog,
    entities,
    subjects: jobs,
    connections: { list: async (tenantId) => connections.filter((c) => c.tenantId === tenantId) },
    enqueue: { jobs, queue, clock: () => NOW, sleep: async () => undefined },
    clock: () => NOW,
  };
  racing = {
    events,
    connections: {
      get: async (tenantId, id) => connections.find((c) => c.tenantId === tenantId && c.connectionId === id),
    },
    catalog,
    participants: async () => [],
    unify: async () => {
      throw new Error("a read unifies nothing");
    },
    clock: () => NOW,
    refreshing: reading,
  };
});

/** Records a success of the subject `msAgo`, as the JobStore does when its job succeeds. */
function succeeded(
  via: ConnectionRecord,
  subject: { syncType: string; params: Record<string, string> },
  msAgo: number,
) {
  const key = `${via.tenantId}/${subjectKey({ connectionId: via.connectionId, ...subject })}`;
  jobs.subjects.set(key, { lastSuccessAt: new Date(NOW - msAgo).toISOString() });
}

const queued = () =>
  [...jobs.records.values()].map((j) => ({
    connectionId: j.connectionId,
    syncType: j.syncType,
    params: j.params,
    priority: j.priority,
    source: j.source,
  }));

describe("GET /events/{eventId}/participants: a read of stale feeds", () => {
  it("queues one refresh per stale feed, through the feed's own connection, and names each", async () => {
    const { refresh } = await listParticipants(racing, "acme", EVENT);

    expect(queued()).toEqual([
      { connectionId: ROSTER.connectionId, ...ROSTER_FEED, priority: "high", source: "read" },
      { connectionId: SIGNUP.connectionId, ...SIGNUP_FEED, priority: "high", source: "read" },
    ]);
    expect(queue.sent).toHaveLength(2);
    expect(refresh).toEqual([
      { provider: "raceroster", syncType: "participants", jobId: expect.stringMatching(/^r-/) },
      { provider: "runsignup", syncType: "participants", jobId: expect.stringMatching(/^r-/) },
    ]);
  });

  it("queues once for two reads: the second names the job the first queued", async () => {
    const first = await listParticipants(racing, "acme", EVENT);
    const second = await listParticipants(racing, "acme", EVENT);

    expect(jobs.records.size).toBe(2);
    expect(second.refresh).toEqual(first.refresh);
  });
});

describe("GET /events/{eventId}/participants: a read that queues nothing", () => {
  it("queues nothing for feeds synced within their target", async () => {
    succeeded(ROSTER, ROSTER_FEED, minutes(2));
    succeeded(SIGNUP, SIGNUP_FEED, minutes(2));

    const { refresh } = await listParticipants(racing, "acme", EVENT);

    expect(refresh).toEqual([]);
    expect(jobs.records.size).toBe(0);
  });

  it("counts a recent run over every event of the connection as the feed's", async () => {
    succeeded(ROSTER, { syncType: "participants", params: {} }, minutes(2));
    succeeded(SIGNUP, { syncType: "participants", params: {} }, minutes(2));

    const { refresh } = await listParticipants(racing, "acme", EVENT);

    expect(refresh).toEqual([]);
    expect(jobs.records.size).toBe(0);
  });

  it("queues only the stale feed's refresh when the other is fresh", async () => {
    succeeded(ROSTER, ROSTER_FEED, minutes(2));
    succeeded(SIGNUP, SIGNUP_FEED, minutes(60));

    const { refresh } = await listParticipants(racing, "acme", EVENT);

    expect(refresh.map((r) => r.provider)).toEqual(["runsignup"]);
    expect(queued().map((j) => j.connectionId)).toEqual([SIGNUP.connectionId]);
  });

  it.each([
    ["refreshOnRead false", { refreshOnRead: false }],
    ["disabled", { enabled: false }],
  ])("queues nothing through a connection that is %s", async (_, change) => {
    connections = connections.map((c) => ({ ...c, ...change }));

    const { refresh } = await listParticipants(racing, "acme", EVENT);

    expect(refresh).toEqual([]);
    expect(jobs.records.size).toBe(0);
  });

  it("queues nothing for a feed whose race is not stored yet: a run would not find its event", async () => {
    entities = new NamespacedEntities();
    reading = { ...reading, entities };
    racing = { ...racing, refreshing: reading };

    const { refresh } = await listParticipants(racing, "acme", EVENT);

    expect(refresh).toEqual([]);
    expect(jobs.records.size).toBe(0);
  });

  it("answers the list without refreshing when the use case is given no read deps", async () => {
    const { refreshing: _, ...withoutReads } = racing;

    expect(await listParticipants(withoutReads, "acme", EVENT)).toEqual({ participants: [], refresh: [] });
    expect(jobs.records.size).toBe(0);
  });
});

describe("GET /events/{eventId}/results", () => {
  const publishing = () => ({ events, entities, refreshing: reading });

  it("queues the scoring connection's results pull of a running event whose results are stale", async () => {
    const { results, refresh } = await listEventResults(publishing(), "acme", EVENT);

    expect(results).toEqual([]);
    expect(queued()).toEqual([
      { connectionId: TIMING.connectionId, ...RESULTS, priority: "high", source: "read" },
    ]);
    expect(refresh).toEqual([
      { provider: "chronotrack", syncType: "results", jobId: expect.stringMatching(/^r-/) },
    ]);
  });

  it("queues nothing for results pulled within their target", async () => {
    succeeded(TIMING, RESULTS, minutes(2));

    expect((await listEventResults(publishing(), "acme", EVENT)).refresh).toEqual([]);
    expect(jobs.records.size).toBe(0);
  });

  it("queues nothing before the event starts: there are no results to pull yet", async () => {
    await events.update(theEvent({ startsAt: new Date(NOW + minutes(60)).toISOString(), version: 2 }));

    expect((await listEventResults(publishing(), "acme", EVENT)).refresh).toEqual([]);
    expect(jobs.records.size).toBe(0);
  });
});

describe("another tenant's read of the event id", () => {
  it("is answered 404 on both pages and queues nothing", async () => {
    connections.push(
      connection({ connectionId: "c-000000000000000000b1", tenantId: "globex", provider: "runsignup" }),
    );

    const participants = listParticipants(racing, "globex", EVENT);
    const results = listEventResults({ events, entities, refreshing: reading }, "globex", EVENT);

    await expect(participants).rejects.toThrow(NotFoundError);
    await expect(results).rejects.toThrow(NotFoundError);
    expect(jobs.records.size).toBe(0);
    expect(queue.sent).toHaveLength(0);
  });
});

describe("the catalog's registration providers", () => {
  it("each declare the params with which a registrant sync taking params reads one feed", () => {
    const registrantSyncs = catalog.providers
      .filter((p) => p.role === "registration")
      .flatMap((p) =>
        p.syncTypes
          .filter((s) => s.direction === "pull" && s.params !== undefined)
          .filter((s) => s.entityTypes.includes(RACE_ENTITY.registrants))
          .map((s) => ({ provider: p.id, syncType: s.id, feedParams: s.feedParams })),
      );

    expect(registrantSyncs.length).toBeGreaterThanOrEqual(3);
    for (const sync of registrantSyncs) expect(sync, sync.provider).toHaveProperty("feedParams.eventId");
  });
});
