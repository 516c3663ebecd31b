import { ValidationError } from "#core/errors.ts";
import type { SyncRunOf } from "#providers/define.ts";
import { RACE_ENTITY } from "#providers/race/shapes.ts";
import type { Checkpoint, Entity, Page } from "#providers/types.ts";
import { pushRegistrations } from "./client.ts";
import { connectionOf } from "./connection.ts";
import type { copernico } from "./definition.ts";
import { registrationOf } from "./mapping.ts";
import { type StoredParticipant, scoringParticipantSchema } from "./schemas.ts";

/** Registrations per push call: Pacer's choice (the page gives no maximum), well under any body cap. */
export const PUSH_BATCH_SIZE = 500;

/** Ledger reads in flight at once: a race of thousands is not asked about one by one. */
const LEDGER_READS = 25;

/**
 * Pushes the race's stored `participants` (ScoringParticipant, `scoringEventId` = the race UUID)
 * that changed since their last push, in participantId order, one batch per call. Copernico
 * creates or updates by `id`, so a batch sent twice does no harm; each participant is remembered
 * once its batch was accepted. The checkpoint is the last participantId pushed: a resumed run
 * goes on after it, however many of the earlier ones have been remembered since.
 */
export async function* participants(run: SyncRunOf<typeof copernico, "participants">): AsyncGenerator<Page> {
  const { context } = connectionOf(run);
  const raceId = run.params.eventId;
  const after = resumeAfter(run.checkpoint);
  const stored = (await run.store.list(RACE_ENTITY.participants))
    .filter((entity) => sameRace(entity.data.scoringEventId, raceId))
    .map((entity) => ({ entity, participant: participantOf(entity) }))
    .filter(({ participant }) => after === undefined || participant.participantId > after)
    .sort((a, b) => compare(a.participant.participantId, b.participant.participantId));

  const pending: { entity: Entity; participant: StoredParticipant }[] = [];
  for (let start = 0; start < stored.length; start += LEDGER_READS) {
    const chunk = stored.slice(start, start + LEDGER_READS);
    const changed = await Promise.all(
      chunk.map(({ entity }) => run.pushed.changed(RACE_ENTITY.participants, entity.id, entity.data)),
    );
    pending.push(...chunk.filter((_, index) => changed[index]));
  }

  if (pending.length === 0) {
    yield { entities: [] };
    return;
  }
  for (let start = 0; start < pending.length; start += PUSH_BATCH_SIZE) {
    const batch = pending.slice(start, start + PUSH_BATCH_SIZE);
    await pushRegistrations(
      context,
      raceId,
      batch.map(({ participant }) => registrationOf(participant)),
    );
    for (const { entity } of batch)
      await run.pushed.remember(RACE_ENTITY.participants, entity.id, entity.data);
    const last = batch.at(-1)?.participant.participantId;
    const more = start + PUSH_BATCH_SIZE < pending.length;
    yield more && last !== undefined ? { entities: [], checkpoint: { after: last } } : { entities: [] };
  }
}

function participantOf(entity: Entity): StoredParticipant {
  const parsed = scoringParticipantSchema.safeParse(entity.data);
  if (parsed.success) return parsed.data;
  const field = parsed.error.issues[0]?.path.join(".") ?? "";
  throw new ValidationError(
    `stored participant ${entity.id} has no valid "${field}": it cannot be pushed to Copernico`,
  );
}

/** UUIDs compare without regard to case: Sportmaniacs shows them in lower case, a user may not. */
const sameRace = (stored: unknown, raceId: string) =>
  typeof stored === "string" && stored.toLowerCase() === raceId.toLowerCase();

/** Code-unit order, the same in every run and process (no locale). */
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function resumeAfter(checkpoint: Checkpoint | undefined): string | undefined {
  const after = checkpoint?.after;
  return typeof after === "string" ? after : undefined;
}
