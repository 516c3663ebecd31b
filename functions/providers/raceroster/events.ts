import { days } from "#catalog/types.ts";
import type { SyncRunOf } from "#providers/define.ts";
import type { Entity, Page } from "#providers/types.ts";
import { callRr } from "./client.ts";
import { checkpointInt, connectionOf } from "./connection.ts";
import type { raceroster } from "./definition.ts";
import { eventEntities } from "./mapping.ts";
import { eventAnswerSchema, eventsPageSchema } from "./schemas.ts";

type Run = SyncRunOf<typeof raceroster, "events">;

/** The page size a client of `GET /events` uses. */
export const EVENTS_PAGE_SIZE = 50;
/** Events that started up to this long ago are still followed (results, late changes). */
export const EVENTS_LOOKBACK_MS = days(7);

/**
 * The connection's events, one `events` entity per sub-event. With `settings.eventIds`, each of
 * them by id (UNVERIFIED path `GET /events/{eventId}`); without, the account's events list from
 * 7 days ago on, by start date, 50 a page until a short page. Race Roster's list has no total
 * and no change filter: each run reads it whole, and the worker's delta detection keeps writes to
 * what changed. Nothing is removed: an event leaving the date window is not a deleted event.
 */
export async function* events(run: Run): AsyncGenerator<Page> {
  const { settings, context } = connectionOf(run);
  if (settings.eventIds !== undefined) {
    const ids = settings.eventIds;
    for (let next = checkpointInt(run.checkpoint?.next); next < ids.length; next++) {
      const eventId = ids[next];
      const path = `/events/${eventId}`;
      const notFound = () => `event ${eventId} not found; check the connection's eventIds setting`;
      const entities = eventEntities(await callRr(context, { path }, eventAnswerSchema, notFound));
      yield next + 1 < ids.length ? { entities, checkpoint: { next: next + 1 } } : { entities };
    }
    return;
  }

  // The window's start is kept in the checkpoint: a later leg must page the same list.
  const from =
    typeof run.checkpoint?.from === "string"
      ? run.checkpoint.from
      : isoWithOffset(run.now.getTime() - EVENTS_LOOKBACK_MS);
  for (let offset = checkpointInt(run.checkpoint?.offset); ; offset += EVENTS_PAGE_SIZE) {
    const query = [
      `offset=${offset}`,
      `limit=${EVENTS_PAGE_SIZE}`,
      "sort=startDate",
      "order=asc",
      // Race Roster's docs: URL-encode the `+` of an offset.
      `eventDateFrom=${encodeURIComponent(from)}`,
    ].join("&");
    const rows = (await callRr(context, { path: "/events", query }, eventsPageSchema)).data;
    const entities = unique(rows.flatMap(eventEntities));
    if (rows.length < EVENTS_PAGE_SIZE) {
      yield { entities };
      return;
    }
    yield { entities, checkpoint: { offset: offset + EVENTS_PAGE_SIZE, from } };
  }
}

/** `2026-03-03T18:00:00+00:00`: Race Roster's documented date form. */
export function isoWithOffset(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, "+00:00");
}

/** One run hands the store one version per entity; a repeated row's last version wins. */
export function unique(entities: readonly Entity[]): Entity[] {
  return [...new Map(entities.map((entity) => [entity.id, entity])).values()];
}
