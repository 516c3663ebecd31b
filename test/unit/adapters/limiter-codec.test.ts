import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeScope,
  encodeScope,
  keyOf,
  limiterKey,
  storedKeyOf,
  unchangedSince,
} from "#adapters/dynamo/limiter-codec.ts";
import type { ScopeState } from "#core/limiter/scope-state.ts";
import { HOLD_KEPT_MS } from "#core/limiter/sliding-log.ts";

const NOW = Date.UTC(2026, 4, 10, 14, 0, 0);
const DAY_MS = 86_400_000;

/** Moments within the ±24 days an offset from the write's time can hold. */
const momentArb = fc.integer({ min: NOW - 20 * DAY_MS, max: NOW + 20 * DAY_MS });
const timesArb = fc.array(momentArb, { maxLength: 30 }).map((times) => times.sort((a, b) => a - b));
const idArb = fc.constantFrom("per-second", "per-minute", "per-day");
const stateArb: fc.Arbitrary<ScopeState> = fc.record({
  logs: fc.dictionary(idArb, timesArb),
  highLogs: fc.dictionary(
    idArb,
    timesArb.filter((t) => t.length > 0),
  ),
  pauses: fc.dictionary(idArb, momentArb),
  holds: fc.dictionary(
    fc.constantFrom("per-second", "per-minute,per-second"),
    fc.array(
      fc.record({
        at: fc.integer({ min: NOW - HOLD_KEPT_MS + 1, max: NOW + 20 * DAY_MS }),
        token: fc.integer({ min: 1, max: 2 ** 30 }),
      }),
      { minLength: 1, maxLength: 10 },
    ),
  ),
});

/** Bytes as DynamoDB hands a binary attribute back: a view into a larger buffer. */
const asRead = (bytes: Uint8Array) => {
  const buffer = new Uint8Array(bytes.length + 8);
  buffer.set(bytes, 3);
  return buffer.subarray(3, 3 + bytes.length);
};

describe("limiter item codec", () => {
  it("reads back every grant, high grant, pause and current reservation it wrote, one version on", () => {
    fc.assert(
      fc.property(stateArb, fc.option(fc.nat(1_000), { nil: undefined }), (state, version) => {
        // Act
        const item = encodeScope(limiterKey("openf1#acme"), version, state, NOW);
        const read = decodeScope(item);

        // Assess
        expect(read).toEqual({ version: (version ?? 0) + 1, state });
      }),
    );
  });

  it("packs each grant in four bytes", () => {
    // Prepare
    const grants = Array.from({ length: 40 }, (_, i) => NOW + i * 1_500);

    // Act
    const item = encodeScope(
      "LIM#openf1#*",
      1,
      { logs: { "per-minute": grants }, highLogs: {}, pauses: {}, holds: {} },
      NOW,
    );

    // Assess
    expect((item.l as Record<string, Uint8Array>)["per-minute"]?.byteLength).toBe(160);
  });

  it("drops reservations no holder may confirm any more, and keys the item by its scope", () => {
    // Prepare
    const holds = {
      "per-second": [{ at: NOW - HOLD_KEPT_MS, token: 1 }],
      "per-minute": [{ at: NOW, token: 2 }],
    };

    // Act
    const item = encodeScope(limiterKey("openf1#*"), 4, { logs: {}, highLogs: {}, pauses: {}, holds }, NOW);

    // Assess
    expect(storedKeyOf(item)).toBe("LIM#openf1#*");
    expect(keyOf("LIM#openf1#*")).toEqual({ pk: "LIM#openf1#*" });
    expect(decodeScope(item).state.holds).toEqual({ "per-minute": [{ at: NOW, token: 2 }] });
  });

  it("lets the item expire a day after its latest grant or pause", () => {
    // Prepare
    const latestGrant = NOW + 60_000;
    const latestPause = NOW + 120_500;

    // Act
    const grantsOnly = encodeScope(
      "k",
      1,
      { logs: { a: [NOW, latestGrant] }, highLogs: {}, pauses: {}, holds: {} },
      NOW,
    );
    const paused = encodeScope(
      "k",
      1,
      { logs: { a: [latestGrant] }, highLogs: {}, pauses: { a: latestPause }, holds: {} },
      NOW,
    );
    const empty = encodeScope("k", 1, { logs: {}, highLogs: {}, pauses: {}, holds: {} }, NOW);

    // Assess
    expect(grantsOnly.expiresAt).toBe(Math.ceil(latestGrant / 1000) + 86_400);
    expect(paused.expiresAt).toBe(Math.ceil(latestPause / 1000) + 86_400);
    expect(empty.expiresAt).toBe(Math.ceil(NOW / 1000) + 86_400);
  });

  it("reads a missing item as an empty state that must still not exist when written", () => {
    // Act
    const read = decodeScope(undefined);

    // Assess
    expect(read).toEqual({ version: undefined, state: { logs: {}, highLogs: {}, pauses: {}, holds: {} } });
    expect(unchangedSince(read.version)).toEqual({ ConditionExpression: "attribute_not_exists(pk)" });
    expect(unchangedSince(7)).toEqual({
      ConditionExpression: "v = :v",
      ExpressionAttributeValues: { ":v": 7 },
    });
  });

  it("reads binary attributes that are views into a larger buffer", () => {
    // Prepare
    const item = encodeScope(
      "k",
      1,
      { logs: { a: [NOW - 5, NOW + 7] }, highLogs: {}, pauses: {}, holds: {} },
      NOW,
    );
    const l = item.l as Record<string, Uint8Array>;

    // Act
    const read = decodeScope({ ...item, l: { a: asRead(l.a as Uint8Array) } });

    // Assess
    expect(read.state.logs).toEqual({ a: [NOW - 5, NOW + 7] });
  });

  it("ignores a trailing partial moment, an unpaired reservation and absent attributes", () => {
    // Prepare: a grant and three stray bytes; a reservation and a moment without its token.
    const base = encodeScope(
      "k",
      2,
      { logs: { a: [NOW + 1] }, highLogs: {}, pauses: {}, holds: { a: [{ at: NOW + 9, token: 5 }] } },
      NOW,
    );
    const grant = (base.l as Record<string, Uint8Array>).a as Uint8Array;
    const hold = (base.h as Record<string, Uint8Array>).a as Uint8Array;
    const strayMoment = encodeScope(
      "k",
      2,
      { logs: { a: [NOW + 20] }, highLogs: {}, pauses: {}, holds: {} },
      NOW,
    );
    const unpaired = (strayMoment.l as Record<string, Uint8Array>).a as Uint8Array;

    // Act
    const read = decodeScope({
      pk: "k",
      v: 3,
      b: NOW,
      l: { a: Uint8Array.from([...grant, 1, 2, 3]) },
      h: { a: Uint8Array.from([...hold, ...unpaired]) },
    });

    // Assess
    expect(read).toEqual({
      version: 3,
      state: { logs: { a: [NOW + 1] }, highLogs: {}, pauses: {}, holds: { a: [{ at: NOW + 9, token: 5 }] } },
    });
  });
});
