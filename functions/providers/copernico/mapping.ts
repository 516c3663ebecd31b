import { ProviderMalformedError } from "#core/errors.ts";
import { type Gender, type ResultRow, resultId } from "#providers/race/shapes.ts";
import type { Entity } from "#providers/types.ts";
import type { CopernicoSettings, PresetField } from "./definition.ts";
import { repairMojibake } from "./mojibake.ts";
import type { PresetRow, StoredParticipant } from "./schemas.ts";

/**
 * Every Copernico field mapping, in one place (shared/providers/copernico.md). A user with access
 * to the real API corrects a field here; preset columns can also be set per connection
 * (`settings.presetColumns`) without a code change.
 */

// ---------------------------------------------------------------------------------------------
// The registration push (official Academy page): a JSON array of these.

/** One element of the `POST /race-registrations/{raceId}` body: the documented fields only. */
export interface Registration {
  /** Pacer's participant id: Copernico's create-or-update key. */
  readonly id: string;
  readonly name: string;
  readonly surname: string;
  /** YYYY-MM-DD. */
  readonly birthdate?: string;
  /** UNVERIFIED: the page says "bib" without a type; sent as the string Pacer holds. */
  readonly dorsal?: string;
  readonly gender?: "male" | "female" | "mixed";
  /** The Sportmaniacs race UUID. */
  readonly raceId: string;
  /** The event (distance) UUID; absent lets the athlete choose it in the app. */
  readonly eventId?: string;
  /** An extra field the page names as an example ("club"): Pacer's team. */
  readonly club?: string;
}

/**
 * Copernico's gender words. Its vocabulary has no value for a non-binary runner: X is sent as
 * "mixed", its only word that is neither male nor female. UNVERIFIED: whether Copernico ranks a
 * "mixed" individual apart or treats the word as meant for teams only; change `X` here if not.
 */
const GENDER_OUT: Readonly<Record<Gender, Registration["gender"]>> = { M: "male", F: "female", X: "mixed" };

const BIRTHDATE = /^\d{4}-\d{2}-\d{2}$/;

/** The registration Copernico is sent for a stored participant. */
export function registrationOf(participant: StoredParticipant): Registration {
  return withoutAbsent({
    id: participant.participantId,
    name: participant.firstName,
    surname: participant.lastName,
    // The page asks for "YYYY-MM-DD": a date in any other form is left out, not sent malformed.
    birthdate:
      participant.birthDate !== undefined && BIRTHDATE.test(participant.birthDate)
        ? participant.birthDate
        : undefined,
    dorsal: participant.bib,
    gender: participant.gender === undefined ? undefined : GENDER_OUT[participant.gender],
    raceId: participant.scoringEventId,
    eventId: participant.scoringRaceId,
    club: participant.team,
  });
}

// ---------------------------------------------------------------------------------------------
// The preset export (official wiki): rows keyed by the preset's columns.

/**
 * Which preset column holds which ResultRow field: the keys one integration's preset had.
 * UNVERIFIED: another preset names its columns otherwise (the facts say not to hard-code them);
 * a connection overrides any of them with `settings.presetColumns`.
 * `official` is the gun time, `real` the net (chip) time; `full-1` the full-distance ranking.
 */
export const PRESET_COLUMNS: Readonly<Partial<Record<PresetField, string>>> = {
  bib: "dorsal",
  firstName: "name",
  lastName: "surname",
  gender: "gender",
  category: "category",
  status: "status",
  gunTimeMs: "times.official_:::finish:::",
  chipTimeMs: "times.real_:::finish:::",
  place: "rankings_:::full-1:::",
  genderPlace: "rankings.gen_:::full-1:::",
  categoryPlace: "rankings.cat_:::full-1:::",
};

/** The column table a connection reads its rows with: the defaults, its own columns over them. */
export function presetColumnsOf(settings: CopernicoSettings): Readonly<Partial<Record<PresetField, string>>> {
  return { ...PRESET_COLUMNS, ...settings.presetColumns };
}

