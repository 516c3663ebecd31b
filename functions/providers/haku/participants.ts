import type { SyncRunOf } from "#providers/define.ts";
import { RACE_ENTITY, registrantId } from "#providers/race/shapes.ts";
import type { Checkpoint, Entity, Page } from "#providers/types.ts";
import { type HakuClient, hakuClient } from "./client.ts";
import type { haku } from "./definition.ts";
import { PAGE_SIZE } from "./events.ts";
import {
  registrantEntity,
  registrantFromDetail,
  registrantFromSummary,
  SUMMARY_ENTITY,
  storedRegistrant,
  summaryDigest,
  summaryEntity,
} from "./mapping.ts";
import { registrationSchema, summarySchema } from "./schemas.ts";

type Run = SyncRunOf<typeof haku, "participants">;

/** Where a run stands: the event, its list page, and the next row of that page to look at. */
interface Cursor {
  readonly eventId: string;
  readonly page: number;
  readonly row: number;
}

/**
 * Registrants of one event (the `eventId` param) or of every stored event, in id order.
 *
 * Haku's list holds summaries; bib, chip and birth date need one detail call per registration
 * (an N+1 at 500 calls an hour). So a detail is fetched only for a registration whose summary is
 * new or differs from the one last mapped (by digest: ./README.md), and a cancelled one is mapped
 * from its summary alone. Each detail call is a page of its own whose checkpoint names the next
 * row, so a leg that stops for a permit resumes by listing that one page again, and repeats no
 * detail call.
 */
export async function* participants(run: Run): AsyncGenerator<Page> {
  const client = hakuClient(run);
  const eventIds = await eventsOf(run, client);
  const cursor = resumeCursor(run.checkpoint);
  const digests = new Map(
    (await run.store.list(SUMMARY_ENTITY)).map((entity) => [entity.id, entity.data.digest]),
  );
  const first = cursor === undefined ? 0 : eventIds.findIndex((id) => id >= cursor.eventId);
  if (first === -1 || eventIds.length === 0) {
    yield { entities: [] };
    return;
  }
  for (let index = first; index < eventIds.length; index++) {
    const eventId = eventIds[index] ?? "";
    const from = cursor?.eventId === eventId ? cursor : { eventId, page: 1, row: 0 };
    const following = eventIds[index + 1];
    for await (const { entities, next } of eventPages(run, client, from, digests)) {
      const checkpoint =
        next ?? (following === undefined ? undefined : { eventId: following, page: 1, row: 0 });
      yield checkpoint === undefined ? { entities } : { entities, checkpoint: { ...checkpoint } };
    }
  }
}

interface EventPage {
  readonly entities: readonly Entity[];
  /** Where this event goes on; absent once the event is done. */
  readonly next: Cursor | undefined;
}

/** One event's list pages from `from`, a page per detail call and one at the end of each list page. */
async function* eventPages(
  run: Run,
  client: HakuClient,
  from: Cursor,
  digests: ReadonlyMap<string, unknown>,
): AsyncGenerator<EventPage> {
  const { eventId } = from;
  const event = encodeURIComponent(eventId);
  const seen = new Set<string>();
  let { page, row } = from;
  for (;;) {
    // UNVERIFIED: the adapter's query; no change filter exists, so every run lists every page.
    const query = `page=${page}&per_page=${PAGE_SIZE}&sort_column=updated_at&sort_direction=desc`;
    const notFound = `event ${eventId} not found; check the connection's eventIds setting or the eventId param`;
    const rows = await client.list(
      { path: `/events/${event}/participants`, query, notFound },
      "participants",
      summarySchema,
    );
    const full = rows.length >= PAGE_SIZE;
    const endOfPage: Cursor | undefined = full ? { eventId, page: page + 1, row: 0 } : undefined;
    let pending = new Map<string, Entity>();
    let endYielded = false;
    for (let i = row; i < rows.length; i++) {
      const summary = rows[i];
      if (summary === undefined) continue;
      const id = registrantId(eventId, summary.registration_number);
      // Unchanged since it was last mapped, or already done in this leg (the list shifted under us).
      if (seen.has(id) || digests.get(id) === summaryDigest(summary)) continue;
      seen.add(id);
      if (summary.is_cancelled === true) {
        const stored = storedRegistrant((await run.store.get(RACE_ENTITY.registrants, id))?.data);
        add(pending, registrantEntity(registrantFromSummary(eventId, summary, stored)));
        add(pending, summaryEntity(eventId, summary));
        continue;
      }
      const number = encodeURIComponent(summary.registration_number);
      const detail = await client.get(
        {
          path: `/events/${event}/registrations/${number}`,
          notFound: `registration ${summary.registration_number} of event ${eventId} not found`,
        },
        registrationSchema,
      );
      add(pending, registrantEntity(registrantFromDetail(eventId, detail, summary)));
      add(pending, summaryEntity(eventId, summary));
      const last = i + 1 >= rows.length;
      yield { entities: [...pending.values()], next: last ? endOfPage : { eventId, page, row: i + 1 } };
      pending = new Map();
      endYielded = last;
    }
    if (!endYielded) yield { entities: [...pending.values()], next: endOfPage };
    if (endOfPage === undefined) return;
    ({ page, row } = endOfPage);
  }
}

/** The `eventId` param's event, else every stored event (only the connection's `eventIds`, if set). */
async function eventsOf(run: Run, client: HakuClient): Promise<string[]> {
  if (run.params.eventId !== undefined) return [run.params.eventId];
  const wanted = client.settings.eventIds;
  const stored = (await run.store.list(RACE_ENTITY.events)).map((entity) => entity.id);
  return [...new Set(stored)].filter((id) => wanted === undefined || wanted.includes(id)).sort();
}

function resumeCursor(checkpoint: Checkpoint | undefined): Cursor | undefined {
  const { eventId, page, row } = checkpoint ?? {};
  const whole = (n: unknown, min: number): n is number =>
    typeof n === "number" && Number.isSafeInteger(n) && n >= min;
  return typeof eventId === "string" && whole(page, 1) && whole(row, 0) ? { eventId, page, row } : undefined;
}

/** One version per entity in a page; a later row for the same registration wins. */
function add(pending: Map<string, Entity>, entity: Entity): void {
  pending.set(`${entity.type}\u0000${entity.id}`, entity);
}
