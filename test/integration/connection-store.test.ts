/**
 * The DynamoDB connection store against DynamoDB Local, which the file starts on a free port and
 * stops afterwards.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoConnectionStore } from "#adapters/dynamo/connection-store.ts";
import type { ConnectionRecord } from "#core/connections/types.ts";
import { clientConfig } from "../../local/aws/aws-config.ts";
import { type DynamoDbLocal, startDynamoDbLocal } from "../../local/aws/dynamodb-local.ts";
import { type CreatedTables, createTables } from "../../local/aws/tables.ts";

let dynamo: DynamoDbLocal;
let client: DynamoDBDocumentClient;
let tables: CreatedTables;
let store: DynamoConnectionStore;

beforeAll(async () => {
  dynamo = await startDynamoDbLocal();
  const raw = new DynamoDBClient(clientConfig(dynamo.endpoint));
  client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  tables = await createTables(raw);
  store = new DynamoConnectionStore({ tableName: tables.names.data, client });
});

afterAll(async () => {
  client?.destroy();
  await dynamo?.stop();
});

let minted = 0;
function aConnection(overrides: Partial<ConnectionRecord> = {}): ConnectionRecord {
  minted += 1;
  return {
    connectionId: `c-${minted.toString(16).padStart(20, "0")}`,
    tenantId: "acme",
    provider: "openf1",
    tier: "free",
    settings: { experimental: true },
    enabled: true,
    secretName: `pacer/connections/c-${minted}`,
    credentialsFingerprint: "0123456789abcdef",
    budgetKey: "k0123456789abcdef0123456789abcdef",
    schedules: ["a.meetings"],
    createdAt: "2026-03-01T10:00:00.000Z",
    updatedAt: "2026-03-01T10:00:00.000Z",
    version: 1,
    ...overrides,
  };
}

describe("DynamoConnectionStore", () => {
  it("creates a connection once: a second create of the same id is refused", async () => {
    const record = aConnection();

    const first = await store.create(record);
    const again = await store.create({ ...record, tier: "paid" });

    expect([first, again]).toEqual([true, false]);
    expect(await store.get("acme", record.connectionId)).toEqual(record);
  });

  it("keeps it under the CONNECTIONS partition, and reads it back without the keys", async () => {
    const record = aConnection({ tenantId: "keys" });
    await store.create(record);

    const item = await client.send(
      new GetCommand({
        TableName: tables.names.data,
        Key: { pk: "CONNECTIONS", sk: `keys#${record.connectionId}` },
      }),
    );
    const read = await store.get("keys", record.connectionId);

    expect(item.Item).toMatchObject({ connectionId: record.connectionId });
    expect(read).not.toHaveProperty("pk");
    expect(read).not.toHaveProperty("sk");
  });

  it("writes a change only over the version it was made from", async () => {
    const record = aConnection();
    await store.create(record);

    const fromCurrent = await store.update({ ...record, enabled: false, version: 2 });
    const fromStale = await store.update({ ...record, tier: "paid", version: 2 });

    expect([fromCurrent, fromStale]).toEqual([true, false]);
    expect(await store.get("acme", record.connectionId)).toMatchObject({
      enabled: false,
      tier: "free",
      version: 2,
    });
  });

  it("updates nothing that does not exist", async () => {
    expect(await store.update(aConnection({ version: 2 }))).toBe(false);
  });

  it("lists a tenant's connections only, not another's whose id it prefixes", async () => {
    const mine = [aConnection({ tenantId: "t1" }), aConnection({ tenantId: "t1" })];
    const theirs = aConnection({ tenantId: "t1#x" });
    for (const record of [...mine, theirs]) await store.create(record);

    const listed = await store.list("t1");

    expect(listed.map((r) => r.connectionId).sort()).toEqual(mine.map((r) => r.connectionId).sort());
    expect(await store.get("t1", theirs.connectionId)).toBeUndefined();
  });

  it("lists every connection of the deployment across pages", async () => {
    // ~8 KB each: 150 of them fill more than one 1 MB query page.
    const settings = { note: "x".repeat(8_000) };
    const many = Array.from({ length: 150 }, (_, i) => aConnection({ tenantId: `bulk${i % 3}`, settings }));
    for (const record of many) await store.create(record);

    const all = await store.listAll();
    const bulk1 = await store.list("bulk1");

    const ids = new Set(all.map((r) => r.connectionId));
    expect(many.every((r) => ids.has(r.connectionId))).toBe(true);
    expect(bulk1).toHaveLength(50);
  });

  it("deletes a connection, and a missing one without error", async () => {
    const record = aConnection({ tenantId: "gone" });
    await store.create(record);

    await store.delete("gone", record.connectionId);
    await store.delete("gone", record.connectionId);

    expect(await store.get("gone", record.connectionId)).toBeUndefined();
    expect(await store.list("gone")).toEqual([]);
  });
});
