import type { ScopeState } from "#core/limiter/scope-state.ts";
import type { Hold } from "#core/limiter/sliding-log.ts";
import { HOLD_KEPT_MS } from "#core/limiter/sliding-log.ts";
import { TABLES } from "#core/resources.ts";

/*
 * One limiter item per budget scope (see ScopeState):
 *   pk         LIM#<provider>#<tenant or *>
 *   v          version, bumped by every write (the optimistic-concurrency condition)
 *   b          base time (epoch ms) of every packed moment below
 *   l  / hl    limit id → packed grant times / of those, high work's
 *   p          limit id → paused until (epoch ms)
 *   h          limit signature → packed (moment, token) pairs of displaceable reservations
 *   expiresAt  TTL (epoch s)
 *
 * Moments are stored as little-endian Int32 offsets (ms) from `b`: four bytes a grant instead of
 * a dozen for a DynamoDB number in a list, which keeps an item of a few dozen grants under the
 * 1 KB of one write unit. Offsets cover ±24 days around the base.
 */

const PK = TABLES.limiter.partitionKey;
const TTL = TABLES.limiter.ttlAttribute;
/** An item is worthless a day after its last grant or pause; TTL removes it. */
const KEPT_SECONDS = 86_400;

/** A scope state as read, with the version its write must find unchanged. */
export interface StoredScope {
  /** undefined: the item does not exist yet. */
  readonly version: number | undefined;
  readonly state: ScopeState;
}

/** The item key of a scope id (`<provider>#<tenant or *>`). */
export const limiterKey = (scopeId: string): string => `LIM#${scopeId}`;

/** The item's key attribute, as the table's key schema names it. */
export const keyOf = (pk: string): Record<string, string> => ({ [PK]: pk });

/** The key of a stored item. */
export const storedKeyOf = (item: Record<string, unknown>): string => String(item[PK]);

/**
 * The scope state in a stored item (undefined: none yet, an empty state). Missing attributes
 * read as empty, a trailing partial moment or an unpaired reservation is ignored.
 */
export function decodeScope(item: Record<string, unknown> | undefined): StoredScope {
  const base = Number(item?.b);
  return {
    version: item ? Number(item.v) : undefined,
    state: {
      logs: unpackLogs(item?.l, base),
      highLogs: unpackLogs(item?.hl, base),
      pauses: { ...((item?.p as Record<string, number> | undefined) ?? {}) },
      holds: Object.fromEntries(
        Object.entries((item?.h as Record<string, Uint8Array> | undefined) ?? {}).map(([sig, bytes]) => [
          sig,
          unpackHolds(bytes, base),
        ]),
      ),
    },
  };
}

/**
 * The item storing `state` as the version after `version`, written at `now` (the packing base):
 * reservations a holder may no longer confirm (see HOLD_KEPT_MS) are dropped, and the TTL is a
 * day past the latest grant or pause.
 */
export function encodeScope(
  pk: string,
  version: number | undefined,
  state: ScopeState,
  now: number,
): Record<string, unknown> {
  return {
    [PK]: pk,
    v: (version ?? 0) + 1,
    b: now,
    l: Object.fromEntries(Object.entries(state.logs).map(([id, times]) => [id, pack(times, now)])),
    hl: Object.fromEntries(
      Object.entries(state.highLogs)
        .filter(([, times]) => times.length > 0)
        .map(([id, times]) => [id, pack(times, now)]),
    ),
    p: state.pauses,
    h: Object.fromEntries(
      Object.entries(state.holds)
        .map(([sig, holds]) => [sig, holds.filter((h) => h.at > now - HOLD_KEPT_MS)] as const)
        .filter(([, holds]) => holds.length > 0)
        .map(([sig, holds]) => [sig, packHolds(holds, now)]),
    ),
    [TTL]: expiry(state, now),
  };
}

/** The condition under which a write of the version after `version` may land: nobody wrote since. */
export function unchangedSince(version: number | undefined): {
  readonly ConditionExpression: string;
  readonly ExpressionAttributeValues?: Record<string, number>;
} {
  return version === undefined
    ? { ConditionExpression: `attribute_not_exists(${PK})` }
    : { ConditionExpression: "v = :v", ExpressionAttributeValues: { ":v": version } };
}

function expiry(state: ScopeState, now: number): number {
  const latest = Math.max(now, ...Object.values(state.logs).flat(), ...Object.values(state.pauses));
  return Math.ceil(latest / 1000) + KEPT_SECONDS;
}

function pack(times: readonly number[], base: number): Uint8Array {
  const view = new DataView(new ArrayBuffer(times.length * 4));
  for (const [i, t] of times.entries()) view.setInt32(i * 4, t - base, true);
  return new Uint8Array(view.buffer);
}

function unpack(bytes: Uint8Array | undefined, base: number): number[] {
  if (!bytes || bytes.length === 0) return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: Math.floor(bytes.length / 4) }, (_, i) => base + view.getInt32(i * 4, true));
}

function unpackLogs(attribute: unknown, base: number): Record<string, number[]> {
  return Object.fromEntries(
    Object.entries((attribute as Record<string, Uint8Array> | undefined) ?? {}).map(([id, bytes]) => [
      id,
      unpack(bytes, base),
    ]),
  );
}

/** Holds as (offset, token) pairs: the token is stored as is, only moments are offset. */
function packHolds(holds: readonly Hold[], base: number): Uint8Array {
  return pack(
    holds.flatMap((h) => [h.at, h.token + base]),
    base,
  );
}

function unpackHolds(bytes: Uint8Array | undefined, base: number): Hold[] {
  const flat = unpack(bytes, base);
  const holds: Hold[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2)
    holds.push({ at: flat[i] as number, token: (flat[i + 1] as number) - base });
  return holds;
}
