import { hours, minutes } from "#catalog/types.ts";
import type { EntityReader } from "#providers/types.ts";

/**
 * When a ZwiftRacing event's data settles. ZR's (undocumented) event lists give a start time and
 * no duration, so an event's end is its start plus a default length; results are looked for
 * shortly after that, once more if ZR has posted none yet, and never again by the look itself.
 */

/** How long an event is taken to last: ZR gives no duration, and club races run 25–75 minutes. */
export const DEFAULT_EVENT_DURATION_MS = minutes(90);
/**
 * The shortest an event is taken to last (club races run 25–75 minutes): before this much past its
 * start, ZR cannot have results, so a reader's visit asks for none.
 */
export const SHORTEST_EVENT_MS = minutes(20);
/** ZR posts results shortly after the end: the first look waits this long past the expected end. */
export const RESULTS_DELAY_MS = minutes(10);
/** A look at or after the due time that finds no results yet looks once more, this much after it. */
export const SECOND_LOOK_AFTER_MS = minutes(30);
/**
 * Within this of a known event's start, missing results mean "not posted yet" (the run ends with
 * nothing stored); after it, ZR has none, and the run fails as for an unknown event.
 */
export const RESULTS_PENDING_MS = hours(24);

/** Epoch ms of an event's start; ZR gives epoch seconds. */
export const startMsOf = (event: { readonly time: number }): number => event.time * 1_000;

/** When the first look at an event's results is due: its expected end and a short delay. */
export const resultsDueAt = (startMs: number): number =>
  startMs + DEFAULT_EVENT_DURATION_MS + RESULTS_DELAY_MS;

/** When the second (and last) look at an event's results is due. */
export const secondLookAt = (startMs: number): number => resultsDueAt(startMs) + SECOND_LOOK_AFTER_MS;

/** The start of an event an `events` or `results` run stored, or undefined when none did. */
export async function storedStartMs(
  store: Pick<EntityReader, "get">,
  eventId: string,
): Promise<number | undefined> {
  const time = (await store.get("events", eventId))?.data.time;
  return typeof time === "number" && Number.isFinite(time) ? time * 1_000 : undefined;
}
