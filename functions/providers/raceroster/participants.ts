import { z } from "zod";
import type { SyncRunOf } from "#providers/define.ts";
import { RACE_ENTITY } from "#providers/race/shapes.ts";
import type { EntityReader, Page } from "#providers/types.ts";
import { callRr, RrNotFound } from "./client.ts";
import { checkpointInt, connectionOf } from "./connection.ts";
import type { raceroster } from "./definition.ts";
import { unique } from "./events.ts";
import { PARTICIPANTS_API, parentEventId, registrantEntity } from "./mapping.ts";

type Run = SyncRunOf<typeof raceroster, "participants">;

/**
 * UNVERIFIED (./mapping.ts): `{<rowsKey>: [row…], metadata: {…}}`, rows objects whose fields
 * PARTICIPANT_FIELDS reads; `metadata` is not read.
 */
const pageSchema = z.object({
  [PARTICIPANTS_API.rowsKey]: z.array(z.record(z.string(), z.unknown())),
});

/**
 * Every registrant of one Race Roster event (`params.eventId`), or of each stored event's parent
 * once, in ascending eventId order, a page at a time until a short page. No incremental filter is
 * known, so each run reads every registration: the worker's delta detection keeps writes to what
 * changed. A checkpoint names the event and offset of the next call, so a resumed leg goes on
 * there even when the stored events changed meanwhile. Without `params.eventId`, an event Race
 * Roster no longer knows (404) is passed over: a stale stored event must not stop the others.
 */
export async function* participants(run: Run): AsyncGenerator<Page> {
  const { context } = connectionOf(run);
  const given = run.params.eventId;
  const all = given === undefined ? await storedEventIds(run.store) : [given];
  const resumeAt = typeof run.checkpoint?.eventId === "string" ? run.checkpoint.eventId : undefined;
  const eventIds = resumeAt === undefined ? all : all.filter((id) => compareIds(id, resumeAt) >= 0);

  for (const [index, eventId] of eventIds.entries()) {
    const path = PARTICIPANTS_API.path(eventId);
    const nextEvent = eventIds[index + 1];
    let offset = eventId === resumeAt ? checkpointInt(run.checkpoint?.offset) : 0;
    for (;;) {
      const query = `${PARTICIPANTS_API.offsetParam}=${offset}&${PARTICIPANTS_API.limitParam}=${PARTICIPANTS_API.pageSize}`;
      const notFound = given === undefined ? "skip" : () => `event ${eventId} not found`;
      const answer = await callRr(context, { path, query }, pageSchema, notFound);
      if (answer instanceof RrNotFound) break;
      const rows = answer[PARTICIPANTS_API.rowsKey] ?? [];
      const entities = unique(
        rows.map((row, i) => registrantEntity(eventId, row, `Race Roster ${path} row ${offset + i}`)),
      );
      if (rows.length >= PARTICIPANTS_API.pageSize) {
        offset += PARTICIPANTS_API.pageSize;
        yield { entities, checkpoint: { eventId, offset } };
        continue;
      }
      yield nextEvent === undefined
        ? { entities }
        : { entities, checkpoint: { eventId: nextEvent, offset: 0 } };
      break;
    }
  }
}

/** The parent eventIds of the stored events, each once, in ascending order. */
async function storedEventIds(store: EntityReader): Promise<string[]> {
  const stored = await store.list(RACE_ENTITY.events);
  const ids = new Set(stored.map(parentEventId).filter((id) => id !== undefined));
  return [...ids].sort(compareIds);
}

/** Digit strings in numeric order. */
function compareIds(a: string, b: string): number {
  return a.length === b.length ? (a < b ? -1 : a > b ? 1 : 0) : a.length - b.length;
}
