import type { ProviderDef } from "#catalog/types.ts";
import { RACE_ENTITY } from "#providers/race/shapes.ts";
import type { FieldRule, OwnedValue, ParticipantField, UnifiedParticipant } from "./participants.ts";

/**
 * A race event as Pacer keeps it for a tenant: which registration providers' events feed its one
 * participant list, and which scoring provider's event that list is pushed to. Set through
 * `/events`; the registration syncs, the unification and the scoring pushes all read it.
 */

/** One registration provider's event feeding a Pacer event (its `RaceEvent.eventId` there). */
export interface RegistrationFeed {
  readonly connectionId: string;
  readonly provider: string;
  readonly eventId: string;
}

/** The scoring provider's event the participant list is pushed to. */
export interface ScoringTarget {
  readonly connectionId: string;
  readonly provider: string;
  readonly eventId: string;
  /**
   * The scoring provider's race (a distance) for the runners of each registration event, keyed
   * `<connectionId>:<eventId>` of the feed; a feed not named here pushes without a race.
   */
  readonly races?: Readonly<Record<string, string>>;
  /**
   * The params of the scoring provider's `results` sync for this event, where they are not
   * `{eventId}` (Copernico's results take the race's slug and the event's name, its push the
   * race's UUID). Checked against that sync type's params when the event is set.
   */
  readonly results?: Readonly<Record<string, string>>;
}

export interface RaceEventRecord {
  readonly tenantId: string;
  /** `ev-` and 20 lowercase hex digits, minted by Pacer. */
  readonly eventId: string;
  readonly name: string;
  /** ISO 8601: the start decides the cadence (functions/core/race/cadence.ts). */
  readonly startsAt: string;
  readonly endsAt?: string;
  readonly registration: readonly RegistrationFeed[];
  readonly scoring?: ScoringTarget;
  /** Per-field rules for registrations that disagree; a field not named is `newest`. */
  readonly rules?: Readonly<Partial<Record<ParticipantField, FieldRule>>>;
  /** Provider order for ties. */
  readonly providerOrder?: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Bumped by every change; a change is written only over the version it was made from. */
  readonly version: number;
}

/** The scoring provider's sync type that pulls an event's results. */
export const SCORING_RESULTS_SYNC = "results";

/** The params the event's results are pulled with: the target's own, else `{eventId}`. */
export const resultsParamsOf = (target: ScoringTarget): Readonly<Record<string, string>> =>
  target.results ?? { eventId: target.eventId };

/** Values set in Pacer for one event's participants, by participant id and field. */
export type OwnedValues = Readonly<Record<string, Readonly<Partial<Record<ParticipantField, OwnedValue>>>>>;

/** Race event records and their owned values, by tenant (a tenant never reads another's). */
export interface RaceEventStore {
  /** false when the id is taken. */
  create(record: RaceEventRecord): Promise<boolean>;
  get(tenantId: string, eventId: string): Promise<RaceEventRecord | undefined>;
  list(tenantId: string): Promise<RaceEventRecord[]>;
  /** Writes `record` if the stored version is still `record.version - 1`; false otherwise. */
  update(record: RaceEventRecord): Promise<boolean>;
  /** Removes the event and its owned values. */
  delete(tenantId: string, eventId: string): Promise<void>;
  owned(tenantId: string, eventId: string): Promise<OwnedValues>;
  /** Sets (or, with `null`, releases back to the registrations) owned values of one participant. */
  setOwned(
    tenantId: string,
    eventId: string,
    participantId: string,
    values: Readonly<Partial<Record<ParticipantField, OwnedValue | null>>>,
  ): Promise<void>;
}

/**
 * The unified participants of a Pacer event are entities of their own namespace, so that they are
 * stored, versioned and broadcast like any synced record: provider `events/<eventId>`, type
 * `participants` — WebSocket topic `events/<eventId>/participants`.
 */
export const eventNamespace = (eventId: string): string => `events/${eventId}`;
export const EVENT_TOPIC_KINDS = ["participants", "results", "publications"] as const;

const EVENT_TOPIC = new RegExp(`^events/ev-[0-9a-f]{20}/(${EVENT_TOPIC_KINDS.join("|")})$`);

/**
 * Whether a topic is one of a race event's (`events/<eventId>/participants`, …). Subscribing to
 * one needs no check that the event exists: a change is only ever sent to its own tenant's
 * subscribers, so another tenant's event id gets nothing.
 */
export const isEventTopic = (topic: string): boolean => EVENT_TOPIC.test(topic);

/** What a participant looks like stored and served: the unified participant and the event. */
export type ParticipantView = UnifiedParticipant & { readonly eventId: string };

/** What one unification of an event did. */
export interface UnifyCounts {
  /** Registrations read across the feeds. */
  readonly pulled: number;
  /** Participants in the list. */
  readonly participants: number;
  /** Participants made of two or more registrations. */
  readonly merged: number;
  /** Registrations that joined another's participant: n − 1 for a participant of n. */
  readonly matched: number;
  readonly conflicts: number;
  /** Participants (and scoring records) whose stored value changed. */
  readonly written: number;
  readonly unchanged: number;
  readonly removed: number;
  /** Whether the scoring provider's records changed: a push is due. */
  readonly scoringChanged: boolean;
}

/** The tenant's Pacer events one registration connection feeds. */
export async function eventsFedBy(
  events: Pick<RaceEventStore, "list">,
  tenantId: string,
  connectionId: string,
): Promise<RaceEventRecord[]> {
  return (await events.list(tenantId)).filter((event) =>
    event.registration.some((feed) => feed.connectionId === connectionId),
  );
}

/** The ids of a provider's sync types that write registrants (those a race follows). */
export const registrantSyncTypes = (provider: Pick<ProviderDef, "syncTypes">): ReadonlySet<string> =>
  new Set(provider.syncTypes.filter((s) => s.entityTypes.includes(RACE_ENTITY.registrants)).map((s) => s.id));
