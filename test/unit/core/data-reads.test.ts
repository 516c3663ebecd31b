import { beforeEach, describe, expect, it } from "vitest";
import { catalog, hours, minutes } from "#catalog/index.ts";
import type { ConnectionRecord } from "#core/connections/types.ts";
import { type DataReadDeps, readData, refreshTopic } from "#core/data-reads.ts";
import { subjectKey } from "#core/enqueue.ts";
import type { Entity, EntityReader } from "#providers/types.ts";
import { connection, MemoryJobs, MemoryQueue } from "./fakes.ts";

const NOW = Date.parse("2026-03-10T18:00:00Z");
const EVENT = "4613373";
const CLUB_A = connection({
  connectionId: "c-0000000000000000000a",
  tenantId: "club-a",
  provider: "zwiftracing",
  tier: "standard",
  settings: { clubId: 1001, experimental: true },
});

/** Entities per tenant and provider, as the EntityStore keeps them. */
class TenantEntities {
  readonly stored = new Map<string, Entity[]>();
  put(tenantId: string, provider: string, ...entities: Entity[]) {
    const key = `${tenantId}/${provider}`;
    this.stored.set(key, [...(this.stored.get(key) ?? []), ...entities]);
  }
  reader(tenantId: string, provider: string): EntityReader {
    const all = () => this.stored.get(`${tenantId}/${provider}`) ?? [];
    return {
      get: async (type, id) => all().find((e) => e.type === type && e.id === id),
      list: async (type) => all().filter((e) => e.type === type),
    };
  }
}

const signup = (eventId: string, riderId: number): Entity => ({
  type: "signups",
  id: `${eventId}:${riderId}`,
  data: { eventId, riderId, pen: "A" },
});
const event = (eventId: string, startMs: number): Entity => ({
  type: "events",
  id: eventId,
  data: { eventId, time: startMs / 1000, status: "upcoming" },
});

let jobs: MemoryJobs;
let queue: MemoryQueue;
let entities: TenantEntities;
let connections: ConnectionRecord[];
let deps: DataReadDeps;

beforeEach(() => {
  jobs = new MemoryJobs();
  jobs.now = () => NOW;
  queue = new MemoryQueue();
  entities = new TenantEntities();
  connections = [CLUB_A];
  deps = {
    catalog,
    entities,
    subjects: jobs,
    connections: { list: async (tenantId) => connections.filter((c) => c.tenantId === tenantId) },
    enqueue: { jobs, queue, clock: () => NOW, sleep: async () => undefined },
    clock: () => NOW,
  };
  // Event 4613373 starts in 3 hours (signups target: 5 min); two riders signed up, and one of 46133730.
  entities.put("club-a", "zwiftracing", event(EVENT, NOW + hours(3)), signup(EVENT, 8), signup(EVENT, 5574));
  entities.put("club-a", "zwiftracing", signup(`${EVENT}0`, 9));
});

/** Records a success of the subject `minutesAgo`, as the JobStore does when its job succeeds. */
function succeeded(syncType: string, params: Record<string, string>, msAgo: number, via = CLUB_A) {
  const key = `${via.tenantId}/${subjectKey({ connectionId: via.connectionId, syncType, params })}`;
  jobs.subjects.set(key, { lastSuccessAt: new Date(NOW - msAgo).toISOString() });
}

const readSignups = (tenantId = "club-a", query: Record<string, string> = { prefix: EVENT }) =>
  readData(deps, tenantId, "zwiftracing", "signups", query);

