import type { SyncRunOf } from "#providers/define.ts";
import type { Checkpoint, Entity, Page } from "#providers/types.ts";
import { callCt, hasNextPage } from "./client.ts";
import { connectionOf } from "./connection.ts";
import type { chronotrack } from "./definition.ts";
import { resultEntity } from "./mapping.ts";
import { resultRowSchema, wrappedList } from "./schemas.ts";

type Run = SyncRunOf<typeof chronotrack, "results">;

/** Rows per `GET /event/{id}/results` call. */
export const RESULTS_PAGE_SIZE = 500;

const resultsSchema = wrappedList("event_results", resultRowSchema);

/**
 * The event's results, 500 rows a call, without test entries, a page per call checkpointed at the
 * next page. ChronoTrack documents no "modified since": every run reads them all, and unchanged
 * rows cost no write (content hashes).
 */
export async function* results(run: Run): AsyncGenerator<Page> {
  const { context } = connectionOf(run);
  const { eventId } = run.params;
  const path = `/event/${eventId}/results`;
  for (let page = startPage(run.checkpoint); ; page++) {
    const query = { page, size: RESULTS_PAGE_SIZE, include_test_entries: false };
    const request = { path, query, notFound: `event ${eventId} not found` };
    const { body, headers } = await callCt(context, request, resultsSchema);
    const entities = unique(body.flatMap((row) => resultEntity(eventId, row) ?? []));
    if (!hasNextPage(headers, page, body.length, RESULTS_PAGE_SIZE)) {
      yield { entities };
      return;
    }
    yield { entities, checkpoint: { page: page + 1 } };
  }
}

function startPage(checkpoint: Checkpoint | undefined): number {
  const page = checkpoint?.page;
  return typeof page === "number" && Number.isSafeInteger(page) && page >= 1 ? page : 1;
}

/** One version per entity in a page; if ChronoTrack repeats a row, the last one wins. */
function unique(entities: readonly Entity[]): Entity[] {
  return [...new Map(entities.map((entity) => [entity.id, entity])).values()];
}
