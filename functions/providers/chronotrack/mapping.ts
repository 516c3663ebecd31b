import { z } from "zod";
import {
  type Gender,
  RACE_ENTITY,
  type RaceEvent,
  type ResultRow,
  resultId,
  type ScoringParticipant,
} from "#providers/race/shapes.ts";
import type { Entity } from "#providers/types.ts";
import { type CtEvent, type CtRace, type CtResultRow, ctId } from "./schemas.ts";

/**
 * Every ChronoTrack field mapping, in one place (see ./README.md for how to correct one).
 *
 * Known from public clients (shared/providers/chronotrack.md): the read field names below, times
 * in unix seconds, durations as "HH:MM:SS.s", all of them possibly strings.
 * ChronoTrack's "event" is the day (Pacer's race) and its "race" a distance (Pacer's event): a
 * RaceEvent is one ChronoTrack race. Scoring shapes keep ChronoTrack's own words: a ResultRow's
 * `eventId` is the ChronoTrack event, its `raceId` the ChronoTrack race.
 * UNVERIFIED: everything under ENTRY_WRITE (the facts document no write endpoint), the values
 * of `athlete_sex` / `results_sex` ("M"/"F" assumed), and the unit words of
 * `race_pref_distance_unit` (kept as given).
 */

/** The entity keeping which ChronoTrack entry a pushed participant became, id = participantId. */
export const ENTRY_LINKS = "entryLinks";

/** A trimmed string, or undefined for absent, null and "". */
export function text(value: string | number | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = String(value).trim();
  return trimmed === "" ? undefined : trimmed;
}

/** A whole number from "12", 12 or " 12 "; anything else (0 included, for a place) is undefined. */
export function positiveInt(value: string | number | null | undefined): number | undefined {
  const given = text(value);
  if (given === undefined || !/^\d+$/.test(given)) return undefined;
  const number = Number(given);
  return number > 0 && Number.isSafeInteger(number) ? number : undefined;
}

