import { ProviderMalformedError, ProviderRejectedError, ValidationError } from "#core/errors.ts";
import type { SyncRunOf } from "#providers/define.ts";
import { RACE_ENTITY, type ScoringParticipant } from "#providers/race/shapes.ts";
import type { Entity, Page } from "#providers/types.ts";
import { type CtContext, callCt } from "./client.ts";
import { connectionOf, requireExperimental } from "./connection.ts";
import type { chronotrack } from "./definition.ts";
import {
  ENTRY_LINKS,
  ENTRY_WRITE,
  entryLinkEntity,
  linkedEntryId,
  scoringParticipantSchema,
} from "./mapping.ts";

type Run = SyncRunOf<typeof chronotrack, "participants">;

/**
 * Pushes the event's participants (what Pacer wrote into this provider's `participants`) as
 * ChronoTrack entries, in participantId order, one call per participant whose entry body changed
 * since it was last accepted; unchanged ones cost nothing. A participant never pushed is created,
 * one pushed before updates the entry it became (kept as an `entryLinks` record), so a repeated
 * push never makes a second entry. Experimental: the write endpoint is not documented
 * (ENTRY_WRITE in ./mapping.ts).
 */
export async function* participants(run: Run): AsyncGenerator<Page> {
  const { settings, context } = connectionOf(run);
  requireExperimental(settings, run.syncType);
  const { eventId } = run.params;
  const after = typeof run.checkpoint?.after === "string" ? run.checkpoint.after : "";
  const pending = (await run.store.list(RACE_ENTITY.participants))
    .filter((entity) => entity.data.scoringEventId === eventId)
    .map(participantOf)
    .filter((participant) => participant.participantId > after)
    .sort((a, b) => (a.participantId < b.participantId ? -1 : 1));

  for (const [index, participant] of pending.entries()) {
    const { participantId } = participant;
    // The body, not the stored record, is what ChronoTrack holds: a change in a field it is not
    // sent (an email) pushes nothing, a corrected mapping pushes everyone again.
    const body = ENTRY_WRITE.body(participant);
    if (!(await run.pushed.changed(RACE_ENTITY.participants, participantId, body))) continue;
    const linked = linkedEntryId(await run.store.get(ENTRY_LINKS, participantId), eventId);
    const entryId = await pushEntry(context, eventId, linked, body);
    const entities = [entryLinkEntity(participantId, eventId, entryId)];
    const last = index === pending.length - 1;
    yield last ? { entities } : { entities, checkpoint: { after: participantId } };
    // Remembered once the worker has stored the page (it asks for the next one only then): a
    // push whose link was lost must not count as done, or its next change would create a second
    // entry. A run stopped between the two pushes this participant once more, to the same entry.
    await run.pushed.remember(RACE_ENTITY.participants, participantId, body);
  }
}

/** Updates the linked entry, else (or when ChronoTrack no longer has it) creates one; its entry id. */
async function pushEntry(
  context: CtContext,
  eventId: string,
  linked: string | undefined,
  body: Record<string, string>,
): Promise<string> {
  if (linked !== undefined) {
    try {
      const answer = await callCt(context, { ...ENTRY_WRITE.update(linked), body }, ENTRY_WRITE.answer);
      return answer.body ?? linked;
    } catch (error) {
      // Removed on ChronoTrack's side: created again below.
      if (!(error instanceof ProviderRejectedError && error.status === 404)) throw error;
    }
  }
  const create = ENTRY_WRITE.create(eventId);
  const notFound = `event ${eventId} not found`;
  const answer = await callCt(context, { ...create, body, notFound }, ENTRY_WRITE.answer);
  if (answer.body === undefined)
    throw new ProviderMalformedError(`ChronoTrack ${create.path} answered without the new entry's entry_id`);
  return answer.body;
}

/** Pacer wrote it; one off the shape is a bug to report, not a record to push half of. */
function participantOf(entity: Entity): ScoringParticipant {
  const parsed = scoringParticipantSchema.safeParse(entity.data);
  if (parsed.success) return parsed.data;
  const field = parsed.error.issues[0]?.path.join(".") || "(record)";
  throw new ValidationError(
    `stored participant ${entity.id} is not a ScoringParticipant: "${field}" is invalid`,
  );
}
