import { z } from "zod";

/**
 * The Race Roster payloads Pacer reads, as far as client code shows them
 * (shared/providers/raceroster.md). Objects are plain, not loose: an unlisted field is dropped.
 * Participant rows are read through the field table in ./mapping.ts, not here, because their
 * field names are unverified and must be correctable in one place.
 */

const str = z.string().nullish();
const num = z.number().nullish();
/** An id a client reads as a number; accepted as digits in a string too. */
const id = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]).transform(String);

/**
 * The token answer: a bare `{access_token, …}`, or the envelope `{data: {…}}` / `{data: [{…}]}`
 * both client projects unwrap (the facts: expect the envelope).
 */
const token = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().positive().nullish(),
  token_type: str,
});
export const tokenSchema = z.union([
  token,
  z.object({ data: token }).transform(({ data }) => data),
  z.object({ data: z.tuple([token], token) }).transform(({ data }) => data[0]),
]);
export type TokenAnswer = z.output<typeof tokenSchema>;

export const subEventSchema = z.object({
  subEventId: id,
  name: z.string(),
  /** A number in the connector seen; a string is read as given. */
  distance: z.union([z.number(), z.string()]).nullish(),
  /** "km", "mi", "m", … */
  distanceType: str,
  subEventDistance: z.object({ inMeters: num, type: str }).nullish(),
});
export type SubEvent = z.output<typeof subEventSchema>;

export const eventSchema = z.object({
  eventId: id,
  name: z.string(),
  url: str,
  city: str,
  country: z.object({ code: str }).nullish(),
  /** ISO 8601 with an offset, e.g. "2014-02-12T15:19:21+00:00". */
  startDate: str,
  /** A nested envelope `{data: [subEvent…]}`; absent or null: no sub-events listed. */
  subEvents: z.object({ data: z.array(subEventSchema) }).nullish(),
});
export type RrEvent = z.output<typeof eventSchema>;

/** `GET /events`: `{data: [event…]}`. */
export const eventsPageSchema = z.object({ data: z.array(eventSchema) });

/** UNVERIFIED: `GET /events/{eventId}` is assumed to answer `{data: event}` (or `{data: [event]}`). */
export const eventAnswerSchema = z.union([
  z.object({ data: eventSchema }).transform(({ data }) => data),
  z.object({ data: z.tuple([eventSchema]) }).transform(({ data }) => data[0]),
]);

/** What an OAuth-style error body says (`{error, error_description, hint?}`), or a plain `{message}`. */
export const errorBodySchema = z.object({
  error: z.string().nullish(),
  error_description: z.string().nullish(),
  message: z.string().nullish(),
});