/** Unix seconds (a string or a number, clients do `Number(x) * 1000`) as ISO 8601; 0 is unset. */
export function isoFromUnixSeconds(value: string | number | null | undefined): string | undefined {
  const given = text(value);
  if (given === undefined || !/^\d+(\.\d+)?$/.test(given)) return undefined;
  const ms = Number(given) * 1_000;
  return ms > 0 && Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

const DURATION = /^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/;

/** "HH:MM:SS.s" (also "H:MM:SS", "MM:SS.ss") in milliseconds; anything else is undefined. */
export function durationMs(value: string | number | null | undefined): number | undefined {
  const match = DURATION.exec(text(value) ?? "");
  if (match === null) return undefined;
  const [, hours = "0", mins = "0", secs = "0"] = match;
  return Math.round((Number(hours) * 3_600 + Number(mins) * 60 + Number(secs)) * 1_000);
}

/** UNVERIFIED: ChronoTrack's sex codes are assumed to be "M"/"F" (words accepted too). */
export function genderOf(value: string | number | null | undefined): Gender | undefined {
  const given = text(value)?.toUpperCase();
  if (given === "M" || given === "MALE") return "M";
  if (given === "F" || given === "FEMALE") return "F";
  if (given === "X" || given === "NB" || given === "NON-BINARY") return "X";
  return undefined;
}

/** One RaceEvent per ChronoTrack race of the event. */
export function raceEventEntity(event: CtEvent, race: CtRace): Entity {
  const unit = text(race.race_pref_distance_unit);
  const distance = text(race.race_course_distance);
  const startsAt =
    isoFromUnixSeconds(race.race_planned_start_time) ?? isoFromUnixSeconds(event.event_start_time);
  const endsAt =
    isoFromUnixSeconds(race.race_actual_end_time) ??
    isoFromUnixSeconds(race.race_planned_end_time) ??
    isoFromUnixSeconds(event.event_end_time);
  const raceName = text(event.event_name);
  const data: RaceEvent = {
    eventId: race.race_id,
    raceId: event.event_id,
    name: text(race.race_name) ?? `Race ${race.race_id}`,
    ...(raceName !== undefined && { raceName }),
    ...(startsAt !== undefined && { startsAt }),
    ...(endsAt !== undefined && { endsAt }),
    // The unit word as ChronoTrack gives it ("5 K", "10 km", "13.1 M"): its vocabulary is unknown.
    ...(distance !== undefined && { distance: unit === undefined ? distance : `${distance} ${unit}` }),
  };
  return { type: RACE_ENTITY.events, id: race.race_id, data: { ...data } };
}

/**
 * A result row of ChronoTrack event `eventId`, keyed by its entry id, else its bib; a row with
 * neither cannot be told apart from the next and is left out (undefined).
 */
export function resultEntity(eventId: string, row: CtResultRow): Entity | undefined {
  const entryId = text(row.results_entry_id);
  const bib = text(row.results_bib);
  const key = entryId ?? bib;
  if (key === undefined) return undefined;
  const fields = {
    raceId: text(row.results_race_id),
    raceName: text(row.results_race_name),
    bib,
    entryId,
    firstName: text(row.results_first_name),
    lastName: text(row.results_last_name),
    gender: genderOf(row.results_sex),
    age: positiveInt(row.results_age),
    category: text(row.results_primary_bracket_name),
    place: positiveInt(row.results_rank),
    genderPlace: positiveInt(row.results_gender_rank),
    categoryPlace: positiveInt(row.results_primary_bracket_rank) ?? positiveInt(row.results_bracket_rank),
    gunTimeMs: durationMs(row.results_gun_time),
    chipTimeMs: durationMs(row.results_time),
  };
  const data: ResultRow = {
    eventId,
    ...(Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<ResultRow>),
    // The facts show no preliminary/final marker on ChronoTrack results: read as final.
    preliminary: false,
  };
  return { type: RACE_ENTITY.results, id: resultId(eventId, key), data: { ...data } };
}

/**
 * UNVERIFIED, all of it: how a participant is written to ChronoTrack. The facts document only
 * reads; this assumes entries are created under their event and updated by their id, with the
 * documented READ field names of an `event_entry`, as JSON, and that ChronoTrack keeps an
 * external reference (Pacer's participantId) to find the entry again. A user with write access
 * corrects the paths, the body and the answer here, and nowhere else (the fake follows this
 * shape too: local/fakes/chronotrack/).
 */
export const ENTRY_WRITE = {
  /** UNVERIFIED: the create path. */
  create: (eventId: string) => ({ method: "POST" as const, path: `/event/${eventId}/entry` }),
  /** UNVERIFIED: the update path. */
  update: (entryId: string) => ({ method: "PUT" as const, path: `/entry/${entryId}` }),
  /** UNVERIFIED: the name of the external reference field (no such field is documented). */
  externalRef: "entry_external_id",
  /** UNVERIFIED: the body; read field names of `event_entry`, sent as a JSON object. */
  body(participant: ScoringParticipant): Record<string, string> {
    const fields: Record<string, string | undefined> = {
      [ENTRY_WRITE.externalRef]: participant.participantId,
      race_id: participant.scoringRaceId,
      entry_bib: participant.bib,
      athlete_first_name: participant.firstName,
      athlete_last_name: participant.lastName,
      athlete_sex: participant.gender,
      location_city: participant.city,
      location_region: participant.region,
      location_country: participant.country,
      team_name: participant.team,
    };
    return Object.fromEntries(
      Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
  },
  /**
   * UNVERIFIED: the answer. Read like `GET /entry/{id}` (`{ entry: {...} }`), or an `event_entry`
   * list, or a bare entry; its `entry_id` is the entry's id. An update may answer without one.
   */
  answer: z
    .union([
      z.object({
        entry: z.union([z.object({ entry_id: ctId }), z.array(z.object({ entry_id: ctId })).min(1)]),
      }),
      z.object({ event_entry: z.array(z.object({ entry_id: ctId })).min(1) }),
      z.object({ entry_id: ctId }),
      z.object({}),
    ])
    .transform((body): string | undefined => {
      if ("entry_id" in body) return body.entry_id;
      if ("event_entry" in body) return body.event_entry[0]?.entry_id;
      if ("entry" in body) return Array.isArray(body.entry) ? body.entry[0]?.entry_id : body.entry.entry_id;
      return undefined;
    }),
};

/** What Pacer keeps of a pushed participant: the entry it became. */
export function entryLinkEntity(participantId: string, eventId: string, entryId: string): Entity {
  return { type: ENTRY_LINKS, id: participantId, data: { participantId, eventId, entryId } };
}

/** The entry id a stored link holds, if it is one of this event's. */
export function linkedEntryId(link: Entity | undefined, eventId: string): string | undefined {
  const { eventId: linkedEvent, entryId } = link?.data ?? {};
  return linkedEvent === eventId && typeof entryId === "string" && /^\d+$/.test(entryId)
    ? entryId
    : undefined;
}

/** A stored `participants` record as Pacer wrote it; one off this shape is not pushed blindly. */
export const scoringParticipantSchema = z.object({
  participantId: z.string().min(1),
  scoringEventId: z.string().min(1),
  scoringRaceId: z.string().optional(),
  firstName: z.string(),
  lastName: z.string(),
  email: z.string().optional(),
  birthDate: z.string().optional(),
  gender: z.enum(["M", "F", "X"]).optional(),
  bib: z.string().optional(),
  chip: z.string().optional(),
  city: z.string().optional(),
  region: z.string().optional(),
  country: z.string().optional(),
  team: z.string().optional(),
}) satisfies z.ZodType<ScoringParticipant>;