describe("readData: a read of stale data", () => {
  it("answers the stored data at once and queues one high-priority refresh through the tenant's connection", async () => {
    // Prepare: the signups were fetched 6 minutes ago; their target is 5.
    succeeded("signups", { eventId: EVENT }, minutes(6));

    // Act
    const view = await readSignups();

    // Assess
    expect(view.items.map((i) => i.id)).toEqual([`${EVENT}:5574`, `${EVENT}:8`]);
    const [job] = [...jobs.records.values()];
    expect(job).toMatchObject({
      tenantId: "club-a",
      connectionId: CLUB_A.connectionId,
      syncType: "signups",
      params: { eventId: EVENT },
      priority: "high",
      source: "read",
      status: "queued",
    });
    expect(view.freshness).toEqual({
      syncType: "signups",
      params: { eventId: EVENT },
      lastSuccessAt: new Date(NOW - minutes(6)).toISOString(),
      ageSeconds: 360,
      targetSeconds: 300,
      refresh: { jobId: job?.jobId },
    });
    expect(queue.sent.map((s) => s.message.priority)).toEqual(["high"]);
  });

  it("queues one refresh however often it is read while that refresh is queued", async () => {
    // Act: never synced, read twice.
    const first = await readSignups();
    const second = await readSignups();

    // Assess
    expect(jobs.records.size).toBe(1);
    expect(queue.sent).toHaveLength(1);
    expect(second.freshness?.refresh).toEqual(first.freshness?.refresh);
    expect(first.freshness?.lastSuccessAt).toBeNull();
  });

  it("queues no refresh when the connection says refreshOnRead: false", async () => {
    // Prepare
    connections = [{ ...CLUB_A, refreshOnRead: false } as ConnectionRecord];

    // Act
    const view = await readSignups();

    // Assess: the stored data still comes back.
    expect(view.items).toHaveLength(2);
    expect(view.freshness?.refresh).toBeNull();
    expect(jobs.records.size).toBe(0);
  });

  it("queues no refresh through a connection whose settings leave the sync type off", async () => {
    // Prepare: signups need the experimental setting.
    connections = [{ ...CLUB_A, settings: { clubId: 1001 } }];

    // Act
    const view = await readSignups();

    // Assess
    expect(view.freshness?.refresh).toBeNull();
    expect(jobs.records.size).toBe(0);
  });

  it("still answers when the refresh cannot be queued, and says so", async () => {
    // Prepare
    const failures: unknown[] = [];
    deps = {
      ...deps,
      enqueue: {
        ...deps.enqueue,
        jobs: Object.assign(Object.create(jobs), { create: () => Promise.reject(new Error("table down")) }),
      },
      onRefreshFailed: (error) => failures.push(error),
    };

    // Act
    const view = await readSignups();

    // Assess
    expect(view.items).toHaveLength(2);
    expect(view.freshness?.refresh).toBeNull();
    expect(failures).toHaveLength(1);
  });
});

describe("readData: a read of fresh or final data", () => {
  it("queues nothing while the data is within its target", async () => {
    // Prepare
    succeeded("signups", { eventId: EVENT }, minutes(4));

    // Act
    const view = await readSignups();

    // Assess
    expect(view.freshness).toMatchObject({ ageSeconds: 240, targetSeconds: 300, refresh: null });
    expect(jobs.records.size).toBe(0);
  });

  it("queues nothing for the signups of an event that has started: they are final", async () => {
    // Prepare
    entities.stored.set("club-a/zwiftracing", [event(EVENT, NOW - minutes(5)), signup(EVENT, 8)]);

    // Act
    const view = await readSignups();

    // Assess
    expect(view.freshness).toMatchObject({ targetSeconds: null, refresh: null });
    expect(jobs.records.size).toBe(0);
  });

  it("takes the latest success over the tenant's connections to the provider", async () => {
    // Prepare: a second club of the same tenant fetched the same event's signups a minute ago.
    const clubB = {
      ...CLUB_A,
      connectionId: "c-0000000000000000000b",
      settings: { clubId: 1002, experimental: true },
    };
    connections = [CLUB_A, clubB];
    succeeded("signups", { eventId: EVENT }, minutes(30));
    succeeded("signups", { eventId: EVENT }, minutes(1), clubB);

    // Act
    const view = await readSignups();

    // Assess
    expect(view.freshness).toMatchObject({ ageSeconds: 60, refresh: null });
  });
});

describe("readData: tenants", () => {
  it("never lists another tenant's data nor refreshes it on their behalf", async () => {
    // Prepare: club-b has no ZwiftRacing connection; club-a's data is stale.
    const other = connection({ tenantId: "club-b", connectionId: "c-0000000000000000000c" });
    connections = [CLUB_A, other];

    // Act
    const view = await readSignups("club-b");

    // Assess
    expect(view.items).toEqual([]);
    expect(view.freshness?.refresh).toBeNull();
    expect(jobs.records.size).toBe(0);
  });
});

