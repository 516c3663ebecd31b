import type { ProviderDef } from "#catalog/types.ts";
import type { GateQuestion } from "../sync-job/types.ts";
import { CADENCE, isDue, participantsInterval } from "./cadence.ts";
import { eventsFedBy, type RaceEventRecord, type RaceEventStore, registrantSyncTypes } from "./types.ts";

/**
 * Race-day cadence for a registration provider's scheduled participant syncs. Their schedule
 * fires every 15 minutes (the tightest they ever need); a firing runs only when the Pacer events
 * the connection feeds call for it: every 4 h, every 15 min from 48 h before an event's start to
 * its end, never for events retired a week after they ended. A connection that feeds no event
 * keeps the 4-hour cadence.
 */
export function raceDayGate(
  deps: { readonly events: Pick<RaceEventStore, "list"> },
  provider: Pick<ProviderDef, "syncTypes">,
): (ask: GateQuestion) => Promise<string | undefined> {
  const gated = registrantSyncTypes(provider);
  return async (ask) => {
    if (!gated.has(ask.syncType)) return undefined;
    const fed = await eventsFedBy(deps.events, ask.tenantId, ask.connectionId);
    const interval = intervalFor(fed, ask.now);
    if (interval === undefined) return "every Pacer event this connection feeds ended more than 7 days ago";
    if (isDue(interval, ask.lastCompletedAt, ask.now)) return undefined;
    const next = new Date((ask.lastCompletedAt ?? ask.now) + interval).toISOString();
    return `race-day cadence: the next participants sync is due at ${next} (every ${Math.round(interval / 60_000)} min now)`;
  };
}

/** The tightest interval the fed events ask for; undefined when all of them are retired. */
export function intervalFor(fed: readonly RaceEventRecord[], now: number): number | undefined {
  if (fed.length === 0) return CADENCE.participantsFar;
  const intervals = fed.flatMap((event) => {
    const startsAt = Date.parse(event.startsAt);
    const endsAt = event.endsAt === undefined ? undefined : Date.parse(event.endsAt);
    const interval = participantsInterval({ startsAt, ...(endsAt === undefined ? {} : { endsAt }) }, now);
    return interval === undefined ? [] : [interval];
  });
  return intervals.length === 0 ? undefined : Math.min(...intervals);
}
