import { ProviderMalformedError, ValidationError } from "#core/errors.ts";
import type { SyncRunOf } from "#providers/define.ts";
import { RACE_ENTITY } from "#providers/race/shapes.ts";
import type { Entity, Page } from "#providers/types.ts";
import { callRsu, type RsuContext } from "./client.ts";
import { connectionOf, raceSubject } from "./connection.ts";
import {
  type Cursor,
  checkpointOf,
  cursorOf,
  type Marks,
  markOf,
  parseWatermark,
  startCursor,
  watermarkText,
} from "./cursor.ts";
import type { RunSignUpSettings, runsignup } from "./definition.ts";
import { registrantEntity, removedRegistrantEntity } from "./mapping.ts";
import { participantsResponseSchema, removedResponseSchema } from "./schemas.ts";

type Run = SyncRunOf<typeof runsignup, "participants">;

/** Rows asked for per call; a page this full may have more behind it. */
export const PAGE_SIZE = 1_000;

/** One event of one race: what a participants call is about. */
interface Target {
  readonly raceId: string;
  readonly eventId: string;
}

/**
 * Registrations per event: the event's participants (changed since its mark, or all of them
 * when it has none), 1000 per call in registration_id order, the next call only after a full
 * page; then its removed participants, kept as cancelled registrants. An event's mark is
 * committed (in the watermark) only once both are read. A page of a run that stops resumes
 * from its checkpoint, with no call made twice.
 */
export async function* participants(run: Run): AsyncGenerator<Page> {
  const { settings, context } = connectionOf(run);
  const targets = await targetsOf(run, settings);
  const previous = parseWatermark(run.watermark);
  let cursor = resumeAt(cursorOf(run.checkpoint), targets, markOf(run.now));

  while (cursor !== undefined) {
    const target = targets[cursor.event];
    if (target === undefined) return;
    const modifiedAfter = previous[target.eventId];
    if (cursor.phase === "participants") {
      const { entities, full, last } = await participantsPage(context, target, cursor.after, modifiedAfter);
      cursor = full ? { ...cursor, after: last } : { ...cursor, phase: "removed", after: 0, page: 1 };
      yield { entities, checkpoint: checkpointOf(cursor) };
      continue;
    }
    const { entities, full } = await removedPage(context, target, cursor.page, modifiedAfter);
    if (full) {
      cursor = { ...cursor, page: cursor.page + 1 };
      yield { entities, checkpoint: checkpointOf(cursor) };
      continue;
    }
    const watermark = watermarkText({ ...previous, ...marksBefore(targets, cursor.event + 1, cursor.since) });
    const next = targets[cursor.event + 1];
    cursor = next === undefined ? undefined : startCursor(next.eventId, cursor.event + 1, cursor.since);
    yield cursor === undefined
      ? { entities, watermark }
      : { entities, checkpoint: checkpointOf(cursor), watermark };
  }
}

/**
 * The events a run covers: the one its params name (a race the connection follows), or every
 * stored event of the followed races, by race then event id so a resumed run finds its place.
 */
async function targetsOf(run: Run, settings: RunSignUpSettings): Promise<Target[]> {
  const followed = new Set(settings.raceIds.map(String));
  const { raceId, eventId } = run.params;
  if (raceId !== undefined || eventId !== undefined) {
    if (raceId === undefined || eventId === undefined)
      throw new ValidationError("params: give raceId and eventId together, or neither");
    if (!followed.has(raceId))
      throw new ValidationError(
        `params.raceId: race ${raceId} is not in the connection's raceIds setting; add it there first`,
      );
    return [{ raceId, eventId }];
  }
  const stored = await run.store.list(RACE_ENTITY.events);
  const targets = new Map<string, Target>();
  for (const { data } of stored) {
    const race = typeof data.raceId === "string" ? data.raceId : undefined;
    const event = typeof data.eventId === "string" ? data.eventId : undefined;
    if (race !== undefined && event !== undefined && followed.has(race))
      targets.set(event, { raceId: race, eventId: event });
  }
  return [...targets.values()].sort(
    (a, b) => Number(a.raceId) - Number(b.raceId) || Number(a.eventId) - Number(b.eventId),
  );
}

