/**
 * Pacer's DynamoDB adapters (limiter, entity store, job store, push leases) against DynamoDB Local, which the
 * file starts on a free port and stops afterwards.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoLimiter } from "#adapters/dynamo/dynamo-limiter.ts";
import { EntityStore } from "#adapters/dynamo/entity-store.ts";
import { JobStore } from "#adapters/dynamo/job-store.ts";
import { SyncStateStore } from "#adapters/dynamo/sync-state-store.ts";
import type { LimitDef } from "#catalog/types.ts";
import { takePermit } from "#core/limiter/take-permit.ts";
import { clientConfig } from "../../local/aws/aws-config.ts";
import { type DynamoDbLocal, startDynamoDbLocal } from "../../local/aws/dynamodb-local.ts";
import { type CreatedTables, createTables } from "../../local/aws/tables.ts";
import { aJobRecord } from "../support/job-record.ts";

let dynamo: DynamoDbLocal;
let client: DynamoDBDocumentClient;
let tables: CreatedTables;

beforeAll(async () => {
  dynamo = await startDynamoDbLocal();
  const raw = new DynamoDBClient(clientConfig(dynamo.endpoint));
  client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  tables = await createTables(raw);
});

afterAll(async () => {
  client?.destroy();
  await dynamo?.stop();
});

const noMargin = { safetyMarginMs: () => 0, reserve: () => 0 };

describe("DynamoLimiter", () => {
  it("grants no more than N in any window across many concurrent workers, high ones taking over low reservations", async () => {
    const limit: LimitDef = { id: "conc", calls: 5, perMs: 1_000, scope: "global" };
    const calls: { at: number; priority: string }[] = [];
    // 16 workers, each with its own limiter instance, following the caller's protocol (takePermit):
    // low ones reserve up to 1.5 s ahead, high ones may take those reservations over. Each asks
    // until it holds two permits, however long a loaded machine makes that take: what matters is
    // that every caller gets its permits and no window ever holds more than the limit.
    const workers = Array.from({ length: 16 }, (_, i) =>
      i % 4 === 0 ? ("high" as const) : ("low" as const),
    );
    const granted = await Promise.all(
      workers.map(async (priority) => {
        const mine = new DynamoLimiter({ tableName: tables.names.limiter, client });
        let held = 0;
        while (held < 2) {
          const permit = await takePermit(
            mine,
            { provider: "p", limits: [limit], scopeKey: "t", permits: 1, priority },
            { maxWaitMs: 1_500 },
          );
          if (permit.granted) {
            calls.push({ at: Date.now(), priority });
            held++;
          } else await new Promise((r) => setTimeout(r, Math.min(permit.retryAfterMs, 200)));
        }
        return held;
      }),
    );

    expect(granted).toEqual(Array(16).fill(2));
    expect(calls.filter((c) => c.priority === "high")).toHaveLength(8);
    const times = calls.map((c) => c.at);
    for (const end of times) {
      expect(times.filter((t) => t > end - limit.perMs && t <= end).length).toBeLessThanOrEqual(limit.calls);
    }
  }, 120_000);

  it("takes a reservation over for high work, counting both moments until the holder releases its own", async () => {
    const limit: LimitDef = { id: "over", calls: 2, perMs: 60_000, scope: "global", reserve: 1 };
    const scope = { provider: "takeover", limits: [limit], scopeKey: "t" };
    const limiter = new DynamoLimiter({
      tableName: tables.names.limiter,
      client,
      policy: { ...noMargin, reserve: () => 1 },
    });
    const low = { ...scope, permits: 1, priority: "low" as const, maxWaitMs: 120_000 };
    const high = { ...scope, permits: 1, priority: "high" as const, maxWaitMs: 120_000 };
    // The low share (1 of 2) is used now; the next low permit is reserved a window ahead.
    expect((await limiter.acquire(low)).granted).toBe(true);
    const reserved = await limiter.acquire(low);
    if (!reserved.granted || !reserved.hold)
      throw new Error("expected a reservation high work could take over");
    // High work takes the reserve at once, then takes the low reservation over: its moment, its holder gone.
    expect(await limiter.acquire(high)).toMatchObject({ granted: true, waitMs: 0 });
    const taken = await limiter.acquire(high);
    expect(taken).toMatchObject({ granted: true, at: reserved.at });
    expect(await limiter.confirm(scope, reserved.hold)).toBe(false);
    expect((await limiter.usage(scope))[0]?.reserved).toBe(2);
    // The holder asks again and releases its moment in the same write: one reservation remains
    // there (the taker's) besides the holder's new one, a window later still.
    const again = await limiter.acquire({ ...low, release: { at: reserved.at, permits: 1 } });
    expect(again.granted && again.at).toBeGreaterThan(reserved.at);
    expect((await limiter.usage(scope))[0]?.reserved).toBe(2);
  });

  it("lets high work take over only reservations made under exactly its own limits", async () => {
    // Two endpoint groups of one provider, one limit each, sharing one item.
    const a: LimitDef = { id: "group-a", calls: 1, perMs: 10_000, scope: "global" };
    const b: LimitDef = { id: "group-b", calls: 1, perMs: 10_000, scope: "global" };
    const limiter = new DynamoLimiter({ tableName: tables.names.limiter, client });
    const low = {
      provider: "multi",
      limits: [a],
      scopeKey: "t",
      permits: 1,
      priority: "low" as const,
      maxWaitMs: 20_000,
    };
    const high = {
      provider: "multi",
      limits: [b],
      scopeKey: "t",
      permits: 1,
      priority: "high" as const,
      maxWaitMs: 20_000,
    };
    expect((await limiter.acquire(low)).granted).toBe(true);
    const reserved = await limiter.acquire(low);
    if (!reserved.granted || !reserved.hold)
      throw new Error("expected a reservation high work could take over");
    expect((await limiter.acquire(high)).granted).toBe(true);
    const second = await limiter.acquire(high);
    // Group b is full for 10 s; group a's reservation is no slot of b's, so b waits its own turn.
    expect(second.granted && second.at).toBeGreaterThanOrEqual(Date.now() + 9_000);
    expect(await limiter.confirm({ provider: "multi", limits: [a], scopeKey: "t" }, reserved.hold)).toBe(
      true,
    );
  });

  it("takes permits from all limits or none", async () => {
    const tight: LimitDef = { id: "tight", calls: 2, perMs: 60_000, scope: "tenant" };
    const loose: LimitDef = { id: "loose", calls: 100, perMs: 60_000, scope: "tenant" };
    const limiter = new DynamoLimiter({ tableName: tables.names.limiter, client, policy: noMargin });
    const request = {
      provider: "p",
      limits: [tight, loose],
      scopeKey: "acme",
      permits: 1,
      priority: "high" as const,
    };
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await limiter.acquire(request));
    expect(decisions.map((d) => d.granted)).toEqual([true, true, false, false]);
    const refused = decisions[2];
    expect(refused && !refused.granted && refused.retryAfterMs).toBeGreaterThan(55_000);
    const usage = await limiter.usage(request);
    expect(usage.map((u) => [u.limitId, u.used])).toEqual([
      ["tight", 2],
      ["loose", 2],
    ]);
    // Another tenant has its own budget under tenant-scoped limits.
    expect((await limiter.acquire({ ...request, scopeKey: "globex" })).granted).toBe(true);
  });

  it("makes everyone wait after provider feedback", async () => {
    const limit: LimitDef = { id: "paused", calls: 100, perMs: 1_000, scope: "global" };
    const limiter = new DynamoLimiter({ tableName: tables.names.limiter, client });
    await limiter.pause({ provider: "p", limits: [limit], scopeKey: "t" }, Date.now() + 30_000);
    const other = new DynamoLimiter({ tableName: tables.names.limiter, client });
    const d = await other.acquire({
      provider: "p",
      limits: [limit],
      scopeKey: "x",
      permits: 1,
      priority: "high",
    });
    expect(d.granted).toBe(false);
    expect(!d.granted && d.retryAfterMs).toBeGreaterThan(25_000);
  });
});

describe("EntityStore", () => {
  it("writes new and changed records once, skips unchanged ones, and keeps history", async () => {
    const store = new EntityStore({ tableName: tables.names.data, client, historyRetentionDays: 1 });
    const scope = { tenantId: "acme", provider: "openf1", jobId: "j1" };
    const now = new Date();
    const monaco = { type: "meetings", id: "1", data: { name: "Monaco", round: 8 } };
    const spa = { type: "meetings", id: "2", data: { name: "Spa", round: 13 } };
    expect(await store.upsert(scope, [monaco, spa], now)).toEqual({ written: 2, unchanged: 0 });
    // Same content, keys in another order: unchanged.
    const reordered = { ...monaco, data: { round: 8, name: "Monaco" } };
    expect(await store.upsert(scope, [reordered, spa], now)).toEqual({ written: 0, unchanged: 2 });
    expect(await store.upsert(scope, [{ ...spa, data: { name: "Spa", round: 14 } }], now)).toEqual({
      written: 1,
      unchanged: 0,
    });
    const reader = store.reader("acme", "openf1");
    expect((await reader.get("meetings", "2"))?.data).toEqual({ name: "Spa", round: 14 });
    expect(await store.reader("globex", "openf1").list("meetings")).toEqual([]);
    const history = await client.send(
      new QueryCommand({
        TableName: tables.names.data,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": "HIST#acme#openf1#meetings#2" },
      }),
    );
    expect(history.Items?.map((i) => i.data.round)).toEqual([13, 14]);
  });
});

describe("JobStore", () => {
  const job = aJobRecord({ jobId: "j-store", createdAt: new Date().toISOString() });

  it("counts a job once, finishes it once, and rolls it into the sync's status", async () => {
    const jobs = new JobStore({ tableName: tables.names.data, client, jobRetentionDays: 1 });
    expect(await jobs.create(job)).toBe(true);
    expect(await jobs.create(job)).toBe(false);
    expect((await jobs.statuses("acme")).find((s) => s.syncType === "sessions")?.pending).toBe(1);
    const at = new Date().toISOString();
    const running = await jobs.transition(job, { status: "running", updatedAt: at, attempts: 1 });
    expect(running).toMatchObject({ status: "running", attempts: 1 });
    const done = await jobs.transition(job, { status: "succeeded", updatedAt: at, finishedAt: at });
    expect(done?.status).toBe("succeeded");
    expect(await jobs.transition(job, { status: "running", updatedAt: at })).toBeUndefined();
    expect((await jobs.statuses("acme")).find((s) => s.syncType === "sessions")).toMatchObject({
      pending: 0,
      lastStatus: "succeeded",
      lastSuccessAt: at,
    });
    expect(await jobs.get("globex", job.jobId)).toBeUndefined();
    expect((await jobs.get("acme", job.jobId))?.status).toBe("succeeded");
  });
});

describe("SyncStateStore push leases", () => {
  const lease = () => new SyncStateStore({ tableName: tables.names.data, client });
  const T0 = Date.parse("2026-12-01T10:00:00Z");

  it("lets one of many concurrent pushes of the same records hold the lease, and tells the holder it was asked again", async () => {
    // Prepare
    const store = lease();
    const flight = `participants#{"eventId":"race-${T0}"}`;

    // Act
    const claims = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        store.claimPush("acme", "c-1", flight, `push.${i}`, T0, T0 + 60_000),
      ),
    );

    // Assess
    const holders = claims.flatMap((claim, i) => (claim.claimed ? [`push.${i}`] : []));
    expect(holders).toHaveLength(1);
    const holder = holders[0] as string;
    for (const claim of claims) if (!claim.claimed) expect(claim.holder).toBe(holder);
    expect(await store.pushTurnedAway("acme", "c-1", flight, holder)).toBe(true);
  });

  it("frees the lease on release, and lets a push take over one that expired", async () => {
    // Prepare
    const store = lease();
    const flight = "participants#expiry";
    await store.claimPush("acme", "c-1", flight, "push.a", T0, T0 + 60_000);

    // Act
    const whileHeld = await store.claimPush("acme", "c-1", flight, "push.b", T0 + 1_000, T0 + 61_000);
    const afterExpiry = await store.claimPush("acme", "c-1", flight, "push.b", T0 + 61_000, T0 + 121_000);
    await store.releasePush("acme", "c-1", flight, "push.a");
    const stillB = await store.claimPush("acme", "c-1", flight, "push.c", T0 + 62_000, T0 + 122_000);
    await store.releasePush("acme", "c-1", flight, "push.b");
    const free = await store.claimPush("acme", "c-1", flight, "push.c", T0 + 63_000, T0 + 123_000);

    // Assess
    expect(whileHeld).toEqual({ claimed: false, holder: "push.a" });
    expect(afterExpiry).toEqual({ claimed: true });
    expect(stillB).toEqual({ claimed: false, holder: "push.b" });
    expect(free).toEqual({ claimed: true });
  });
});
