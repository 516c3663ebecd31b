import { createHash } from "node:crypto";
import {
  type Gender,
  RACE_ENTITY,
  type RaceEvent,
  type Registrant,
  registrantId,
} from "#providers/race/shapes.ts";
import type { Entity } from "#providers/types.ts";
import type { HakuEvent, HakuRegistration, HakuSummary } from "./schemas.ts";

/**
 * Every Haku field mapping, in one place (shared/providers/haku.md, confidence LOW). All field
 * names come from one integrator's adapter; none is confirmed by a Haku document. What is assumed
 * beyond the names is marked `UNVERIFIED` below and listed in ./README.md.
 */

/** Where Pacer keeps the digest of the summary a registrant was last mapped from (see ./README.md). */
export const SUMMARY_ENTITY = "registrationSummaries";

/** `events`: one Haku event as a RaceEvent. */
export function eventEntity(event: HakuEvent): Entity {
  const data: RaceEvent = compact({
    eventId: event.id,
    // UNVERIFIED: the adapter defaults a missing name; Pacer falls back to the id, never a guess.
    name: clean(event.name) ?? event.id,
    startsAt: isoDateTime(event.event_date),
    endsAt: isoDateTime(event.event_end_date),
    // UNVERIFIED: `distance` is "partly guessed" in the adapter; passed on as Haku words it.
    distance: clean(event.distance),
  });
  return { type: RACE_ENTITY.events, id: event.id, data };
}

/** `registrants`: a registration from its detail call (the only source of bib, chip and dob). */
export function registrantFromDetail(
  eventId: string,
  detail: HakuRegistration,
  summary: HakuSummary,
): Registrant {
  const person = detail.participant;
  const category = categoryOf(detail);
  return compact({
    registrationId: detail.registration_number,
    eventId,
    firstName: clean(person?.first_name),
    lastName: clean(person?.last_name),
    email: clean(person?.email) ?? clean(summary.email),
    birthDate: isoDate(person?.dob),
    gender: genderOf(person?.gender) ?? genderOf(summary.gender),
    // The bib and chip live on the registration's event category (the adapter's `tag_number`).
    bib: clean(category?.tag_number),
    chip: clean(category?.chip_number),
    city: clean(person?.address?.city),
    region: clean(person?.address?.state),
    // UNVERIFIED: whether `country` is ISO alpha-2, alpha-3 or a name is not known.
    country: clean(person?.address?.country),
    team: clean(detail.team?.name) ?? clean(summary.team?.name),
    cancelled: (detail.is_cancelled ?? summary.is_cancelled) === true,
    modifiedAt: isoDateTime(detail.updated_at),
  });
}

/**
 * `registrants`: a cancelled registration from its summary alone (no detail call for it). What an
 * earlier detail gave (bib, birth date, the split names) is kept; the full name is split only
 * when nothing better is stored.
 */
export function registrantFromSummary(
  eventId: string,
  summary: HakuSummary,
  stored?: Registrant,
): Registrant {
  const [firstName, lastName] =
    stored?.firstName !== undefined || stored?.lastName !== undefined
      ? [stored.firstName, stored.lastName]
      : splitFullName(summary.person_full_name);
  return compact({
    ...stored,
    registrationId: summary.registration_number,
    eventId,
    firstName,
    lastName,
    email: clean(summary.email) ?? stored?.email,
    gender: genderOf(summary.gender) ?? stored?.gender,
    team: clean(summary.team?.name) ?? stored?.team,
    cancelled: summary.is_cancelled === true,
  });
}

export function registrantEntity(registrant: Registrant): Entity {
  return {
    type: RACE_ENTITY.registrants,
    id: registrantId(registrant.eventId, registrant.registrationId),
    data: registrant,
  };
}

/** The stored registrant a sync wrote earlier, if the record still reads as one. */
export function storedRegistrant(
  data: Readonly<Record<string, unknown>> | undefined,
): Registrant | undefined {
  if (data === undefined || typeof data.registrationId !== "string" || typeof data.eventId !== "string")
    return undefined;
  return data as unknown as Registrant;
}

