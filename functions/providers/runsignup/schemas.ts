import { z } from "zod";

/**
 * The RunSignUp payloads Pacer reads (shared/providers/runsignup.md). Objects are plain (not
 * loose): a field not listed here (money, questions, waivers) is dropped. Lenient where the facts
 * say a value may be null or take two forms; ./mapping.ts says what is unverified.
 */

const str = z.string().nullish();
/** An id the facts give as an int, accepted as a digit string too (clients read both). */
const id = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,15}$/)]).transform(Number);

/** `{"error": {"error_code", "error_msg"}}`, possibly with HTTP 200: success is decided by the body. */
export const rsuErrorSchema = z.object({
  error: z.object({
    error_code: z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]),
    error_msg: z.string().nullish(),
  }),
});
export type RsuError = z.output<typeof rsuErrorSchema>["error"];

const eventSchema = z.object({
  event_id: id,
  name: z.string(),
  /** "M/D/YYYY HH:MM" in the race's timezone. */
  start_time: str,
  end_time: str,
  distance: str,
});
export type RsuEvent = z.output<typeof eventSchema>;

/** `GET /race/{race_id}`: the race object wrapped in `race`. */
export const raceResponseSchema = z.object({
  race: z.object({
    race_id: id,
    name: z.string(),
    /** A PHP timezone name, e.g. "America/Chicago". */
    timezone: str,
    events: z.array(eventSchema).nullish(),
  }),
});
export type RsuRace = z.output<typeof raceResponseSchema>["race"];

const addressSchema = z.object({ city: str, state: str, country_code: str }).nullish();

const userSchema = z
  .object({
    first_name: str,
    last_name: str,
    email: str,
    /** "YYYY-MM-DD". */
    dob: str,
    /** "M"/"F", other values possible. */
    gender: str,
    address: addressSchema,
  })
  .nullish();

/** A row of `GET /race/{id}/participants`. */
const participantSchema = z.object({
  registration_id: id,
  event_id: id.nullish(),
  user: userSchema,
  /** An int per the docs; clients read it as a string. */
  bib_num: z.union([z.number(), z.string()]).nullish(),
  chip_num: z.union([z.string(), z.number()]).nullish(),
  team_name: str,
  /** Unix seconds. */
  last_modified: id.nullish(),
});
export type RsuParticipant = z.output<typeof participantSchema>;

/** One element per requested event; the rows are in its top-level `participants`. */
const participantsElementSchema = z.object({
  event: z.object({ event_id: id }).nullish(),
  participants: z.array(participantSchema).nullish(),
});
export type RsuParticipantsElement = z.output<typeof participantsElementSchema>;

/**
 * The live form is a top-level array (one element per event); the official doc shows the single
 * object. Both are read as an array of elements.
 */
export const participantsResponseSchema = z.union([
  z.array(participantsElementSchema),
  participantsElementSchema
    // An object with neither key is not a participants answer at all, not an empty one.
    .refine((element) => element.event != null || element.participants != null, {
      message: "expected participants or event",
      path: ["participants"],
    })
    .transform((element) => [element]),
]);

/** A row of `GET /race/{id}/removed-participants`: rows sit inside `event.participants` here. */
const removedParticipantSchema = z.object({
  registration_id: id,
  user: userSchema,
  /** Unix seconds; `last_modified` itself is a "YYYY-MM-DD HH:MM:SS" string. UNVERIFIED: one doc excerpt only. */
  last_modified_ts: id.nullish(),
  removed_reason: str,
});
export type RsuRemovedParticipant = z.output<typeof removedParticipantSchema>;

const removedElementSchema = z.object({
  event: z.object({ event_id: id, participants: z.array(removedParticipantSchema).nullish() }),
});

/** UNVERIFIED: "a list of" elements per the docs; a single element is accepted too. */
export const removedResponseSchema = z.union([
  z.array(removedElementSchema),
  removedElementSchema.transform((element) => [element]),
]);
export type RsuRemovedElement = z.output<typeof removedElementSchema>;

const flag = z.enum(["T", "F"]).nullish();

/** A result set as `GET …/results/get-result-sets` lists it (the fields Pacer reads). */
const resultSetSchema = z.object({
  individual_result_set_id: id,
  individual_result_set_name: z.string(),
  public_results: flag,
  preliminary_results: flag,
});
export type RsuResultSet = z.output<typeof resultSetSchema>;

/** `GET …/results/get-result-sets`: `{individual_results_sets: [...]}`, empty for an event without any. */
export const resultSetsResponseSchema = z
  .object({ individual_results_sets: z.array(resultSetSchema).nullish() })
  .transform((body) => body.individual_results_sets ?? []);

/**
 * `POST …/results/new-result-set`. UNVERIFIED: the page read shows no response; the new set's id is
 * assumed under `individual_result_set_id`, and looked up by name when it is not there.
 */
export const newResultSetResponseSchema = z.union([
  z.object({ individual_result_set_id: id.nullish() }),
  z.unknown().transform(() => ({ individual_result_set_id: undefined })),
]);

/**
 * `POST …/results/full-results`. UNVERIFIED: the page read shows no response; any JSON that is not
 * an error body (client.ts decides that) counts as accepted.
 */
export const postResultsResponseSchema = z.unknown();

/** A `published_results` entity as Pacer's publication stored it (shapes.ts, PublishedResult). */
export const storedPublishedResultSchema = z.object({
  eventId: z.string(),
  registrationId: z.string().regex(/^\d{1,15}$/, "expected RunSignUp's registration_id, digits"),
  kind: z.enum(["final", "preliminary"]),
  bib: z.string().nullish(),
  place: z.number().int().positive().nullish(),
  gunTimeMs: z.number().nonnegative().nullish(),
  chipTimeMs: z.number().nonnegative().nullish(),
  status: z.string().nullish(),
});
export type StoredPublishedResult = z.output<typeof storedPublishedResultSchema>;
