import { hours } from "#catalog/types.ts";
import type { SyncRunOf } from "#providers/define.ts";
import type { ChildJob, Page } from "#providers/types.ts";
import { callZr } from "./client.ts";
import { connectionOf, requireExperimental } from "./connection.ts";
import type { zwiftracing } from "./definition.ts";
import { type EventStatus, eventEntity, resultEntities, signupEntities } from "./mapping.ts";
import { eventResultsSchema, eventsSchema, signupPensSchema, type ZrEvent } from "./schemas.ts";

type Run<Id extends "results" | "eventResults" | "events" | "signups"> = SyncRunOf<typeof zwiftracing, Id>;

/** How many recently finished events one `results` run looks at (ZR's own default). */
const FINISHED_EVENTS = 25;
/** Upcoming events whose signups are fetched: those starting within this window. */
export const SIGNUPS_WINDOW_MS = hours(6);

/**
 * Recently finished events (experimental: only the undocumented `/events` lists them), and one
 * `eventResults` child per event whose results are not stored yet.
 */
export async function* results(run: Run<"results">): AsyncGenerator<Page> {
  const { settings, context } = connectionOf(run);
  requireExperimental(settings, run.syncType);
  const query = `limit=${FINISHED_EVENTS}`;
  const events = unique(await callZr(context, { method: "GET", path: "/events", query }, eventsSchema));
  const stored = await Promise.all(events.map((event) => run.store.get("eventResults", event.eventId)));
  const children: ChildJob[] = events
    .filter((_, index) => stored[index] === undefined)
    .map((event) => ({ syncType: "eventResults", params: { eventId: event.eventId } }));
  yield { entities: eventEntities(events, "finished"), ...(children.length > 0 && { children }) };
}

/** One event's ZwiftRacing results: a row per rider and the event's summary. */
export async function* eventResults(run: Run<"eventResults">): AsyncGenerator<Page> {
  const { context } = connectionOf(run);
  const { eventId } = run.params;
  const path = `/public/results/${eventId}`;
  const notFound = (detail: string) => `event ${eventId} not found (${detail || "no results"})`;
  const payload = await callZr(context, { method: "GET", path }, eventResultsSchema, notFound);
  yield { entities: resultEntities(eventId, payload) };
}

/**
 * Upcoming events (experimental), and one `signups` child per event starting within the next
 * {@link SIGNUPS_WINDOW_MS}: signups only settle shortly before the start.
 */
export async function* events(run: Run<"events">): AsyncGenerator<Page> {
  const { settings, context } = connectionOf(run);
  requireExperimental(settings, run.syncType);
  const upcoming = unique(await callZr(context, { method: "GET", path: "/events/upcoming" }, eventsSchema));
  const now = run.now.getTime();
  const children: ChildJob[] = upcoming
    .filter((event) => event.time * 1_000 >= now && event.time * 1_000 <= now + SIGNUPS_WINDOW_MS)
    .map((event) => ({ syncType: "signups", params: { eventId: event.eventId } }));
  yield { entities: eventEntities(upcoming, "upcoming"), ...(children.length > 0 && { children }) };
}

/** One upcoming event's signups, pen by pen (experimental; the shape is unverified). */
export async function* signups(run: Run<"signups">): AsyncGenerator<Page> {
  const { settings, context } = connectionOf(run);
  requireExperimental(settings, run.syncType);
  const { eventId } = run.params;
  const path = `/events/${eventId}/signups`;
  const notFound = (detail: string) => `event ${eventId} not found (${detail || "no signups"})`;
  const pens = await callZr(context, { method: "GET", path }, signupPensSchema, notFound);
  yield { entities: signupEntities(eventId, pens) };
}

function eventEntities(list: readonly ZrEvent[], status: EventStatus) {
  return list.map((event) => eventEntity(event, status));
}

/** One job and one entity per event, even if ZR lists it twice; the last listing wins. */
function unique(list: readonly ZrEvent[]): ZrEvent[] {
  return [...new Map(list.map((event) => [event.eventId, event])).values()];
}
