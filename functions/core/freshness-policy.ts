import { freshnessTargetMs, type SyncTypeDef } from "#catalog/index.ts";
import type { EntityReader } from "#providers/types.ts";
import { zwiftracingFreshness } from "#providers/zwiftracing/freshness.ts";

/**
 * How old one sync's data may be when read, per params: the catalog's target for the sync type
 * (`freshnessTargetMs`), unless its provider's policy says otherwise for these params (ZwiftRacing
 * signups tighten as their event nears). On-read refreshes and response reuse both ask this.
 * Pure apart from `lookup`, the stored entities a policy reads (an event's start, say).
 */

/** A target for data that needs no refresh: final (signups of a started event), or not due yet. */
export const NEVER_STALE = Number.POSITIVE_INFINITY;

/** The stored entities a policy may read: the tenant's, of the provider asked about. */
export type FreshnessLookup = Pick<EntityReader, "get">;

/**
 * A provider's own target for a run of `syncType` with `params` at `nowMs`, in ms
 * ({@link NEVER_STALE} for none needed); undefined: the catalog's target.
 */
export type FreshnessPolicy = (
  syncType: string,
  params: Readonly<Record<string, string>>,
  lookup: FreshnessLookup,
  nowMs: number,
) => Promise<number | undefined>;

/** The providers that have a policy of their own, by provider id. */
export const FRESHNESS_POLICIES: Readonly<Record<string, FreshnessPolicy>> = {
  zwiftracing: zwiftracingFreshness,
};

/** How old the data of `provider`'s `syncType` with `params` may be at `now`, in ms. */
export async function freshnessFor(
  provider: string,
  syncType: SyncTypeDef,
  params: Readonly<Record<string, string>>,
  lookup: FreshnessLookup,
  now: Date | number,
  policies: Readonly<Record<string, FreshnessPolicy>> = FRESHNESS_POLICIES,
): Promise<number> {
  const nowMs = typeof now === "number" ? now : now.getTime();
  const own = await policies[provider]?.(syncType.id, params, lookup, nowMs);
  // A policy's slip (NaN, a negative) must not turn every read into a refresh.
  return own !== undefined && own >= 0 ? own : freshnessTargetMs(syncType);
}

/** Whether data last synced at `lastSuccessAt` (ISO; undefined: never) is older than `targetMs` at `nowMs`. */
export function isStale(lastSuccessAt: string | undefined, targetMs: number, nowMs: number): boolean {
  if (targetMs === NEVER_STALE) return false;
  const at = lastSuccessAt === undefined ? Number.NaN : Date.parse(lastSuccessAt);
  return !Number.isFinite(at) || nowMs - at > targetMs;
}
