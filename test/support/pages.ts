import type { Entity, Page, PushLedger, SyncRun } from "#providers/types.ts";

/** Every page a sync yields, in order. */
export async function pagesOf(pages: AsyncIterable<Page>): Promise<Page[]> {
  const all: Page[] = [];
  for await (const page of pages) all.push(page);
  return all;
}

/** What a sync that must fail threw; a sync that ends instead fails the test, naming `what`. */
export async function failureOf(pages: AsyncIterable<Page>, what: string): Promise<unknown> {
  try {
    await pagesOf(pages);
  } catch (error) {
    return error;
  }
  throw new Error(`${what} did not fail`);
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
