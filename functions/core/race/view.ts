import type { EventView, ParticipantOut } from "./schemas.ts";
import {
  EVENT_TOPIC_KINDS,
  eventNamespace,
  type ParticipantView,
  type RaceEventRecord,
  resultsParamsOf,
} from "./types.ts";

/**
 * What a caller sees of its event: everything it set and the topics to watch, built field by
 * field so nothing internal (the tenant, a key) slips through. Absent options read as `null`
 * or empty, so a client never has to tell "unset" from "missing".
 */
export function eventView(record: RaceEventRecord): EventView {
  const feed = (f: { connectionId: string; provider: string; eventId: string }) => ({
    connectionId: f.connectionId,
    provider: f.provider,
    eventId: f.eventId,
  });
  return {
    eventId: record.eventId,
    name: record.name,
    startsAt: record.startsAt,
    endsAt: record.endsAt ?? null,
    registration: record.registration.map(feed),
    scoring: record.scoring
      ? {
          ...feed(record.scoring),
          races: { ...record.scoring.races },
          results: { ...resultsParamsOf(record.scoring) },
        }
      : null,
    rules: Object.fromEntries(
      Object.entries(record.rules ?? {}).flatMap(([field, rule]) =>
        rule === undefined
          ? []
          : [
              [
                field,
                rule.kind === "prefer"
                  ? { kind: rule.kind, providers: [...rule.providers] }
                  : { kind: rule.kind },
              ],
            ],
      ),
    ),
    providerOrder: [...(record.providerOrder ?? [])],
    topics: EVENT_TOPIC_KINDS.map((kind) => `${eventNamespace(record.eventId)}/${kind}`),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    version: record.version,
  };
}

/** A participant as callers see it: what the unification stored, copied field by field. */
export function participantView(participant: ParticipantView): ParticipantOut {
  return {
    participantId: participant.participantId,
    eventId: participant.eventId,
    fields: { ...participant.fields },
    origins: Object.fromEntries(
      Object.entries(participant.origins).map(([field, origin]) => [
        field,
        origin?.kind === "pacer"
          ? { kind: "pacer" as const, by: origin.by, at: origin.at }
          : { kind: "registration" as const, source: origin?.source ?? "" },
      ]),
    ),
    sources: [...participant.sources],
    conflicts: participant.conflicts.map((conflict) => ({
      field: conflict.field,
      values: conflict.values.map(({ source, value }) => ({ source, value })),
      chosen: conflict.chosen,
      resolvedBy: conflict.resolvedBy,
    })),
    cancelled: participant.cancelled,
  };
}
