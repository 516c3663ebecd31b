import {
  type Gender,
  RACE_ENTITY,
  type RaceEvent,
  type Registrant,
  registrantId,
} from "#providers/race/shapes.ts";
import type { Entity } from "#providers/types.ts";
import type { RsuParticipant, RsuRace, RsuRemovedParticipant } from "./schemas.ts";
import { zonedIso } from "./time.ts";

/**
 * Every RunSignUp field mapping, in one place (shared/providers/runsignup.md). Entity ids:
 * `events` by event_id, `registrants` by `registrantId(event_id, registration_id)`.
 *
 * Verified against RunSignUp's docs and two clients' fixtures: the race object and its events,
 * participant rows and their `user`. UNVERIFIED fields are marked where they are read.
 */

/** A race's events, each with the race's name and timezone; times carry the zone's offset. */
export function eventEntities(race: RsuRace): Entity[] {
  const raceName = decodedName(race.name);
  const timezone = present(race.timezone);
  return (race.events ?? []).map((event) => {
    const data: RaceEvent = {
      eventId: String(event.event_id),
      raceId: String(race.race_id),
      name: event.name.trim(),
      raceName,
      startsAt: timeIn(event.start_time, timezone),
      endsAt: timeIn(event.end_time, timezone),
      timezone,
      distance: present(event.distance),
    };
    return { type: RACE_ENTITY.events, id: data.eventId, data: compact(data) };
  });
}

/**
 * A registration of `GET …/participants`. The row's own event_id wins; the element's event (or
 * the event asked for) stands in where a row has none.
 */
export function registrantEntity(row: RsuParticipant, fallbackEventId: string): Entity {
  return registrant({
    registrationId: String(row.registration_id),
    eventId: row.event_id == null ? fallbackEventId : String(row.event_id),
    ...personOf(row.user),
    bib: text(row.bib_num),
    chip: text(row.chip_num),
    team: present(row.team_name),
    modifiedAt: isoFromUnix(row.last_modified),
  });
}

/**
 * A registration of `GET …/removed-participants` (cleared, removed, transferred or deferred):
 * kept as a cancelled registrant, so the unified list sees it go. Its event is the element's.
 */
export function removedRegistrantEntity(row: RsuRemovedParticipant, eventId: string): Entity {
  return registrant({
    registrationId: String(row.registration_id),
    eventId,
    ...personOf(row.user),
    cancelled: true,
    modifiedAt: isoFromUnix(row.last_modified_ts),
  });
}

function registrant(data: Registrant): Entity {
  return {
    type: RACE_ENTITY.registrants,
    id: registrantId(data.eventId, data.registrationId),
    data: compact(data),
  };
}

type Person = Pick<
  Registrant,
  "firstName" | "lastName" | "email" | "birthDate" | "gender" | "city" | "region" | "country"
>;

function personOf(user: RsuParticipant["user"]): Person {
  if (user == null) return {};
  return {
    firstName: present(user.first_name),
    lastName: present(user.last_name),
    email: present(user.email),
    birthDate: birthDateOf(user.dob),
    gender: genderOf(user.gender),
    city: present(user.address?.city),
    region: present(user.address?.state),
    country: present(user.address?.country_code),
  };
}

/**
 * "M"/"F" as they are. UNVERIFIED: the facts say other values are possible without naming them;
 * "X" (non-binary, as RunSignUp's registration form offers it) is read as X, anything else is
 * left out rather than guessed.
 */
function genderOf(code: string | null | undefined): Gender | undefined {
  const upper = code?.trim().toUpperCase();
  return upper === "M" || upper === "F" || upper === "X" ? upper : undefined;
}

/** "YYYY-MM-DD" (a longer "YYYY-MM-DD HH:MM:SS" is cut to its date); anything else is left out. */
function birthDateOf(dob: string | null | undefined): string | undefined {
  const date = /^(\d{4}-\d{2}-\d{2})/.exec(dob?.trim() ?? "")?.[1];
  return date === undefined || date === "0000-00-00" ? undefined : date;
}

function timeIn(wallClock: string | null | undefined, timezone: string | undefined): string | undefined {
  const value = present(wallClock);
  // Without a zone the wall clock names no instant: better absent than off by hours.
  return value === undefined || timezone === undefined ? undefined : zonedIso(value, timezone);
}

function isoFromUnix(seconds: number | null | undefined): string | undefined {
  return seconds == null || seconds <= 0 ? undefined : new Date(seconds * 1_000).toISOString();
}

/** UNVERIFIED: the facts say race names "may arrive URL-encoded" (one client decodes them). */
function decodedName(name: string): string {
  const trimmed = name.trim();
  if (!/%[0-9A-Fa-f]{2}/.test(trimmed)) return trimmed;
  try {
    return decodeURIComponent(trimmed.replace(/\+/g, " "));
  } catch {
    return trimmed;
  }
}

/** A bib as an int or a string, a chip as a string: both as trimmed strings. */
function text(value: string | number | null | undefined): string | undefined {
  return value == null ? undefined : present(String(value));
}

/** The record without its absent fields: a field the provider did not send is not stored as null. */
function compact<T extends object>(record: T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

function present(value: string | null | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === "" ? undefined : trimmed;
}
