import { RACE_ENTITY, type Registrant, type ScoringParticipant } from "#providers/race/shapes.ts";
import type { Entity, EntityRef } from "#providers/types.ts";
import type { EntityWriter } from "../sync-job/types.ts";
import { type SourceRegistration, type UnifiedParticipant, unify } from "./participants.ts";
import { eventNamespace, type RaceEventRecord, type RaceEventStore, type UnifyCounts } from "./types.ts";

/**
 * Builds a Pacer event's participant list afresh from what its registration feeds hold, and
 * what its scoring provider is to receive: the list is stored in the event's own namespace
 * (broadcast on `events/<eventId>/participants`), the scoring records in the scoring provider's
 * store, where its push sync finds them (and pushes only what changed since its last push).
 */
export interface UnifyEventDeps {
  readonly entities: EntityWriter;
  readonly events: Pick<RaceEventStore, "owned">;
  readonly clock?: () => number;
}

export async function unifyEvent(
  deps: UnifyEventDeps,
  tenantId: string,
  event: RaceEventRecord,
  jobId = `unify.${event.eventId}`,
): Promise<UnifyCounts> {
  const now = new Date((deps.clock ?? Date.now)());
  const registrations: SourceRegistration[] = [];
  // A provider's registrants are read once, however many of its events feed this one (a 5K, a 10K).
  const byProvider = new Map<string, Promise<Entity[]>>();
  for (const feed of event.registration) {
    let stored = byProvider.get(feed.provider);
    if (!stored) {
      stored = deps.entities.reader(tenantId, feed.provider).list(RACE_ENTITY.registrants);
      byProvider.set(feed.provider, stored);
    }
    for (const entity of await stored) {
      const registrant = entity.data as Registrant;
      if (registrant.eventId === feed.eventId) registrations.push({ provider: feed.provider, registrant });
    }
  }
  // The ids the last list gave each registration: a participant keeps its id (and what was set
  // in Pacer under it) when a registration joins it from another platform.
  const namespace = eventNamespace(event.eventId);
  const lastList = await deps.entities.reader(tenantId, namespace).list(RACE_ENTITY.participants);
  const previous = new Map<string, string>();
  for (const stored of lastList) {
    const { participantId, sources } = stored.data as Partial<UnifiedParticipant>;
    if (typeof participantId !== "string" || !Array.isArray(sources)) continue;
    for (const source of sources) if (typeof source === "string") previous.set(source, participantId);
  }
  const participants = unify(registrations, {
    previous,
    owned: await deps.events.owned(tenantId, event.eventId),
    ...(event.rules ? { rules: event.rules } : {}),
    ...(event.providerOrder ? { providerOrder: event.providerOrder } : {}),
  });

  const list = await replace(deps, tenantId, jobId, now, {
    namespace,
    stored: lastList,
    entities: participants.map((p) => ({
      type: RACE_ENTITY.participants,
      id: p.participantId,
      data: { ...p, eventId: event.eventId },
    })),
  });
  let scoring = { written: 0, unchanged: 0, removed: 0 };
  if (event.scoring) {
    const target = event.scoring;
    scoring = await replace(deps, tenantId, jobId, now, {
      namespace: target.provider,
      entities: participants.flatMap((p) => {
        const record = scoringRecord(event, p);
        return record ? [{ type: RACE_ENTITY.participants, id: record.participantId, data: record }] : [];
      }),
      // Only this event's records: the scoring provider's store holds other events' too.
      owns: (entity) => (entity.data as Partial<ScoringParticipant>).scoringEventId === target.eventId,
    });
  }
  return {
    pulled: registrations.length,
    participants: participants.length,
    merged: participants.filter((p) => p.sources.length > 1).length,
    matched: participants.reduce((sum, p) => sum + p.sources.length - 1, 0),
    conflicts: participants.reduce((sum, p) => sum + p.conflicts.length, 0),
    written: list.written + scoring.written,
    unchanged: list.unchanged + scoring.unchanged,
    removed: list.removed + scoring.removed,
    scoringChanged: scoring.written > 0 || scoring.removed > 0,
  };
}

/**
 * What the scoring provider receives of a participant: nothing for a cancelled one or one without
 * a full name (a scoring system cannot time an anonymous runner); the race (distance) from the
 * event's mapping of the feed of their earliest registration.
 */
export function scoringRecord(
  event: RaceEventRecord,
  participant: UnifiedParticipant,
): ScoringParticipant | undefined {
  const target = event.scoring;
  const { firstName, lastName } = participant.fields;
  if (!target || participant.cancelled || !firstName || !lastName) return undefined;
  const race = participant.sources
    .map((source) => {
      const [provider, eventId] = source.split(":");
      const feed = event.registration.find((f) => f.provider === provider && f.eventId === eventId);
      return feed ? target.races?.[`${feed.connectionId}:${feed.eventId}`] : undefined;
    })
    .find((id) => id !== undefined);
  const { fields } = participant;
  return {
    participantId: participant.participantId,
    scoringEventId: target.eventId,
    ...(race === undefined ? {} : { scoringRaceId: race }),
    firstName,
    lastName,
    ...(fields.email ? { email: fields.email } : {}),
    ...(fields.birthDate ? { birthDate: fields.birthDate } : {}),
    ...(fields.gender === "M" || fields.gender === "F" || fields.gender === "X"
      ? { gender: fields.gender }
      : {}),
    ...(fields.bib ? { bib: fields.bib } : {}),
    ...(fields.chip ? { chip: fields.chip } : {}),
    ...(fields.city ? { city: fields.city } : {}),
    ...(fields.region ? { region: fields.region } : {}),
    ...(fields.country ? { country: fields.country } : {}),
    ...(fields.team ? { team: fields.team } : {}),
  };
}

/** Stores `entities` as the whole of what `owns` covers in the namespace: the rest is removed. */
async function replace(
  deps: UnifyEventDeps,
  tenantId: string,
  jobId: string,
  now: Date,
  set: {
    readonly namespace: string;
    readonly entities: readonly Entity[];
    /** What the namespace holds now, when the caller has already read it. */
    readonly stored?: readonly Entity[];
    readonly owns?: (entity: Entity) => boolean;
  },
): Promise<{ written: number; unchanged: number; removed: number }> {
  const scope = { tenantId, provider: set.namespace, jobId };
  const kept = new Set(set.entities.map((e) => e.id));
  const stored =
    set.stored ?? (await deps.entities.reader(tenantId, set.namespace).list(RACE_ENTITY.participants));
  const gone: EntityRef[] = stored
    .filter((e) => !kept.has(e.id) && (set.owns?.(e) ?? true))
    .map((e) => ({ type: e.type, id: e.id }));
  const { written, unchanged } = await deps.entities.upsert(scope, set.entities, now);
  const removed = gone.length > 0 ? await deps.entities.remove(scope, gone) : 0;
  return { written, unchanged, removed };
}