/** UNVERIFIED: the export's gender words; the push's male/female/mixed, and their initials. */
const GENDER_IN: Readonly<Record<string, Gender>> = {
  male: "M",
  m: "M",
  female: "F",
  f: "F",
  mixed: "X",
  x: "X",
};

/** Where the rows came from, for entity ids and error messages. */
export interface ExportSource {
  /** The Copernico race slug. */
  readonly raceId: string;
  readonly eventName: string;
  /** How errors name the call, e.g. "Copernico /races/…". */
  readonly label: string;
}

/**
 * The export's rows as `results` entities, id `resultId(raceSlug, bib)`. UNVERIFIED: that a
 * dorsal is unique within a Copernico race (it is the chip assignment there). Copernico says
 * nothing of preliminary results, so every row is `preliminary: false`. A repeated dorsal: the
 * last row wins.
 */
export function resultEntities(
  rows: readonly PresetRow[],
  columns: Readonly<Partial<Record<PresetField, string>>>,
  source: ExportSource,
): Entity[] {
  const entities = rows.map((row, index): Entity => {
    const result = resultOf(row, columns, source, index);
    if (result.bib === undefined)
      throw new ProviderMalformedError(
        `${source.label}: row ${index} of ${rows.length} has no bib in column "${columns.bib}"; ` +
          "add the dorsal to the preset, or set presetColumns.bib to the column that holds it",
      );
    return { type: "results", id: resultId(source.raceId, result.bib), data: { ...result } };
  });
  return [...new Map(entities.map((entity) => [entity.id, entity])).values()];
}

function resultOf(
  row: PresetRow,
  columns: Readonly<Partial<Record<PresetField, string>>>,
  source: ExportSource,
  index: number,
): ResultRow {
  const read = (field: PresetField) => {
    const key = columns[field];
    return key === undefined ? undefined : columnValue(row, key);
  };
  const fail = (field: PresetField, expected: string): never => {
    throw new ProviderMalformedError(
      `${source.label}: row ${index}, column "${columns[field]}" (${field}) is not ${expected}; ` +
        `if the preset names its columns otherwise, set presetColumns.${field}`,
    );
  };
  const text = (field: PresetField) => textOf(read(field), () => fail(field, "text"));
  const count = (field: PresetField) => countOf(read(field), () => fail(field, "a whole number"));
  const time = (field: PresetField) => countOf(read(field), () => fail(field, "milliseconds"));
  const gender = text("gender");
  return withoutAbsent<ResultRow>({
    eventId: source.raceId,
    raceName: source.eventName,
    bib: text("bib"),
    entryId: text("entryId"),
    participantId: text("participantId"),
    firstName: text("firstName"),
    lastName: text("lastName"),
    gender: gender === undefined ? undefined : GENDER_IN[gender.toLowerCase()],
    age: count("age"),
    category: text("category"),
    place: count("place"),
    genderPlace: count("genderPlace"),
    categoryPlace: count("categoryPlace"),
    gunTimeMs: time("gunTimeMs"),
    chipTimeMs: time("chipTimeMs"),
    status: text("status"),
    preliminary: false,
  });
}

/**
 * A column's value: the row's own key (flat, as the integration's rows had them), else, for a
 * dotted key, the same path into nested objects. UNVERIFIED: which of the two Copernico sends.
 */
function columnValue(row: PresetRow, key: string): unknown {
  if (Object.hasOwn(row, key)) return row[key];
  let value: unknown = row;
  for (const part of key.split(".")) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Trimmed, repaired text; a number (a dorsal) as its digits; empty is absent. */
function textOf(value: unknown, fail: () => never): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value !== "string") return fail();
  const text = repairMojibake(value).trim();
  return text === "" ? undefined : text;
}

/**
 * A non-negative whole number (a place, an age, a time in ms), from a number or its digits; 0
 * and empty are absent (an unranked runner, a time not taken).
 */
function countOf(value: unknown, fail: () => never): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const number = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof number !== "number" || !Number.isFinite(number) || number < 0) return fail();
  const whole = Math.round(number);
  return whole === 0 ? undefined : whole;
}

/** Absent fields left out, so a stored record has no `undefined` keys to hash. */
function withoutAbsent<T extends object>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as T;
}
