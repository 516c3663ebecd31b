import { describe, expect, it } from "vitest";
import { catalog } from "#catalog/index.ts";
import {
  changeFromStreamRecord,
  type DataChangeRecord,
  knownTopics,
  parseClientMessage,
} from "#core/live-messages.ts";

const weather = (overrides: Record<string, unknown> = {}) => ({
  pk: "ENT#acme#openf1#weather",
  sk: "1219-2023-09-16T13:00:00",
  data: { air_temperature: 31.2, rainfall: 0 },
  hash: "h1",
  updatedAt: "2024-05-01T10:00:00.000Z",
  ...overrides,
});

const job = {
  pk: "JOB#acme#s-openf1-weather-acme-20240501T1000Z-0",
  sk: "JOB",
  expiresAt: 1_900_000_000,
  jobId: "s-openf1-weather-acme-20240501T1000Z-0",
  tenantId: "acme",
  provider: "openf1",
  syncType: "weather",
  priority: "normal",
  source: "schedule",
  params: {},
  status: "succeeded",
  attempts: 1,
  deferrals: 0,
  counts: { pages: 1, fetched: 3, written: 1, unchanged: 2, removed: 0, pushed: 0 },
  createdAt: "2024-05-01T10:00:00.000Z",
  updatedAt: "2024-05-01T10:00:02.000Z",
};

describe("parseClientMessage", () => {
  it.each([
    ['{"action":"subscribe","topic":"openf1/meetings"}', { action: "subscribe", topic: "openf1/meetings" }],
    ['{"action":"unsubscribe","topic":"jobs"}', { action: "unsubscribe", topic: "jobs" }],
    ['{"action":"ping"}', { action: "ping" }],
  ])("accepts %s", (body, message) => {
    expect(parseClientMessage(body)).toEqual({ ok: true, message });
  });

  it.each([
    ['{"action":"dance"}', 'unknown action "dance"'],
    ["{}", "action is missing"],
    ["[1,2]", "must be a JSON object"],
    ["hello", "not JSON"],
    ["", "empty"],
    ['{"action":"subscribe"}', "topic is missing"],
    ['{"action":"subscribe","topic":"OpenF1/Meetings"}', 'topic "OpenF1/Meetings" is not valid'],
    ['{"action":"subscribe","topic":"openf1/meetings/extra"}', 'topic "openf1/meetings/extra" is not valid'],
    ['{"action":"unsubscribe","topic":7}', "topic must be a string"],
    [`{"action":"unsubscribe","topic":"${"a".repeat(2_048)}"}`, "topic is 2048 characters long; at most 200"],
    [`{"action":"subscribe","topic":"openf1/${"w".repeat(300)}"}`, "at most 200"],
  ])("refuses %s, saying %j", (body, expected) => {
    const parsed = parseClientMessage(body);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? "" : parsed.error).toContain(expected);
  });

  it("does not echo a long action or topic back in full", () => {
    const action = parseClientMessage(JSON.stringify({ action: "x".repeat(10_000) }));
    const topic = parseClientMessage(JSON.stringify({ action: "subscribe", topic: "Y".repeat(150) }));

    expect(action.ok ? "" : action.error.length).toBeLessThan(200);
    expect(topic.ok ? "" : topic.error.length).toBeLessThan(200);
  });
});

describe("knownTopics", () => {
  it("lists jobs and every provider/entityType the catalog syncs", () => {
    const topics = knownTopics(catalog);
    expect(topics).toContain("jobs");
    expect(topics).toEqual(expect.arrayContaining(["openf1/meetings", "openf1/circuits", "openf1/weather"]));
    expect(new Set(topics).size).toBe(topics.length);
  });
});

