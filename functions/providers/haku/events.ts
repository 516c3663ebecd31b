import { ProviderMalformedError } from "#core/errors.ts";
import type { SyncRunOf } from "#providers/define.ts";
import type { Checkpoint, Page } from "#providers/types.ts";
import { hakuClient } from "./client.ts";
import type { haku } from "./definition.ts";
import { eventEntity } from "./mapping.ts";
import { eventSchema, type HakuEvent } from "./schemas.ts";

/**
 * The most rows Pacer asks Haku for per page. The facts disagree on Haku's maximum (25, 100, the
 * code asks 500): 100 is the most a fake may honour, and a short page is the only end signal.
 */
export const PAGE_SIZE = 100;

/**
 * The organisation's events, newest first, inactive ones included, one page of 100 per call until
 * a short page. With the connection's `eventIds` set, only those are kept.
 */
export async function* events(run: SyncRunOf<typeof haku, "events">): AsyncGenerator<Page> {
  const client = hakuClient(run);
  const wanted = client.settings.eventIds === undefined ? undefined : new Set(client.settings.eventIds);
  let page = resumePage(run.checkpoint);
  let previous: string | undefined;
  for (;;) {
    const query = `page=${page}&per_page=${PAGE_SIZE}&sort_column=event_date&sort_direction=desc&show_inactive=true`;
    const rows = await client.list({ path: "/events", query }, "events", eventSchema);
    const kept = unique(rows.filter((event) => wanted === undefined || wanted.has(event.id)));
    const entities = kept.map(eventEntity);
    if (rows.length < PAGE_SIZE) {
      yield { entities };
      return;
    }
    // A Haku that ignored `page` would answer the same full page forever.
    const signature = rows.map((event) => event.id).join(",");
    if (signature === previous)
      throw new ProviderMalformedError(
        `Haku /events answered page ${page} with the same events as page ${page - 1}`,
      );
    previous = signature;
    page += 1;
    yield { entities, checkpoint: { page } };
  }
}

/** The page a run resumes at (its checkpoint's `page`), or the first. */
function resumePage(checkpoint: Checkpoint | undefined): number {
  const page = checkpoint?.page;
  return typeof page === "number" && Number.isSafeInteger(page) && page >= 1 ? page : 1;
}

/** One entity per event, even if Haku lists it twice on a page; the last listing wins. */
function unique(list: readonly HakuEvent[]): HakuEvent[] {
  return [...new Map(list.map((event) => [event.id, event])).values()];
}