/** Where the run goes on: its checkpoint's event (found again by id), else the first event. */
function resumeAt(resumed: Cursor | undefined, targets: readonly Target[], now: number): Cursor | undefined {
  if (resumed === undefined) {
    const first = targets[0];
    return first === undefined ? undefined : startCursor(first.eventId, 0, now);
  }
  const found = targets.findIndex((target) => target.eventId === resumed.eventId);
  if (found !== -1) return { ...resumed, event: found };
  // The event is no longer stored: go on with the one that now has its place, from its start.
  const next = targets[resumed.event];
  return next === undefined ? undefined : startCursor(next.eventId, resumed.event, resumed.since);
}

/** Every event before `end` in the run's list, marked `since`. */
function marksBefore(targets: readonly Target[], end: number, since: number): Marks {
  return Object.fromEntries(targets.slice(0, end).map((target) => [target.eventId, since]));
}

const subjectOf = (target: Target) => `event ${target.eventId} of ${raceSubject(target.raceId)}`;

async function participantsPage(
  context: RsuContext,
  target: Target,
  after: number,
  modifiedAfter: number | undefined,
): Promise<{ entities: Entity[]; full: boolean; last: number }> {
  const query = [
    `event_id=${target.eventId}`,
    "sort=registration_id+ASC",
    ...(after > 0 ? [`after_registration_id=${after}`] : []),
    `results_per_page=${PAGE_SIZE}`,
    ...(modifiedAfter === undefined ? [] : [`modified_after_timestamp=${modifiedAfter}`]),
  ].join("&");
  const path = `/race/${target.raceId}/participants`;
  const elements = await callRsu(
    context,
    { path, query, subject: subjectOf(target) },
    participantsResponseSchema,
  );
  const rows = elements.flatMap((element) =>
    (element.participants ?? []).map((row) => ({ row, eventId: element.event?.event_id })),
  );
  const entities = rows.map(({ row, eventId }) => registrantEntity(row, String(eventId ?? target.eventId)));
  const last = Math.max(after, ...rows.map(({ row }) => row.registration_id));
  const full = rows.length >= PAGE_SIZE;
  // A full page that does not move the cursor on would be asked for again, forever.
  if (full && last <= after)
    throw new ProviderMalformedError(
      `RunSignUp ${path} answered a full page with no registration_id after ${after}`,
    );
  return { entities: uniqueById(entities), full, last };
}

async function removedPage(
  context: RsuContext,
  target: Target,
  page: number,
  modifiedAfter: number | undefined,
): Promise<{ entities: Entity[]; full: boolean }> {
  // UNVERIFIED: paged like participants (the facts list page/results_per_page, not their defaults);
  // condensed_format=F asks for the full rows, with `user`, whatever the default form is.
  const query = [
    `event_id=${target.eventId}`,
    ...(modifiedAfter === undefined ? [] : [`modified_after_timestamp=${modifiedAfter}`]),
    "condensed_format=F",
    `page=${page}`,
    `results_per_page=${PAGE_SIZE}`,
  ].join("&");
  const path = `/race/${target.raceId}/removed-participants`;
  const elements = await callRsu(context, { path, query, subject: subjectOf(target) }, removedResponseSchema);
  const rows = elements.flatMap(({ event }) =>
    (event.participants ?? []).map((row) => removedRegistrantEntity(row, String(event.event_id))),
  );
  return { entities: uniqueById(rows), full: rows.length >= PAGE_SIZE };
}

/** One page hands the store one version per entity; if RunSignUp repeats a row, the last one wins. */
function uniqueById(entities: readonly Entity[]): Entity[] {
  return [...new Map(entities.map((entity) => [entity.id, entity])).values()];
}