describe("changeFromStreamRecord", () => {
  it("turns a new entity into a 'created' update for its tenant and topic", () => {
    const record: DataChangeRecord = { eventName: "INSERT", newImage: weather() };
    expect(changeFromStreamRecord(record)).toEqual({
      tenantId: "acme",
      topic: "openf1/weather",
      message: {
        type: "update",
        topic: "openf1/weather",
        entity: {
          type: "weather",
          id: "1219-2023-09-16T13:00:00",
          data: { air_temperature: 31.2, rainfall: 0 },
        },
        change: "created",
        at: "2024-05-01T10:00:00.000Z",
      },
    });
  });

  it("turns a changed entity into an 'updated' update carrying the new data", () => {
    const change = changeFromStreamRecord({
      eventName: "MODIFY",
      oldImage: weather(),
      newImage: weather({ data: { air_temperature: 33 }, hash: "h2", updatedAt: "2024-05-01T11:00:00.000Z" }),
    });
    expect(change?.message).toMatchObject({
      change: "updated",
      entity: { data: { air_temperature: 33 } },
      at: "2024-05-01T11:00:00.000Z",
    });
  });

  it("announces a change too large for one WebSocket message without its data", () => {
    const big = { laps: "x".repeat(200 * 1024) };
    const change = changeFromStreamRecord({ eventName: "INSERT", newImage: weather({ data: big }) });
    expect(change?.message).toMatchObject({
      type: "update",
      change: "created",
      entity: { type: "weather", id: "1219-2023-09-16T13:00:00" },
      dataOmitted: { reason: "too_large", bytes: expect.any(Number) },
    });
    expect(JSON.stringify(change?.message).length).toBeLessThan(1024);
  });

  it("stays silent when a rewrite left the content (hash) unchanged", () => {
    const change = changeFromStreamRecord({
      eventName: "MODIFY",
      oldImage: weather(),
      newImage: weather({ updatedAt: "2024-05-01T11:00:00.000Z" }),
    });
    expect(change).toBeUndefined();
  });

  it("turns a removed entity into a 'deleted' update with its last data, timed by the stream", () => {
    const change = changeFromStreamRecord({
      eventName: "REMOVE",
      oldImage: weather(),
      approximateCreationDateTime: 1_714_560_000,
    });
    expect(change).toMatchObject({
      tenantId: "acme",
      topic: "openf1/weather",
      message: { change: "deleted", entity: { data: { rainfall: 0 } }, at: "2024-05-01T10:40:00.000Z" },
    });
  });

  it("keeps entity ids containing '#' whole", () => {
    const change = changeFromStreamRecord({ eventName: "INSERT", newImage: weather({ sk: "a#b" }) });
    expect(change?.message).toMatchObject({ entity: { id: "a#b" } });
  });

  it("turns a job record into a job message on 'jobs', without table keys", () => {
    const change = changeFromStreamRecord({
      eventName: "MODIFY",
      oldImage: { ...job, status: "running" },
      newImage: job,
    });
    expect(change?.tenantId).toBe("acme");
    expect(change?.topic).toBe("jobs");
    const { pk: _pk, sk: _sk, expiresAt: _e, ...record } = job;
    expect(change?.message).toEqual({ type: "job", job: record });
  });

  it("leaves the job item's bookkeeping (sweep index, pending message) out of the job message", () => {
    const item = { ...job, openShard: 3, dueAt: "2024-05-01T10:05:00.000Z", pendingMessage: '{"jobId":"x"}' };

    const change = changeFromStreamRecord({ eventName: "MODIFY", newImage: item });

    const { pk: _pk, sk: _sk, expiresAt: _e, ...record } = job;
    expect(change?.message).toEqual({ type: "job", job: record });
  });

  it("announces a newly queued job", () => {
    expect(
      changeFromStreamRecord({ eventName: "INSERT", newImage: { ...job, status: "queued" } })?.message,
    ).toMatchObject({
      type: "job",
      job: { status: "queued" },
    });
  });

  it("ignores a job record expiring (retention is not news)", () => {
    expect(changeFromStreamRecord({ eventName: "REMOVE", oldImage: job })).toBeUndefined();
  });

  it.each([
    ["history snapshot", { pk: "HIST#acme#openf1#weather#1219", sk: "2024-05-01T10:00:00.000Z", data: {} }],
    ["sync status", { pk: "STATUS#acme", sk: "openf1#weather", lastSuccessAt: "2024-05-01T10:00:00.000Z" }],
    ["entity key with missing parts", { pk: "ENT#acme#openf1", sk: "x", data: {} }],
    ["item without keys", { foo: "bar" }],
  ])("ignores a %s", (_, image) => {
    expect(changeFromStreamRecord({ eventName: "INSERT", newImage: image })).toBeUndefined();
  });
});
