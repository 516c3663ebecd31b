import { days, hours, minutes } from "#catalog/types.ts";

/**
 * How often a race's data is synced, by how near race day is. Schedules fire on a short, fixed
 * rate; these rules decide, per event, whether a firing has anything to do, so that a race far
 * away costs a call every few hours and one about to start every quarter of an hour.
 */

export interface RaceTimes {
  /** Epoch ms. */
  readonly startsAt: number;
  /** Epoch ms; a provider that gives no end has the event last {@link ASSUMED_DURATION_MS}. */
  readonly endsAt?: number;
}

export const CADENCE = {
  participantsFar: hours(4),
  /** In the last 48 h before the start, and until the end. */
  participantsNear: minutes(15),
  nearWindow: hours(48),
  resultsWhileRunning: minutes(30),
  /** Scoring pushes follow participant changes, at most this often per event. */
  pushDebounce: minutes(5),
  /** After this long past its end an event gets no automatic syncs. */
  retired: days(7),
} as const;

/** When a provider gives an event no end. */
export const ASSUMED_DURATION_MS = hours(6);

/** When the event ends: its own end, else {@link ASSUMED_DURATION_MS} after its start. */
export const endOf = (race: RaceTimes): number => race.endsAt ?? race.startsAt + ASSUMED_DURATION_MS;

/** Whether the event still gets automatic syncs at `now`. */
export const isRetired = (race: RaceTimes, now: number): boolean => now > endOf(race) + CADENCE.retired;

/** How often the event's participants are synced at `now`; undefined once it is retired. */
export function participantsInterval(race: RaceTimes, now: number): number | undefined {
  if (isRetired(race, now)) return undefined;
  const near = now >= race.startsAt - CADENCE.nearWindow && now <= endOf(race);
  return near ? CADENCE.participantsNear : CADENCE.participantsFar;
}

/**
 * Whether a sync at `interval` is due at `now`, given when it last ran. A small tolerance lets a
 * schedule that fires every `interval` (give or take a few seconds) run on each firing.
 */
export function isDue(interval: number | undefined, lastRunAt: number | undefined, now: number): boolean {
  if (interval === undefined) return false;
  if (lastRunAt === undefined) return true;
  return now - lastRunAt >= interval - Math.min(minutes(1), interval / 10);
}

/** Whether the event's participants should be synced now. */
export const participantsDue = (race: RaceTimes, lastRunAt: number | undefined, now: number): boolean =>
  isDue(participantsInterval(race, now), lastRunAt, now);

/**
 * Whether the event's results should be pulled now: every 30 min while it runs, then once more
 * after its end (the final results), and never before the start or once retired.
 */
export function resultsDue(race: RaceTimes, lastRunAt: number | undefined, now: number): boolean {
  if (now < race.startsAt || isRetired(race, now)) return false;
  const end = endOf(race);
  if (now < end) return isDue(CADENCE.resultsWhileRunning, lastRunAt, now);
  return lastRunAt === undefined || lastRunAt < end;
}

/**
 * The scoring push that carries a change made at `changedAt`: one per 5-minute slot per event
 * (`slotMs`: shorter under the stand-in's `--time-scale`, as every window is),
 * sent at the slot's end with every change made in it. So an event is pushed at most once per
 * slot, and no change waits longer than one slot.
 */
export function pushSlot(
  changedAt: number,
  slotMs: number = CADENCE.pushDebounce,
): { readonly slot: number; readonly at: number } {
  const slot = Math.floor(changedAt / slotMs);
  return { slot, at: (slot + 1) * slotMs };
}
