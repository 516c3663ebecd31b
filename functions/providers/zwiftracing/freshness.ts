import { hours, minutes } from "#catalog/types.ts";
// Types only: core/freshness-policy.ts imports this module for its registry.
import type { FreshnessPolicy } from "#core/freshness-policy.ts";
import { SHORTEST_EVENT_MS, storedStartMs } from "./event-times.ts";

/** core/freshness-policy.ts's NEVER_STALE: data that needs no refresh. */
const NEVER_STALE = Number.POSITIVE_INFINITY;

/**
 * How old ZwiftRacing data may be when read, where one number per sync type is wrong: an event's
 * signups matter more as it nears and stop changing when it starts; its results, once fetched
 * after the end, are final. Everything else keeps its definition's target (./definition.ts).
 */

/**
 * The signups target by time to start, in the bands: > 24 h → 1 h; 12–24 h → 30 min;
 * 6–12 h → 15 min; < 6 h → 5 min; < 1 h → 1 min. Read literally, exactly 24 h is still "12–24 h",
 * and exactly 12 h, 6 h and 1 h are the band above them. Started: signups are closed, final.
 */
export function signupsFreshnessMs(timeToStartMs: number): number {
  if (timeToStartMs <= 0) return NEVER_STALE;
  if (timeToStartMs < hours(1)) return minutes(1);
  if (timeToStartMs < hours(6)) return minutes(5);
  if (timeToStartMs < hours(12)) return minutes(15);
  if (timeToStartMs <= hours(24)) return minutes(30);
  return hours(1);
}

/**
 * How often a reader's visit may ask ZR for results it has not posted yet: once per window of the
 * results limit (1/min), so a page many wait on spends at most that while the results are late.
 */
export const MISSING_RESULTS_FRESHNESS_MS = minutes(1);

/**
 * ZwiftRacing's policy. Signups of an event the store knows follow its start; results are final
 * once stored (ZR has none before the end, so stored ones were fetched after it). Missing results
 * of an event that may have ended ({@link SHORTEST_EVENT_MS} past its start) are stale after
 * {@link MISSING_RESULTS_FRESHNESS_MS}: the first reader after the end gets them looked for, not
 * only the look queued for after the expected end; before that, none can exist. An event the store
 * does not know, and every other sync type, keep the catalog's target.
 */
export const zwiftracingFreshness: FreshnessPolicy = async (syncType, params, lookup, nowMs) => {
  const eventId = params.eventId;
  if (eventId === undefined) return undefined;
  if (syncType === "signups") {
    const start = await storedStartMs(lookup, eventId);
    return start === undefined ? undefined : signupsFreshnessMs(start - nowMs);
  }
  if (syncType === "eventResults") {
    if ((await lookup.get("eventResults", eventId)) !== undefined) return NEVER_STALE;
    const start = await storedStartMs(lookup, eventId);
    if (start === undefined) return undefined;
    return nowMs < start + SHORTEST_EVENT_MS ? NEVER_STALE : MISSING_RESULTS_FRESHNESS_MS;
  }
  return undefined;
};
