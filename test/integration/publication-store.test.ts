/**
 * The DynamoDB publication store against DynamoDB Local, which the file starts on a free port and
 * stops afterwards.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoPublicationStore } from "#adapters/dynamo/publication-store.ts";
import type { PublicationRecord, StoredDiff } from "#core/race/publications.ts";
import type { PublishedResult } from "#providers/race/shapes.ts";
import { clientConfig } from "../../local/aws/aws-config.ts";
import { type DynamoDbLocal, startDynamoDbLocal } from "../../local/aws/dynamodb-local.ts";
import { createTables } from "../../local/aws/tables.ts";

let dynamo: DynamoDbLocal;
let client: DynamoDBDocumentClient;
let store: DynamoPublicationStore;

beforeAll(async () => {
  dynamo = await startDynamoDbLocal();
  const raw = new DynamoDBClient(clientConfig(dynamo.endpoint));
  client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  const tables = await createTables(raw);
  store = new DynamoPublicationStore({ tableName: tables.names.data, client });
});

afterAll(async () => {
  client?.destroy();
  await dynamo?.stop();
});

let minted = 0;
const EVENT = "ev-00000000000000000001";

function aPublication(over: Partial<PublicationRecord> = {}): PublicationRecord {
  minted += 1;
  return {
    tenantId: "acme",
    eventId: EVENT,
    publicationId: `pub-${minted.toString(16).padStart(20, "0")}`,
    kind: "final",
    status: "prepared",
    preparedAt: "2026-05-03T12:00:00.000Z",
    preparedBy: "timer@acme",
    results: 40,
    matched: 40,
    unmatched: 0,
    targets: [
      {
        connectionId: "c-000000000000000000a1",
        provider: "runsignup",
        eventId: "61001",
        supported: true,
        rows: 40,
        added: 40,
        changed: 0,
        removed: 0,
        unchanged: 0,
      },
    ],
    ...over,
  };
}

const row = (n: number): { id: string; result: PublishedResult } => ({
  id: `final:61001:${500000 + n}`,
  result: {
    eventId: "61001",
    registrationId: String(500000 + n),
    kind: "final",
    place: n,
    gunTimeMs: 1_000 * n,
  },
});

/** More rows than one BatchWriteItem takes, so the store must split them. */
const diffOf = (count: number): StoredDiff[] => [
  {
    connectionId: "c-000000000000000000a1",
    provider: "runsignup",
    eventId: "61001",
    added: Array.from({ length: count }, (_, i) => row(i + 1)),
    changed: [{ id: row(99).id, before: row(99).result, after: { ...row(99).result, place: 3 } }],
    removed: [row(98)],
  },
];

describe("DynamoPublicationStore", () => {
  it("gives back a publication's diff as it was stored, however many rows", async () => {
    // Prepare
    const record = aPublication();

    // Act
    await store.create(record, diffOf(40));

    // Assess
    expect(await store.get("acme", EVENT, record.publicationId)).toEqual(record);
    const [diff] = await store.diff("acme", EVENT, record.publicationId);
    expect(diff?.added).toEqual(diffOf(40)[0]?.added);
    expect(diff?.changed).toEqual(diffOf(40)[0]?.changed);
    expect(diff?.removed).toEqual([row(98)]);
  });

  it("lets only one of two publications prepared against the same head be approved", async () => {
    // Prepare
    const first = aPublication();
    const second = aPublication();
    await store.create(first, []);
    await store.create(second, []);
    const approval = { by: "director@acme", at: "2026-05-03T12:05:00.000Z", sent: 0, jobs: [] };

    // Act
    const outcomes = await Promise.all([
      store.approve({ ...first, status: "approved", approval }),
      store.approve({ ...second, status: "approved", approval }),
    ]);

    // Assess
    expect(outcomes.sort()).toEqual(["approved", "stale"]);
    const head = await store.head("acme", EVENT, "final");
    expect([first.publicationId, second.publicationId]).toContain(head);
  });

  it("refuses to approve a publication twice", async () => {
    // Prepare
    const basedOn = await store.head("acme", EVENT, "final");
    const record = aPublication(basedOn === undefined ? {} : { basedOn });
    await store.create(record, []);
    const approved = {
      ...record,
      status: "approved" as const,
      approval: { by: "a", at: "2026-05-03T12:06:00.000Z", sent: 0, jobs: [] },
    };
    expect(await store.approve(approved)).toBe("approved");

    // Act / Assess
    expect(await store.approve({ ...approved, basedOn: record.publicationId })).toBe("not-prepared");
  });

  it("keeps a tenant's publications from every other tenant", async () => {
    // Prepare
    const record = aPublication({ tenantId: "globex" });
    await store.create(record, diffOf(2));

    // Act / Assess
    expect(await store.get("acme", EVENT, record.publicationId)).toBeUndefined();
    expect(await store.diff("acme", EVENT, record.publicationId)).toEqual([]);
    expect((await store.list("acme", EVENT)).map((p) => p.publicationId)).not.toContain(record.publicationId);
    expect((await store.list("globex", EVENT)).map((p) => p.publicationId)).toEqual([record.publicationId]);
  });
});
