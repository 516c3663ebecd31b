import { z } from "zod";

/**
 * The Haku payloads Pacer reads, as one integrator's adapter parses them (shared/providers/haku.md,
 * confidence LOW). Every field but the keys is `.nullish()`: the adapter reads them all with
 * defaults. Objects are plain (not loose), so a field not listed here is dropped and never stored.
 * UNVERIFIED: every field name below (the adapter's, never a Haku document's); which of them
 * Pacer maps, and what else is assumed, is in ./mapping.ts and ./README.md.
 */

const str = z.string().nullish();
const bool = z.boolean().nullish();
/** An id or amount the adapter reads as a string but that JSON may carry as a number. */
const text = z.union([z.string(), z.number()]).transform(String);
const textish = text.nullish();

/** `POST /oauth2/token` (Cognito's standard shape). */
export const tokenSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().positive().nullish(),
  token_type: str,
});

/** One element of `GET /events`. */
export const eventSchema = z.object({
  id: text,
  name: str,
  event_date: str,
  event_end_date: str,
  distance: textish,
  status: str,
});
export type HakuEvent = z.output<typeof eventSchema>;

const team = z.object({ name: str }).nullish();

/** One element of `GET /events/{id}/participants`: a summary, without bib, chip or birth date. */
export const summarySchema = z.object({
  registration_number: text,
  person_full_name: str,
  email: str,
  age: z.number().nullish(),
  gender: str,
  registered_at: str,
  is_cancelled: bool,
  transaction_amount: textish,
  team,
  /** Shape unknown (the adapter passes it on as is): kept only inside the summary's digest. */
  event_category_info: z.unknown().optional(),
});
export type HakuSummary = z.output<typeof summarySchema>;

const address = z
  .object({ line1: str, line2: str, city: str, state: str, zip_code: textish, country: str })
  .nullish();

/** `GET /events/{id}/registrations/{registration_number}`: the fields Pacer maps, nothing more. */
export const registrationSchema = z.object({
  registration_number: text,
  updated_at: str,
  is_cancelled: bool,
  team,
  participant: z
    .object({
      first_name: str,
      last_name: str,
      middle_initial: str,
      email: str,
      dob: str,
      gender: str,
      address,
    })
    .nullish(),
  event_categories: z
    .array(z.object({ id: textish, name: str, is_active: bool, tag_number: textish, chip_number: textish }))
    .nullish(),
});
export type HakuRegistration = z.output<typeof registrationSchema>;
