import { z } from "zod";

/**
 * The ChronoTrack payloads Pacer reads, as far as the facts know them (shared/providers/chronotrack.md):
 * only the keys public clients read, every one optional but the ids. ChronoTrack sends numbers,
 * times and flags as strings as often as not, so every scalar is a string or a number here and
 * ./mapping.ts reads it defensively. Objects are plain: a key not listed is dropped.
 */

/** A value ChronoTrack may send as a string or a number (or null, or not at all). */
const scalar = z.union([z.string(), z.number()]).nullish();
/** An id: digits, as a string or a number; read as a string. */
export const ctId = z
  .union([z.string().regex(/^\d{1,20}$/, "expected digits"), z.number().int().nonnegative()])
  .transform(String);

export const eventSchema = z.object({
  event_id: ctId,
  event_name: scalar,
  /** Unix seconds. */
  event_start_time: scalar,
  event_end_time: scalar,
});
export type CtEvent = z.output<typeof eventSchema>;

export const raceSchema = z.object({
  race_id: ctId,
  race_name: scalar,
  race_course_distance: scalar,
  race_pref_distance_unit: scalar,
  /** Unix seconds, as are the other times. */
  race_planned_start_time: scalar,
  race_planned_end_time: scalar,
  race_actual_end_time: scalar,
});
export type CtRace = z.output<typeof raceSchema>;

export const resultRowSchema = z.object({
  // Confirmed by two or more independent clients.
  results_bib: scalar,
  results_first_name: scalar,
  results_last_name: scalar,
  /** Net (chip) time, "HH:MM:SS.s". */
  results_time: scalar,
  results_gun_time: scalar,
  results_rank: scalar,
  results_race_name: scalar,
  results_race_id: scalar,
  results_primary_bracket_name: scalar,
  // Seen in one client family only.
  results_entry_id: scalar,
  results_gender_rank: scalar,
  results_bracket_rank: scalar,
  results_primary_bracket_rank: scalar,
  results_age: scalar,
  results_sex: scalar,
});
export type CtResultRow = z.output<typeof resultRowSchema>;

/**
 * A body `{ <wrapper>: [rows] }`. A single row where a list was expected is read as a list of one
 * (clients disagree on whether a one-row answer is an array).
 */
export function wrappedList<T extends z.ZodType>(wrapper: string, row: T) {
  return z
    .object({ [wrapper]: z.union([z.array(z.unknown()), z.record(z.string(), z.unknown())]) })
    .transform((body) => {
      const value = body[wrapper];
      return Array.isArray(value) ? value : [value];
    })
    .pipe(z.array(row));
}

/** A body `{ <wrapper>: row }`; a one-element array is read as its element. */
export function wrappedOne<T extends z.ZodType>(wrapper: string, row: T) {
  return z
    .object({ [wrapper]: z.unknown() })
    .transform((body) => {
      const value = body[wrapper];
      return Array.isArray(value) && value.length === 1 ? value[0] : value;
    })
    .pipe(row);
}
