/**
 * The DynamoDB race event store against DynamoDB Local, which the file starts on a free port and
 * stops afterwards.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoRaceEventStore } from "#adapters/dynamo/race-event-store.ts";
import type { RaceEventRecord } from "#core/race/types.ts";
import { clientConfig } from "../../local/aws/aws-config.ts";
import { type DynamoDbLocal, startDynamoDbLocal } from "../../local/aws/dynamodb-local.ts";
import { type CreatedTables, createTables } from "../../local/aws/tables.ts";

let dynamo: DynamoDbLocal;
let client: DynamoDBDocumentClient;
let tables: CreatedTables;
let store: DynamoRaceEventStore;

beforeAll(async () => {
  dynamo = await startDynamoDbLocal();
  const raw = new DynamoDBClient(clientConfig(dynamo.endpoint));
  client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  tables = await createTables(raw);
  store = new DynamoRaceEventStore({ tableName: tables.names.data, client });
});

afterAll(async () => {
  client?.destroy();
  await dynamo?.stop();
});

let minted = 0;
function anEvent(overrides: Partial<RaceEventRecord> = {}): RaceEventRecord {
  minted += 1;
  return {
    tenantId: "acme",
    eventId: `ev-${minted.toString(16).padStart(20, "0")}`,
    name: "Harbour 10K",
    startsAt: "2026-05-03T08:00:00+02:00",
    registration: [{ connectionId: "c-000000000000000000a1", provider: "runsignup", eventId: "500" }],
    scoring: {
      connectionId: "c-000000000000000000a3",
      provider: "chronotrack",
      eventId: "9001",
      races: { "c-000000000000000000a1:500": "10k" },
    },
    rules: { email: { kind: "prefer", providers: ["runsignup"] } },
    createdAt: "2026-04-01T09:00:00.000Z",
    updatedAt: "2026-04-01T09:00:00.000Z",
    version: 1,
    ...overrides,
  };
}

const by = (value: string) => ({ value, by: "timer@acme", at: "2026-04-01T10:00:00.000Z" });
const ANA = "p-0000000000000000000a";
const BEN = "p-0000000000000000000b";

async function itemsUnder(pk: string): Promise<Record<string, unknown>[]> {
  const { Items } = await client.send(
    new QueryCommand({
      TableName: tables.names.data,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": pk },
    }),
  );
  return Items ?? [];
}

describe("DynamoRaceEventStore: events", () => {
  it("creates an event once under RACE#<tenant>, and reads it back without the keys", async () => {
    const record = anEvent();

    const first = await store.create(record);
    const again = await store.create({ ...record, name: "Another" });

    expect([first, again]).toEqual([true, false]);
    expect(await store.get("acme", record.eventId)).toEqual(record);
    expect((await itemsUnder("RACE#acme")).map((item) => item.sk)).toContain(`EVENT#${record.eventId}`);
  });

  it("writes a change only over the version it was made from", async () => {
    const record = anEvent();
    await store.create(record);

    const fromCurrent = await store.update({ ...record, name: "Renamed", version: 2 });
    const fromStale = await store.update({ ...record, name: "Stale", version: 2 });

    expect([fromCurrent, fromStale]).toEqual([true, false]);
    expect(await store.get("acme", record.eventId)).toMatchObject({ name: "Renamed", version: 2 });
  });

  it("updates nothing that does not exist", async () => {
    expect(await store.update(anEvent({ version: 2 }))).toBe(false);
  });

  it("lists a tenant's events only, not its owned values nor another tenant's events", async () => {
    const mine = [anEvent({ tenantId: "lister" }), anEvent({ tenantId: "lister" })];
    const theirs = anEvent({ tenantId: "lister2" });
    for (const record of [...mine, theirs]) await store.create(record);
    await store.setOwned("lister", mine[0]?.eventId ?? "", ANA, { bib: by("7") });

    const listed = await store.list("lister");

    expect(listed.map((r) => r.eventId).sort()).toEqual(mine.map((r) => r.eventId).sort());
    expect(await store.get("lister", theirs.eventId)).toBeUndefined();
  });
});

describe("DynamoRaceEventStore: owned values", () => {
  it("sets values per participant and field, and a later set of another field keeps the first", async () => {
    const record = anEvent();
    await store.create(record);

    await store.setOwned("acme", record.eventId, ANA, { bib: by("42") });
    await store.setOwned("acme", record.eventId, ANA, { lastName: by("Ruiz-Soto") });
    await store.setOwned("acme", record.eventId, BEN, { team: by("Harriers") });

    expect(await store.owned("acme", record.eventId)).toEqual({
      [ANA]: { bib: by("42"), lastName: by("Ruiz-Soto") },
      [BEN]: { team: by("Harriers") },
    });
  });

  it("releases a field with null, and deletes a participant's item once none is left", async () => {
    const record = anEvent();
    await store.create(record);
    await store.setOwned("acme", record.eventId, ANA, { bib: by("42"), team: by("Harriers") });

    await store.setOwned("acme", record.eventId, ANA, { bib: null });
    const afterOne = await store.owned("acme", record.eventId);
    await store.setOwned("acme", record.eventId, ANA, { team: null });

    expect(afterOne).toEqual({ [ANA]: { team: by("Harriers") } });
    expect(await store.owned("acme", record.eventId)).toEqual({});
    expect(await itemsUnder(`RACE#acme#${record.eventId}`)).toEqual([]);
  });

  it("leaves nothing behind when only releasing a field never set", async () => {
    const record = anEvent();
    await store.create(record);

    await store.setOwned("acme", record.eventId, ANA, { bib: null });

    expect(await itemsUnder(`RACE#acme#${record.eventId}`)).toEqual([]);
  });

  it("refuses a field that is no participant field", async () => {
    const record = anEvent();

    await expect(
      store.setOwned("acme", record.eventId, ANA, { shoeSize: by("44") } as unknown as { bib: null }),
    ).rejects.toThrow("not a participant field: shoeSize");
  });
});

describe("DynamoRaceEventStore: delete", () => {
  it("removes the event and every owned value of it, and leaves the tenant's other events alone", async () => {
    const gone = anEvent({ tenantId: "deleter" });
    const kept = anEvent({ tenantId: "deleter" });
    for (const record of [gone, kept]) await store.create(record);
    const many = Array.from({ length: 30 }, (_, i) => `p-${i.toString(16).padStart(20, "0")}`);
    for (const participantId of many)
      await store.setOwned("deleter", gone.eventId, participantId, { bib: by("1") });
    await store.setOwned("deleter", kept.eventId, ANA, { bib: by("2") });

    await store.delete("deleter", gone.eventId);
    await store.delete("deleter", gone.eventId);

    expect(await store.get("deleter", gone.eventId)).toBeUndefined();
    expect(await itemsUnder(`RACE#deleter#${gone.eventId}`)).toEqual([]);
    expect((await store.list("deleter")).map((r) => r.eventId)).toEqual([kept.eventId]);
    expect(await store.owned("deleter", kept.eventId)).toEqual({ [ANA]: { bib: by("2") } });
  });
});

describe("DynamoRaceEventStore: tenants", () => {
  it("never reads another tenant's event or owned values, even with its event id", async () => {
    const record = anEvent({ tenantId: "owner" });
    await store.create(record);
    await store.setOwned("owner", record.eventId, ANA, { bib: by("42") });

    expect(await store.get("intruder", record.eventId)).toBeUndefined();
    expect(await store.list("intruder")).toEqual([]);
    expect(await store.owned("intruder", record.eventId)).toEqual({});
    expect(await store.update({ ...record, tenantId: "intruder", version: 2 })).toBe(false);
  });

  it("keeps another tenant's owned values when one tenant deletes and releases under the same event id", async () => {
    const record = anEvent({ tenantId: "owner2" });
    await store.create(record);
    await store.setOwned("owner2", record.eventId, ANA, { bib: by("42") });

    await store.delete("intruder2", record.eventId);
    await store.setOwned("intruder2", record.eventId, ANA, { bib: null });

    expect(await store.get("owner2", record.eventId)).toEqual(record);
    expect(await store.owned("owner2", record.eventId)).toEqual({ [ANA]: { bib: by("42") } });
  });
});
