import type { Entity, Page, PushLedger, SyncRun } from "#providers/types.ts";

/** Every page a sync yields, in order. */
export async function pagesOf(pages: AsyncIterable<Page>): Promise<Page[]> {
  const all: Page[] = [];
  for await (const page of pages) all.push(page);
  return all;
}

/** Every entity a sync yields, across its pages. */
export async function entitiesOf(pages: AsyncIterable<Page>): Promise<Entity[]> {
  return (await pagesOf(pages)).flatMap((page) => [...page.entities]);
}

/** A push ledger that has never pushed anything and remembers nothing. */
export const NO_PUSHES: PushLedger = { changed: async () => true, remember: async () => undefined };

/** What a run carries besides its sync type, params, clock, fetch and store: a fresh connection's. */
export function freshRunParts(
  connection: Partial<SyncRun["connection"]> = {},
): Pick<SyncRun, "connection" | "checkpoint" | "watermark" | "pushed"> {
  return {
    connection: {
      connectionId: "c-00000000000000000001",
      tier: "free",
      settings: {},
      credentials: undefined,
      ...connection,
    },
    checkpoint: undefined,
    watermark: undefined,
    pushed: NO_PUSHES,
  };
}