describe("readData: what it lists", () => {
  it("lists one event's rows by its id as prefix, never a longer id's", async () => {
    // Act
    const view = await readSignups();

    // Assess: 46133730's row is not event 4613373's.
    expect(view.items.every((i) => i.id.startsWith(`${EVENT}:`))).toBe(true);
  });

  it("pages by limit and cursor", async () => {
    // Act
    const first = await readSignups("club-a", { prefix: EVENT, limit: "1" });
    const second = await readSignups("club-a", { prefix: EVENT, limit: "1", cursor: first.nextCursor ?? "" });

    // Assess
    expect(first.items.map((i) => i.id)).toEqual([`${EVENT}:5574`]);
    expect(second.items.map((i) => i.id)).toEqual([`${EVENT}:8`]);
    expect(second.nextCursor).toBeNull();
  });

  it("reads one entity by id, refreshed by its event's signups", async () => {
    // Act
    const view = await readSignups("club-a", { id: `${EVENT}:8` });

    // Assess
    expect(view.items).toEqual([{ id: `${EVENT}:8`, data: { eventId: EVENT, riderId: 8, pen: "A" } }]);
    expect(view.freshness?.params).toEqual({ eventId: EVENT });
  });

  it("names no single sync for a read across events", async () => {
    // Act
    const view = await readSignups("club-a", {});

    // Assess
    expect(view.items).toHaveLength(3);
    expect(view.freshness).toBeNull();
    expect(jobs.records.size).toBe(0);
  });

  it("refreshes a param-less sync type's data through the catalog's default", async () => {
    // Prepare: club members sync daily; never synced.

    // Act
    const view = await readData(deps, "club-a", "zwiftracing", "members", null);

    // Assess
    expect(view.freshness).toMatchObject({ syncType: "clubMembers", params: {}, targetSeconds: 86_400 });
    expect(view.freshness?.refresh).not.toBeNull();
  });
});

describe("readData: bad input", () => {
  it.each([
    ["an unknown provider", "nosuch", "signups", {}, "NOT_FOUND", 'no provider "nosuch"'],
    ["an unknown entity type", "zwiftracing", "laps", {}, "NOT_FOUND", 'no entity type "laps"'],
    [
      "a prefix that is no event id",
      "zwiftracing",
      "signups",
      { prefix: "abc" },
      "VALIDATION_ERROR",
      "prefix",
    ],
    ["an id that is no row id", "zwiftracing", "signups", { id: "4613373" }, "VALIDATION_ERROR", "id"],
    [
      "id and prefix at once",
      "zwiftracing",
      "signups",
      { id: "1:2", prefix: "1" },
      "VALIDATION_ERROR",
      "not both",
    ],
    ["an unknown query parameter", "zwiftracing", "signups", { event: "1" }, "VALIDATION_ERROR", '"event"'],
    ["a limit out of range", "zwiftracing", "signups", { limit: "0" }, "VALIDATION_ERROR", "limit"],
    [
      "a cursor this API did not give",
      "zwiftracing",
      "signups",
      { cursor: "%%%" },
      "VALIDATION_ERROR",
      "cursor",
    ],
  ])("refuses %s, naming it", async (_, provider, entityType, query, code, named) => {
    // Act
    const error = await readData(deps, "club-a", provider, entityType, query).catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ code });
    expect((error as Error).message).toContain(named);
    expect(jobs.records.size).toBe(0);
  });
});

describe("refreshTopic", () => {
  it("refreshes the param-less sync type that writes a subscribed topic when it is stale", async () => {
    // Prepare: upcoming events were listed 2 hours ago; their target is 1 hour.
    succeeded("events", {}, hours(2));

    // Act
    const refresh = await refreshTopic(deps, "club-a", "zwiftracing/events");
    const again = await refreshTopic(deps, "club-a", "zwiftracing/events");

    // Assess
    expect(refresh).not.toBeNull();
    expect(again).toEqual(refresh);
    expect([...jobs.records.values()].map((j) => [j.syncType, j.source])).toEqual([["events", "read"]]);
  });

  it("refreshes nothing for a topic no single param-less sync writes, nor for jobs", async () => {
    // Act
    const signups = await refreshTopic(deps, "club-a", "zwiftracing/signups");
    const jobsTopic = await refreshTopic(deps, "club-a", "jobs");

    // Assess
    expect([signups, jobsTopic]).toEqual([null, null]);
    expect(jobs.records.size).toBe(0);
  });
});
