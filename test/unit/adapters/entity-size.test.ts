import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it, vi } from "vitest";
import { EntityStore, MAX_ENTITY_DATA_BYTES, storedSize } from "#adapters/dynamo/entity-store.ts";
import { EntityTooLargeError } from "#core/errors.ts";
import type { Entity } from "#providers/types.ts";

const scope = { tenantId: "acme", provider: "openf1", jobId: "job-1" };
const NOW = new Date("2026-05-10T14:00:00Z");

/** An EntityStore over a client that records every command and answers like an empty table. */
function storeWithFakeClient() {
  const send = vi.fn(async (command: { constructor: { name: string } }) =>
    command.constructor.name === "UpdateCommand" ? { Attributes: { version: 1 } } : {},
  );
  const client = { send } as unknown as DynamoDBDocumentClient;
  return { store: new EntityStore({ tableName: "data", client, historyRetentionDays: 1 }), send };
}

const row = (id: string, data: Record<string, unknown>): Entity => ({ type: "laps", id, data });

describe("EntityStore.upsert entity size", () => {
  it("refuses a 500 KB row before writing anything, naming the entity and its size", async () => {
    // Prepare: one ordinary row and one a provider padded to 500 KB.
    const { store, send } = storeWithFakeClient();
    const entities = [row("1", { lap: 1 }), row("2", { lap: 2, notes: "x".repeat(500 * 1024) })];

    // Act
    const failure = store.upsert(scope, entities, NOW);

    // Assess
    await expect(failure).rejects.toBeInstanceOf(EntityTooLargeError);
    await expect(failure).rejects.toThrow(/laps "2" is 501 KB as stored; .*at most 350 KB/);
    expect(send).not.toHaveBeenCalled();
  });

  it("stores an entity just under the limit", async () => {
    const { store, send } = storeWithFakeClient();
    const data = { notes: "x".repeat(MAX_ENTITY_DATA_BYTES - 100) };

    const result = await store.upsert(scope, [row("1", data)], NOW);

    expect(result).toEqual({ written: 1, unchanged: 0 });
    expect(send.mock.calls.map(([command]) => command.constructor.name)).toEqual([
      "BatchGetCommand",
      "UpdateCommand",
      "BatchWriteCommand",
    ]);
  });

  it("counts size as DynamoDB does, not as JSON: many small numbers weigh more than their text", async () => {
    const { store, send } = storeWithFakeClient();
    // 300 KB as JSON, about 450 KB as DynamoDB stores it (2 bytes a number, 1 a list element).
    const samples = Array.from({ length: 150_000 }, () => 7);
    expect(JSON.stringify(samples).length).toBeLessThan(MAX_ENTITY_DATA_BYTES);

    await expect(store.upsert(scope, [row("1", { samples })], NOW)).rejects.toBeInstanceOf(
      EntityTooLargeError,
    );
    expect(send).not.toHaveBeenCalled();
  });

  it("refuses an id longer than a DynamoDB key may be", async () => {
    const { store, send } = storeWithFakeClient();

    await expect(store.upsert(scope, [row("9".repeat(2_000), { lap: 1 })], NOW)).rejects.toThrow(
      /laps "9{80}…": its id is 2000 bytes/,
    );
    expect(send).not.toHaveBeenCalled();
  });
});

describe("storedSize", () => {
  it.each([
    ["a string, in UTF-8 bytes", "héllo", 6],
    ["a number, by significant digits", 1234.5, 4],
    ["a number's leading and trailing zeros not at all", 0.00012, 2],
    ["null and booleans, one byte", null, 1],
    ["a list, 3 bytes plus one per element", [true, false], 3 + 2 * (1 + 1)],
    ["a map, with its attribute names", { ab: "c" }, 3 + 1 + 2 + 1],
    ["a map without its undefined attributes", { a: undefined }, 3],
  ])("counts %s", (_, value, bytes) => {
    expect(storedSize(value)).toBe(bytes);
  });
});
