import { ProviderMalformedError } from "#core/errors.ts";
import {
  type Gender,
  RACE_ENTITY,
  type RaceEvent,
  type Registrant,
  registrantId,
} from "#providers/race/shapes.ts";
import type { Entity } from "#providers/types.ts";
import type { RrEvent, SubEvent } from "./schemas.ts";

/**
 * Every Race Roster mapping, in one place. Events follow the connector seen in client code
 * (verified field names); participants follow NO verified source: the path comes from one client,
 * everything else is assumed. A user with access corrects the participants API here, in
 * PARTICIPANTS_API and PARTICIPANT_FIELDS, and nowhere else.
 */

/** A Race Roster event is a race; each sub-event (a distance) is a Pacer event `<eventId>.<subEventId>`. */
export const subEventKey = (eventId: string, subEventId: string): string => `${eventId}.${subEventId}`;

/** The parent Race Roster eventId of a stored `events` entity. */
export function parentEventId(entity: Entity): string | undefined {
  const raceId = entity.data.raceId;
  if (typeof raceId === "string" && /^\d+$/.test(raceId)) return raceId;
  const head = entity.id.split(".")[0] ?? "";
  return /^\d+$/.test(head) ? head : undefined;
}

/** One `events` entity per sub-event; an event without sub-events has nothing to register for. */
export function eventEntities(event: RrEvent): Entity[] {
  return (event.subEvents?.data ?? []).map((subEvent) => {
    const distance = distanceOf(subEvent);
    const data: RaceEvent = {
      eventId: subEventKey(event.eventId, subEvent.subEventId),
      raceId: event.eventId,
      name: subEvent.name,
      raceName: event.name,
      ...(event.startDate ? { startsAt: event.startDate } : {}),
      ...(distance !== undefined && { distance }),
    };
    return { type: RACE_ENTITY.events, id: data.eventId, data: { ...data } };
  });
}

/** "10 km" from distance + distanceType, else the metres of `subEventDistance`. */
function distanceOf(subEvent: SubEvent): string | undefined {
  const { distance, distanceType, subEventDistance } = subEvent;
  if (distance !== null && distance !== undefined && String(distance).trim() !== "")
    return distanceType ? `${distance} ${distanceType}` : String(distance);
  const metres = subEventDistance?.inMeters;
  return typeof metres === "number" ? `${metres} m` : undefined;
}

// ---------------------------------------------------------------------------------------------
// Participants: UNVERIFIED throughout (shared/providers/raceroster.md, "what is NOT known").
// ---------------------------------------------------------------------------------------------

/** How the participants list is asked for and where its rows are. */
export const PARTICIPANTS_API = {
  // Path seen in one client project (which reads a top-level `metadata` key); nothing else known.
  path: (eventId: string) => `/events/${eventId}/participants`,
  // UNVERIFIED: offset/limit paging assumed by analogy with `GET /events`.
  offsetParam: "offset",
  limitParam: "limit",
  // UNVERIFIED: the largest page Race Roster serves is unknown; the fake refuses above 100.
  pageSize: 100,
  // UNVERIFIED: the row key is unknown; `data` as on every other v1 answer.
  rowsKey: "data",
} as const;

/**
 * Registrant field ← the participant row's field names, tried in order (camelCase as on events).
 * Correct a name here when the real payload is known.
 */
export const PARTICIPANT_FIELDS = {
  // UNVERIFIED: the row's own id; either name may be the one Race Roster uses.
  registrationId: ["registrationId", "participantId"],
  // UNVERIFIED: which sub-event (distance) the participant registered for.
  subEventId: ["subEventId"],
  // UNVERIFIED
  firstName: ["firstName"],
  // UNVERIFIED
  lastName: ["lastName"],
  // UNVERIFIED
  email: ["email"],
  // UNVERIFIED: a date "YYYY-MM-DD" or an ISO datetime; only the date part is kept.
  birthDate: ["dateOfBirth"],
  // UNVERIFIED name; the integer codes are documented (GENDER_CODES).
  gender: ["gender"],
  // UNVERIFIED
  bib: ["bibNumber"],
  // UNVERIFIED
  city: ["city"],
  // UNVERIFIED: Canadian and US addresses; either name may be the one used.
  region: ["province", "state"],
  // UNVERIFIED: a code string, or an object `{code}` as on events.
  country: ["country"],
  // UNVERIFIED: a status word; CANCELLED_STATUSES are the words read as cancelled.
  status: ["status"],
  // UNVERIFIED: a boolean flag.
  cancelled: ["cancelled"],
  // UNVERIFIED: ISO 8601.
  modifiedAt: ["updatedAt"],
} as const satisfies Record<string, readonly string[]>;

