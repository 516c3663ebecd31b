/**
 * What every race-timing provider module writes and reads, whatever its API calls things: the
 * registration providers (RunSignUp, Race Roster, Haku) write `events` and `registrants`; the
 * scoring providers (ChronoTrack, Copernico) push `participants` and write `results`.
 *
 * Each provider maps its own payloads to these shapes in one file (its `mapping.ts`), so a user
 * with access to the real API corrects a field there and nowhere else. A field the provider's
 * facts do not document is left out, never guessed: every field below but the ids is optional.
 * (Type aliases, not interfaces, so that each is an entity's `data` as it is.)
 */

/** The entity types of the race-timing providers; each is a WebSocket topic `<provider>/<type>`. */
export const RACE_ENTITY = {
  events: "events",
  registrants: "registrants",
  participants: "participants",
  results: "results",
  /** Results as Pacer publishes them to a registration provider (written on approval). */
  publishedResults: "published_results",
} as const;

/** One gender vocabulary for all: providers' own codes (1/2, "male", "M") map onto it. */
export type Gender = "M" | "F" | "X";

/**
 * An event (a distance, a wave: what a runner registers for and is scored in), entity type
 * `events`, id `eventId`.
 */
export type RaceEvent = {
  readonly eventId: string;
  /** The race (the day, the meeting) the event belongs to, where the provider has one. */
  readonly raceId?: string;
  readonly name: string;
  readonly raceName?: string;
  /** ISO 8601 with an offset or `Z`. */
  readonly startsAt?: string;
  readonly endsAt?: string;
  /** IANA zone, where the provider gives one. */
  readonly timezone?: string;
  readonly distance?: string;
};

/**
 * One registration as a registration provider holds it, entity type `registrants`, id
 * `registrantId(eventId, registrationId)`. Values are as the provider sent them (trimmed; names
 * not re-cased; email as given): matching and merging are Pacer's, not the module's.
 */
export type Registrant = {
  readonly registrationId: string;
  readonly eventId: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly email?: string;
  /** YYYY-MM-DD. */
  readonly birthDate?: string;
  readonly gender?: Gender;
  readonly bib?: string;
  readonly chip?: string;
  readonly city?: string;
  readonly region?: string;
  /** ISO 3166 alpha-2 or alpha-3, as the provider gives it. */
  readonly country?: string;
  readonly team?: string;
  /** Cancelled, transferred or deferred: kept, so the unified list can drop it, not forget it. */
  readonly cancelled?: boolean;
  /** When the provider says the registration last changed (ISO 8601). */
  readonly modifiedAt?: string;
};

export const registrantId = (eventId: string, registrationId: string): string =>
  `${eventId}:${registrationId}`;

/**
 * One person as Pacer pushes them to a scoring provider, entity type `participants` in the scoring
 * provider's store, id `participantId` (Pacer's, stable across pushes: the scoring provider's
 * create-or-update key). Written by Pacer's unified participant list for the scoring event.
 */
export type ScoringParticipant = {
  readonly participantId: string;
  /** The scoring provider's event this person is pushed to. */
  readonly scoringEventId: string;
  /** The scoring provider's race or sub-event within it, where it has one (a distance). */
  readonly scoringRaceId?: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly email?: string;
  readonly birthDate?: string;
  readonly gender?: Gender;
  readonly bib?: string;
  readonly chip?: string;
  readonly city?: string;
  readonly region?: string;
  readonly country?: string;
  readonly team?: string;
};

/**
 * One result row as a scoring provider gives it, entity type `results`, id
 * `resultId(eventId, key)` where `key` is the provider's own row key (an entry id, else the bib).
 */
export type ResultRow = {
  readonly eventId: string;
  readonly raceId?: string;
  readonly raceName?: string;
  readonly bib?: string;
  /** The scoring provider's own id of the runner's entry, where it has one. */
  readonly entryId?: string;
  /** Pacer's participant id, when the provider echoes back the id Pacer pushed. */
  readonly participantId?: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly gender?: Gender;
  readonly age?: number;
  readonly category?: string;
  readonly place?: number;
  readonly genderPlace?: number;
  readonly categoryPlace?: number;
  /** Gun (official) time in milliseconds. */
  readonly gunTimeMs?: number;
  /** Chip (net, real) time in milliseconds. */
  readonly chipTimeMs?: number;
  /** The provider's status word as given ("finished", "dnf", …), where it has one. */
  readonly status?: string;
  /** Results the provider marks preliminary are kept apart from final ones (never mixed in a publication). */
  readonly preliminary: boolean;
};

export const resultId = (eventId: string, key: string): string => `${eventId}:${key}`;

/** Which results a publication carries: providers that tell them apart keep them apart. */
export type ResultKind = "final" | "preliminary";
export const RESULT_KINDS: readonly ResultKind[] = ["final", "preliminary"];

/**
 * One result as Pacer publishes it to a registration provider, entity type `published_results` in
 * that provider's store, id `publishedResultId(kind, eventId, registrationId)`. Written when a
 * person approves a publication (functions/core/race/publications.ts); the provider's `publish`
 * sync sends those whose content changed since they were last sent, and nothing else. It carries
 * no publication id, so an approval of unchanged results changes no entity and sends nothing.
 */
export type PublishedResult = {
  /** The registration provider's event (its `RaceEvent.eventId`). */
  readonly eventId: string;
  /** The registration the result is for (its `Registrant.registrationId`). */
  readonly registrationId: string;
  readonly kind: ResultKind;
  readonly bib?: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly place?: number;
  readonly genderPlace?: number;
  readonly categoryPlace?: number;
  readonly gunTimeMs?: number;
  readonly chipTimeMs?: number;
  /** As the scoring provider gave it ("finished", "dnf", …). */
  readonly status?: string;
};

export const publishedResultId = (kind: ResultKind, eventId: string, registrationId: string): string =>
  `${kind}:${eventId}:${registrationId}`;
