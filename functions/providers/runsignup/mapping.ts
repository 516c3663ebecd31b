import {
  type Gender,
  RACE_ENTITY,
  type RaceEvent,
  type Registrant,
  registrantId,
} from "#providers/race/shapes.ts";
import type { Entity } from "#providers/types.ts";
import type { RsuParticipant, RsuRace, RsuRemovedParticipant, StoredPublishedResult } from "./schemas.ts";
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

/**
 * A row of `POST …/results/full-results`, in the field names get-results answers with (the page
 * asks for "identical" names). Matched to the registration by `registration_id` (and `bib_num`
 * where Pacer knows it); no name or other participant field is sent, as the page urges: RunSignUp
 * keeps its own. UNVERIFIED: the rows' envelope, `{"results": [row, …]}` (publish.ts), which the
 * page read does not show. Gender and category places are not sent: RunSignUp computes division
 * placements itself unless its divisions are set up for hard-coded ones first.
 */
export interface RsuResultRow {
  readonly registration_id: number;
  readonly bib_num?: number | string;
  readonly place?: number;
  readonly clock_time?: string;
  readonly chip_time?: string;
}

/** Statuses RunSignUp takes in place of a time ("DQ", "DNS", "DNF", "DNQ"), by Pacer's lower case. */
const NON_FINISH: Readonly<Record<string, string>> = { dnf: "DNF", dns: "DNS", dq: "DQ", dnq: "DNQ" };

export function resultRow(result: StoredPublishedResult): RsuResultRow {
  const bib = present(result.bib);
  const base = {
    registration_id: Number(result.registrationId),
    // RunSignUp's bibs are ints; one Pacer holds with letters goes as it is.
    ...(bib !== undefined && { bib_num: /^\d{1,9}$/.test(bib) ? Number(bib) : bib }),
  };
  const status = NON_FINISH[result.status?.trim().toLowerCase() ?? ""];
  // A runner who did not finish has no place and no time: the status stands in the clock time.
  if (status !== undefined) return { ...base, clock_time: status };
  return {
    ...base,
    ...(result.place != null && { place: result.place }),
    ...(result.gunTimeMs != null && { clock_time: raceTime(result.gunTimeMs) }),
    ...(result.chipTimeMs != null && { chip_time: raceTime(result.chipTimeMs) }),
  };
}

/**
 * A time as "H:MM:SS.s", hours unpadded, always with tenths: one form whatever the length, after
 * the "hhh:mm:ss.s" RunSignUp documents for posted virtual results (get-results shows "1:13:12"
 * and "21:53.15"; a form with hours leaves no doubt which field is minutes). Hundredths are cut,
 * not rounded: a time never gains a tenth it was not given.
 */
export function raceTime(ms: number): string {
  const tenths = Math.floor(ms / 100);
  const seconds = Math.floor(tenths / 10);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${Math.floor(seconds / 3_600)}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}.${tenths % 10}`;
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
