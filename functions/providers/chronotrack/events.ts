import type { SyncRunOf } from "#providers/define.ts";
import type { Checkpoint, Entity, Page } from "#providers/types.ts";
import { type CtContext, callCt, hasNextPage } from "./client.ts";
import { connectionOf } from "./connection.ts";
import type { chronotrack } from "./definition.ts";
import { raceEventEntity } from "./mapping.ts";
import { type CtEvent, eventSchema, raceSchema, wrappedList, wrappedOne } from "./schemas.ts";

type Run = SyncRunOf<typeof chronotrack, "events">;

/** Events per `GET /event` page: few enough that their ids fit a checkpoint (12 digits each). */
export const EVENT_PAGE_SIZE = 100;
/** Races per `GET /event/{id}/race` page; an event has a handful. */
export const RACE_PAGE_SIZE = 100;

const eventListSchema = wrappedList("event", eventSchema);
const oneEventSchema = wrappedOne("event", eventSchema);
const raceListSchema = wrappedList("event_race", raceSchema);

/** Where a run stands: the next `GET /event` page (0: none left) and the event ids still to do. */
interface Progress {
  readonly listPage: number;
  readonly pending: readonly string[];
}

/**
 * The connection's events and their races, one page per event (its RaceEvents, one per race).
 * With `eventIds` set, each is read by `GET /event/{id}`; else `GET /event` lists what the account
 * sees, a page at a time. The checkpoint holds the ids still to do, so a resumed run repeats no
 * call: an event it listed before stopping is read by id instead.
 */
export async function* events(run: Run): AsyncGenerator<Page> {
  const { settings, context } = connectionOf(run);
  let progress: Progress = resumed(run.checkpoint) ?? {
    listPage: settings.eventIds === undefined ? 1 : 0,
    pending: [...new Set(settings.eventIds ?? [])],
  };
  const listed = new Map<string, CtEvent>();
  for (;;) {
    if (progress.pending.length === 0) {
      if (progress.listPage === 0) return;
      progress = await listPage(context, progress.listPage, listed);
      continue;
    }
    const [eventId = "", ...rest] = progress.pending;
    progress = { ...progress, pending: rest };
    const event = listed.get(eventId) ?? (await eventById(context, eventId));
    const entities: Entity[] = (await racesOf(context, eventId)).map((race) => raceEventEntity(event, race));
    const more = progress.pending.length > 0 || progress.listPage !== 0;
    yield more ? { entities, checkpoint: checkpointOf(progress) } : { entities };
  }
}

async function listPage(context: CtContext, page: number, listed: Map<string, CtEvent>): Promise<Progress> {
  const query = { page, size: EVENT_PAGE_SIZE };
  const { body, headers } = await callCt(context, { path: "/event", query }, eventListSchema);
  for (const event of body) listed.set(event.event_id, event);
  return {
    listPage: hasNextPage(headers, page, body.length, EVENT_PAGE_SIZE) ? page + 1 : 0,
    pending: [...new Set(body.map((event) => event.event_id))],
  };
}

async function eventById(context: CtContext, eventId: string): Promise<CtEvent> {
  const notFound = `event ${eventId} not found; check the connection's eventIds setting`;
  const request = { path: `/event/${eventId}`, notFound };
  return (await callCt(context, request, oneEventSchema)).body;
}

async function racesOf(context: CtContext, eventId: string) {
  const races = [];
  const path = `/event/${eventId}/race`;
  for (let page = 1; ; page++) {
    const request = { path, query: { page, size: RACE_PAGE_SIZE }, notFound: `event ${eventId} not found` };
    const { body, headers } = await callCt(context, request, raceListSchema);
    races.push(...body);
    if (!hasNextPage(headers, page, body.length, RACE_PAGE_SIZE)) return races;
  }
}

function checkpointOf(progress: Progress): Checkpoint {
  return { listPage: progress.listPage, pending: progress.pending.join(",") };
}

function resumed(checkpoint: Checkpoint | undefined): Progress | undefined {
  const listPage = checkpoint?.listPage;
  const pending = checkpoint?.pending;
  if (typeof listPage !== "number" || !Number.isSafeInteger(listPage) || listPage < 0) return undefined;
  if (typeof pending !== "string" || !/^(\d+(,\d+)*)?$/.test(pending)) return undefined;
  return { listPage, pending: pending === "" ? [] : pending.split(",") };
}
