import { hours } from "#catalog/types.ts";
import { ProviderRejectedError } from "#core/errors.ts";
import { isStale } from "#core/freshness-policy.ts";
import type { SyncRunOf } from "#providers/define.ts";
import type { ChildJob, Page } from "#providers/types.ts";
import { callZr } from "./client.ts";
import { connectionOf, requireExperimental } from "./connection.ts";
import type { zwiftracing } from "./definition.ts";
import { RESULTS_PENDING_MS, resultsDueAt, secondLookAt, startMsOf, storedStartMs } from "./event-times.ts";
import { signupsFreshnessMs } from "./freshness.ts";
import { type EventStatus, eventEntity, resultEntities, signupEntities } from "./mapping.ts";
import {
  type EventResults,
  eventResultsSchema,
  eventsSchema,
  signupPensSchema,
  type ZrEvent,
} from "./schemas.ts";

type Run<Id extends "results" | "eventResults" | "events" | "signups"> = SyncRunOf<typeof zwiftracing, Id>;

/** How many recently finished events one `results` run looks at (ZR's own default). */
const FINISHED_EVENTS = 25;
/**
 * How far one `events` run reaches for signups: every stale one of events starting within `nearMs`,
 * and beyond it at most `far`, those never fetched first (a new listing's first field), then the
 * soonest stale. Where reads queue a refresh of what they find stale (`refreshOnRead`, the
 * default), reads keep what members look at fresh, and the schedule only what nobody may look at:
 * each event's list in its last hour (its final field, kept whether anyone looks or not) and one
 * more event per run. Without, the schedule alone keeps the last 6 hours and 3 more events fresh.
 */
export const SIGNUPS_REACH = {
  withReads: { nearMs: hours(1), far: 1 },
  scheduleOnly: { nearMs: hours(6), far: 3 },
} as const;
/**
 * The `events` run queues the look at an event's results when the event starts within this: twice
 * its hourly cadence, so one missed run loses no event, and the look (`once`) is one job whichever
 * run queued it. A nearer horizon keeps the look's wait (chained queue delays) short.
 */
export const RESULTS_LOOKAHEAD_MS = hours(2);

/**
 * Recently finished events (experimental: only the undocumented `/events` lists them), and one
 * `eventResults` child per event of the last {@link RESULTS_PENDING_MS} whose results are not
 * stored though its looks after the end are over: a safety net for what the looks missed.
 */
export async function* results(run: Run<"results">): AsyncGenerator<Page> {
  const { settings, context } = connectionOf(run);
  requireExperimental(settings, run.syncType);
  const query = `limit=${FINISHED_EVENTS}`;
  const events = unique(await callZr(context, { method: "GET", path: "/events", query }, eventsSchema));
  const now = run.now.getTime();
  const missed = events.filter((event) => {
    const start = startMsOf(event);
    return now >= secondLookAt(start) && now - start < RESULTS_PENDING_MS;
  });
  const stored = await Promise.all(missed.map((event) => run.store.get("eventResults", event.eventId)));
  const children: ChildJob[] = missed
    .filter((_, index) => stored[index] === undefined)
    .map((event) => ({ syncType: "eventResults", params: { eventId: event.eventId } }));
  yield { entities: eventEntities(events, "finished"), ...(children.length > 0 && { children }) };
}

/**
 * One event's ZwiftRacing results: a row per rider and the event's summary. For an event the
 * store knows that started within {@link RESULTS_PENDING_MS}, none yet (404, or an empty list)
 * means "not posted yet": the run stores nothing, and a look at or after the due time queues the
 * second and last look. Any other 404 is an unknown event.
 */
