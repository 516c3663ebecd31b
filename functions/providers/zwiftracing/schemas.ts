import { z } from "zod";

/**
 * The ZwiftRacing.app payloads Pacer reads, as far as they are known (shared/providers/zwiftracing.md).
 * Objects are plain (not loose): a field not listed here is dropped, so nothing unmapped is stored.
 * Lenient where the facts say a value may be absent or null (`.nullish()`); every nested object is
 * optional. The events and signups shapes are undocumented: see ./mapping.ts for what is guessed.
 */

const int = z.number().int();
const num = z.number().nullish();
const str = z.string().nullish();
/** An id ZR sends as a string in one payload and a number in another. */
const idString = z.union([z.string().regex(/^\d+$/), int.nonnegative()]).transform(String);

/** A vELO category, e.g. "Amethyst" in live data, letters in zpdatafetch's tests: opaque. */
const mixed = z.object({ category: str, number: num }).nullish();
const rating = z.object({ rating: num, date: num, mixed, womens: mixed }).nullish();
const ratingWindow = z.object({ rating: num, date: num, expires: num, mixed, womens: mixed }).nullish();

export const riderSchema = z.object({
  riderId: int.positive(),
  name: z.string(),
  gender: str,
  country: str,
  /** An age bracket ("Vet", "40-44"), not a number. */
  age: str,
  height: num,
  weight: num,
  zpCategory: str,
  zpFTP: num,
  club: z.object({ id: int, name: str }).nullish(),
  race: z
    .object({
      current: rating,
      last: rating,
      max30: ratingWindow,
      max90: ratingWindow,
      finishes: num,
      dnfs: num,
      wins: num,
      podiums: num,
    })
    .nullish(),
  power: z
    .object({
      w5: num,
      w15: num,
      w30: num,
      w60: num,
      w120: num,
      w300: num,
      w1200: num,
      wkg5: num,
      wkg15: num,
      wkg30: num,
      wkg60: num,
      wkg120: num,
      wkg300: num,
      wkg1200: num,
      CP: num,
      AWC: num,
      compoundScore: num,
      powerRating: num,
    })
    .nullish(),
  handicaps: z
    .object({ profile: z.object({ flat: num, rolling: num, hilly: num, mountainous: num }).nullish() })
    .nullish(),
  phenotype: z
    .object({
      value: str,
      bias: num,
      scores: z.object({ sprinter: num, puncheur: num, pursuiter: num, climber: num, tt: num }).nullish(),
    })
    .nullish(),
});
export type Rider = z.output<typeof riderSchema>;

/**
 * A club page: `{ name, riders }` per the maintained client (zpdatafetch), or a bare array of
 * riders per some integrator docs. Both are accepted and read as `{ name?, riders }`.
 */
export const clubPageSchema = z.union([
  z.object({ name: str, riders: z.array(riderSchema) }),
  z.array(riderSchema).transform((riders) => ({ name: undefined, riders })),
]);
export type ClubPage = z.output<typeof clubPageSchema>;

export const ridersSchema = z.array(riderSchema);

/** One row of `GET /public/results/{eventId}`, as in the real fixture of event 4613373. */
export const resultRowSchema = z.object({
  riderId: int.positive(),
  name: str,
  category: str,
  /** Seconds (float). */
  time: num,
  gap: num,
  position: num,
  positionInCategory: num,
  rating: num,
  ratingBefore: num,
  ratingDelta: num,
  ratingMax30: num,
  ratingMax90: num,
});
export type ResultRow = z.output<typeof resultRowSchema>;

export const eventResultsSchema = z.object({
  eventId: idString,
  /** Epoch seconds of the event's start. */
  time: num,
  routeId: idString.nullish(),
  /** Kilometres. */
  distance: num,
  elevation: num,
  title: str,
  type: str,
  subType: str,
  results: z.array(resultRowSchema),
});
export type EventResults = z.output<typeof eventResultsSchema>;

/** UNVERIFIED: an element of `/events/upcoming` or `/events`; only `eventId` and `time` are reported. */
export const eventSchema = z.object({ eventId: idString, time: z.number(), title: str });
export type ZrEvent = z.output<typeof eventSchema>;
export const eventsSchema = z.array(eventSchema);

/**
 * UNVERIFIED: one signup in a pen of `/events/{eventId}/signups`, carrying rider fields: its
 * rating either on the entry or, as on a rider, in `race.current`.
 */
const signupRiderSchema = z.object({
  riderId: int.positive(),
  name: str,
  rating: num,
  race: z.object({ current: rating }).nullish(),
});
/** UNVERIFIED: per-pen groups; the key names `pen` and `riders` are assumed. */
export const signupPensSchema = z.array(z.object({ pen: z.string(), riders: z.array(signupRiderSchema) }));
export type SignupPen = z.output<typeof signupPensSchema>[number];