/** UNVERIFIED: status words that mean the registration no longer runs. */
export const CANCELLED_STATUSES: ReadonlySet<string> = new Set([
  "cancelled",
  "canceled",
  "refunded",
  "transferred",
  "deferred",
  "deleted",
]);

/**
 * Documented: 0 prefer not to disclose, 1 male, 2 female, 8 Co-Ed (a team, not a person),
 * 9 non-binary. Codes 0 and 8 say nothing about a runner's gender, so they map to none.
 */
export const GENDER_CODES: Readonly<Record<number, Gender | undefined>> = {
  0: undefined,
  1: "M",
  2: "F",
  8: undefined,
  9: "X",
};

type Field = keyof typeof PARTICIPANT_FIELDS;
type Row = Readonly<Record<string, unknown>>;

/** The first value the table's names find in the row, if any. */
function fieldValue(row: Row, field: Field): unknown {
  for (const name of PARTICIPANT_FIELDS[field]) {
    const value = row[name];
    if (value !== undefined && value !== null) return value;
  }
  return undefined;
}

/** A trimmed, non-empty string (numbers as digits: a bib may come either way). */
function text(row: Row, field: Field): string | undefined {
  const value = fieldValue(row, field);
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

function genderOf(row: Row): Gender | undefined {
  const value = fieldValue(row, "gender");
  const code = typeof value === "string" && /^\d$/.test(value.trim()) ? Number(value) : value;
  return typeof code === "number" ? GENDER_CODES[code] : undefined;
}

function countryOf(row: Row): string | undefined {
  const value = fieldValue(row, "country");
  if (typeof value === "object" && value !== null) {
    const code = (value as Row).code;
    return typeof code === "string" && code.trim() !== "" ? code.trim() : undefined;
  }
  return text(row, "country");
}

function birthDateOf(row: Row): string | undefined {
  return /^(\d{4}-\d{2}-\d{2})/.exec(text(row, "birthDate") ?? "")?.[1];
}

function cancelledOf(row: Row): boolean {
  if (fieldValue(row, "cancelled") === true) return true;
  return CANCELLED_STATUSES.has((text(row, "status") ?? "").toLowerCase());
}

/**
 * One participant row of `eventId` as a `registrants` entity, its event `<eventId>.<subEventId>`
 * (the parent event alone when the row names no sub-event). A row without an id is malformed:
 * storing it under a made-up key would look like a registration Race Roster never had.
 */
export function registrantEntity(eventId: string, row: Row, where: string): Entity {
  const registrationId = text(row, "registrationId");
  if (registrationId === undefined)
    throw new ProviderMalformedError(
      `${where} has no ${PARTICIPANT_FIELDS.registrationId.join(" or ")} (the participant shape is unverified: see functions/providers/raceroster/mapping.ts)`,
    );
  const subEventId = text(row, "subEventId");
  const registrant: Registrant = {
    registrationId,
    eventId: subEventId === undefined ? eventId : subEventKey(eventId, subEventId),
    ...optional("firstName", text(row, "firstName")),
    ...optional("lastName", text(row, "lastName")),
    ...optional("email", text(row, "email")),
    ...optional("birthDate", birthDateOf(row)),
    ...optional("gender", genderOf(row)),
    ...optional("bib", text(row, "bib")),
    ...optional("city", text(row, "city")),
    ...optional("region", text(row, "region")),
    ...optional("country", countryOf(row)),
    ...(cancelledOf(row) && { cancelled: true }),
    ...optional("modifiedAt", text(row, "modifiedAt")),
  };
  return {
    type: RACE_ENTITY.registrants,
    id: registrantId(registrant.eventId, registrationId),
    data: { ...registrant },
  };
}

/** `{key: value}` when there is a value: stored records carry no undefined keys. */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
