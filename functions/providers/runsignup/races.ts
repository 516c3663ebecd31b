import type { SyncRunOf } from "#providers/define.ts";
import type { Page } from "#providers/types.ts";
import { callRsu } from "./client.ts";
import { connectionOf, raceSubject } from "./connection.ts";
import type { runsignup } from "./definition.ts";
import { eventEntities } from "./mapping.ts";
import { raceResponseSchema } from "./schemas.ts";

/**
 * Each followed race's events, one call and one page per race; the checkpoint is the index of
 * the next race in the connection's raceIds. A race RunSignUp does not know fails the run, naming
 * the setting to fix.
 */
export async function* races(run: SyncRunOf<typeof runsignup, "races">): AsyncGenerator<Page> {
  const { settings, context } = connectionOf(run);
  const { raceIds } = settings;
  const next = run.checkpoint?.race;
  const first = typeof next === "number" && Number.isSafeInteger(next) && next >= 0 ? next : 0;
  for (let index = first; index < raceIds.length; index++) {
    const raceId = raceIds[index];
    if (raceId === undefined) break;
    const { race } = await callRsu(
      context,
      { path: `/race/${raceId}`, query: "include_event_days=T", subject: raceSubject(raceId) },
      raceResponseSchema,
    );
    const entities = eventEntities(race);
    yield index + 1 < raceIds.length ? { entities, checkpoint: { race: index + 1 } } : { entities };
  }
}