export async function* eventResults(run: Run<"eventResults">): AsyncGenerator<Page> {
  const { context } = connectionOf(run);
  const { eventId } = run.params;
  const now = run.now.getTime();
  const start = await storedStartMs(run.store, eventId);
  const pending = start !== undefined && now >= start && now - start < RESULTS_PENDING_MS;
  const path = `/public/results/${eventId}`;
  const notFound = (detail: string) => `event ${eventId} not found (${detail || "no results"})`;
  let payload: EventResults;
  try {
    payload = await callZr(context, { method: "GET", path }, eventResultsSchema, notFound);
  } catch (error) {
    if (!(pending && error instanceof ProviderRejectedError && error.status === 404)) throw error;
    yield notPostedYet(eventId, start, now);
    return;
  }
  if (pending && payload.results.length === 0) {
    yield notPostedYet(eventId, start, now);
    return;
  }
  yield { entities: resultEntities(eventId, payload) };
}

/** A page without results; from the due time on, until the second look is due, it queues that look. */
function notPostedYet(eventId: string, startMs: number, nowMs: number): Page {
  const at = secondLookAt(startMs);
  if (nowMs < resultsDueAt(startMs) || nowMs >= at) return { entities: [] };
  return {
    entities: [],
    children: [{ syncType: "eventResults", params: { eventId }, notBefore: at, once: true }],
  };
}

/**
 * Upcoming events (experimental), with the children that keep their data in step: signups as far
 * as {@link SIGNUPS_REACH} says (far ones at low priority), and one look at the results of each
 * event starting within {@link RESULTS_LOOKAHEAD_MS}, due shortly after its end.
 */
export async function* events(run: Run<"events">): AsyncGenerator<Page> {
  const { settings, context } = connectionOf(run);
  requireExperimental(settings, run.syncType);
  const upcoming = unique(await callZr(context, { method: "GET", path: "/events/upcoming" }, eventsSchema));
  const now = run.now.getTime();
  const ahead = upcoming
    .filter((event) => startMsOf(event) > now)
    .sort((a, b) => startMsOf(a) - startMsOf(b) || (a.eventId < b.eventId ? -1 : 1));
  const children = [...(await signupChildren(run, ahead, now)), ...resultsLooks(ahead, now)];
  yield { entities: eventEntities(upcoming, "upcoming"), ...(children.length > 0 && { children }) };
}

/** The signups children of one `events` run, near ones first; `ahead` is soonest first. */
async function signupChildren(
  run: Run<"events">,
  ahead: readonly ZrEvent[],
  now: number,
): Promise<ChildJob[]> {
  if (connectionOf(run).settings.signups === "onDemand") return [];
  const reach = run.connection.refreshOnRead === false ? SIGNUPS_REACH.scheduleOnly : SIGNUPS_REACH.withReads;
  const lastSuccess = (event: ZrEvent) => run.subjects?.lastSuccessAt("signups", { eventId: event.eventId });
  const stale = (event: ZrEvent, at: string | undefined) =>
    isStale(at, signupsFreshnessMs(startMsOf(event) - now), now);
  const isNear = (event: ZrEvent) => startMsOf(event) - now < reach.nearMs;
  const near = ahead.filter(isNear);
  const far = ahead.filter((event) => !isNear(event));
  const [nearAt, farAt] = await Promise.all([
    Promise.all(near.map(lastSuccess)),
    Promise.all(far.map(lastSuccess)),
  ]);
  const children: ChildJob[] = near
    .filter((event, index) => stale(event, nearAt[index]))
    .map((event) => ({ syncType: "signups", params: { eventId: event.eventId } }));
  const neverFetched = far.filter((_, index) => farAt[index] === undefined);
  const staleFetched = far.filter((event, index) => farAt[index] !== undefined && stale(event, farAt[index]));
  for (const event of [...neverFetched, ...staleFetched].slice(0, reach.far)) {
    children.push({ syncType: "signups", params: { eventId: event.eventId }, priority: "low" });
  }
  return children;
}

/** One look at the results of each event starting soon, due shortly after its expected end. */
function resultsLooks(ahead: readonly ZrEvent[], now: number): ChildJob[] {
  return ahead
    .filter((event) => startMsOf(event) <= now + RESULTS_LOOKAHEAD_MS)
    .map((event) => ({
      syncType: "eventResults",
      params: { eventId: event.eventId },
      notBefore: resultsDueAt(startMsOf(event)),
      once: true,
    }));
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