/**
 * A digest of everything a summary says, so an unchanged registration costs no detail call. The
 * list carries no `updated_at`, so this is the only change signal Pacer has without a detail call.
 */
export function summaryDigest(summary: HakuSummary): string {
  return createHash("sha256").update(stableJson(summary)).digest("hex").slice(0, 32);
}

export function summaryEntity(eventId: string, summary: HakuSummary): Entity {
  const registrationId = summary.registration_number;
  return {
    type: SUMMARY_ENTITY,
    id: registrantId(eventId, registrationId),
    data: { eventId, registrationId, digest: summaryDigest(summary) },
  };
}

/**
 * UNVERIFIED: which category holds the bib when a registration has several; Pacer takes the first
 * active one that has a tag number, else the first with one, else the first.
 */
function categoryOf(detail: HakuRegistration) {
  const categories = detail.event_categories ?? [];
  return (
    categories.find((c) => c.is_active !== false && clean(c.tag_number) !== undefined) ??
    categories.find((c) => clean(c.tag_number) !== undefined) ??
    categories[0]
  );
}

/** UNVERIFIED: Haku's gender vocabulary is unknown; both codes and words are read. */
export function genderOf(value: string | null | undefined): Gender | undefined {
  const word = clean(value)?.toLowerCase();
  if (word === undefined) return undefined;
  if (word === "m" || word === "male" || word === "man") return "M";
  if (word === "f" || word === "female" || word === "woman") return "F";
  if (["x", "nonbinary", "non-binary", "non binary", "other"].includes(word)) return "X";
  return undefined;
}

/** The adapter splits `person_full_name` at its first space: "Mary Ann Lee" is "Mary" + "Ann Lee". */
export function splitFullName(full: string | null | undefined): [string | undefined, string | undefined] {
  const name = clean(full)?.replace(/\s+/g, " ");
  if (name === undefined) return [undefined, undefined];
  const space = name.indexOf(" ");
  return space === -1 ? [name, undefined] : [name.slice(0, space), name.slice(space + 1)];
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const NAIVE = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)$/;
const ZONED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * A Haku datetime as ISO 8601 UTC, in the formats the adapter tries: `2026-05-02 08:00:00`, ISO
 * with `T` with or without `Z` (or an offset), and a bare date. Anything else is left out.
 * UNVERIFIED: times without a zone are read as UTC (Haku's own zone for them is unknown), and a
 * bare date as its midnight UTC.
 */
export function isoDateTime(value: string | null | undefined): string | undefined {
  const text = clean(value);
  if (text === undefined) return undefined;
  let ms = Number.NaN;
  if (ZONED.test(text)) ms = Date.parse(text);
  else if (DATE.test(text)) ms = Date.parse(`${text}T00:00:00Z`);
  else {
    const naive = NAIVE.exec(text);
    if (naive) ms = Date.parse(`${naive[1]}T${naive[2]}Z`);
  }
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** A birth date as YYYY-MM-DD: the calendar date as written, never shifted by a zone. */
export function isoDate(value: string | null | undefined): string | undefined {
  const date = /^(\d{4})-(\d{2})-(\d{2})(?:$|[ T])/.exec(clean(value) ?? "");
  if (!date) return undefined;
  const [, y, m, d] = date;
  const valid = new Date(`${y}-${m}-${d}T00:00:00Z`);
  return Number.isNaN(valid.getTime()) || valid.getUTCDate() !== Number(d) ? undefined : `${y}-${m}-${d}`;
}

/** Trimmed, and absent when empty. */
function clean(value: string | null | undefined): string | undefined {
  const text = value?.trim();
  return text === undefined || text === "" ? undefined : text;
}

/** Leaves absent values out, so a record holds only what Haku said. */
function compact<T extends object>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as T;
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}
