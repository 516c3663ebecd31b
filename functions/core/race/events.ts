import { randomBytes } from "node:crypto";
import type { z } from "zod";
import type { Catalog } from "#catalog/types.ts";
import type { ConnectionStore } from "../connections/types.ts";
import type { DataReadDeps } from "../data-reads.ts";
import { ConflictError, NotFoundError, ValidationError } from "../errors.ts";
import { CONNECTION_ID_PATTERN } from "../job.ts";
import { validateSyncParams } from "../sync-params.ts";
import { refreshParticipantsPage } from "./page-refresh.ts";
import type { FieldRule, OwnedValue, ParticipantField } from "./participants.ts";
import {
  CreateEventSchema,
  EVENT_ID_PATTERN,
  type EventView,
  PARTICIPANT_ID_PATTERN,
  type PageRefresh,
  type ParticipantOut,
  parseBody,
  quote,
  UpdateEventSchema,
  UpdateParticipantSchema,
} from "./schemas.ts";
import {
  type ParticipantView,
  type RaceEventRecord,
  type RaceEventStore,
  type RegistrationFeed,
  resultsParamsOf,
  SCORING_RESULTS_SYNC,
  type ScoringTarget,
  type UnifyCounts,
} from "./types.ts";
import { eventView, participantView } from "./view.ts";

export interface RaceEventDeps {
  readonly events: RaceEventStore;
  readonly connections: Pick<ConnectionStore, "get">;
  readonly catalog: Catalog;
  /** The unified participants stored in the event's namespace. */
  readonly participants: (tenantId: string, eventId: string) => Promise<ParticipantView[]>;
  /** Builds the event's participant list afresh (and what its scoring provider is to receive). */
  readonly unify: (tenantId: string, event: RaceEventRecord) => Promise<UnifyCounts>;
  readonly clock?: () => number;
  readonly newId?: () => string;
}

/** `ev-` and 20 lowercase hex digits from the system's random source. */
export function newEventId(): string {
  return `ev-${randomBytes(10).toString("hex")}`;
}

/**
 * `POST /events`: a Pacer event fed by the caller's registration connections' events and, if
 * given, pushed to one of its scoring connections' events. A connection the caller does not
 * have is refused exactly as a missing one, whoever else has it.
 */
export async function createEvent(deps: RaceEventDeps, tenantId: string, body: unknown): Promise<EventView> {
  const input = parseBody(CreateEventSchema, body);
  const now = timestamp(deps);
  const record: RaceEventRecord = {
    tenantId,
    eventId: (deps.newId ?? newEventId)(),
    name: input.name.trim(),
    startsAt: input.startsAt,
    ...(input.endsAt === undefined ? {} : { endsAt: input.endsAt }),
    registration: await feedsOf(deps, tenantId, input.registration),
    ...(input.scoring === undefined ? {} : { scoring: await scoringOf(deps, tenantId, input.scoring) }),
    ...(input.rules === undefined ? {} : { rules: input.rules }),
    ...(input.providerOrder === undefined ? {} : { providerOrder: input.providerOrder }),
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  checkCoherent(deps.catalog, record);
  if (!(await deps.events.create(record))) throw new Error(`event id ${record.eventId} is taken`);
  return eventView(record);
}

/** `GET /events`: the caller's events, soonest start first. */
export async function listEvents(deps: RaceEventDeps, tenantId: string): Promise<{ events: EventView[] }> {
  const own = (await deps.events.list(tenantId)).filter((r) => r.tenantId === tenantId);
  own.sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt) || a.eventId.localeCompare(b.eventId));
  return { events: own.map(eventView) };
}

/** `GET /events/{eventId}`; another tenant's event is indistinguishable from a missing one. */
export async function getEvent(deps: RaceEventDeps, tenantId: string, eventId: string): Promise<EventView> {
  return eventView(await load(deps, tenantId, eventId));
}

/**
 * `PATCH /events/{eventId}`: replaces the fields given (`null` removes `endsAt` or `scoring`), over
 * the version the caller read (another: ConflictError). Connections named anew are checked as on
 * create; the whole event must still hold together (races naming feeds, the end after the start).
 */
export async function updateEvent(
  deps: RaceEventDeps,
  tenantId: string,
  eventId: string,
  body: unknown,
): Promise<EventView> {
  const patch = parseBody(UpdateEventSchema, body);
  const current = await load(deps, tenantId, eventId);
  if (patch.version !== current.version) {
    throw new ConflictError(
      `the event is at version ${current.version}, not ${patch.version}; read it again`,
    );
  }
  const { endsAt: _end, scoring: _scoring, ...kept } = current;
  const endsAt = patch.endsAt === undefined ? current.endsAt : (patch.endsAt ?? undefined);
  const scoring =
    patch.scoring === undefined
      ? current.scoring
      : patch.scoring === null
        ? undefined
        : await scoringOf(deps, tenantId, patch.scoring);
  const next: RaceEventRecord = {
    ...kept,
    name: patch.name?.trim() ?? current.name,
    startsAt: patch.startsAt ?? current.startsAt,
    ...(endsAt === undefined ? {} : { endsAt }),
    registration:
      patch.registration === undefined
        ? current.registration
        : await feedsOf(deps, tenantId, patch.registration),
    ...(scoring === undefined ? {} : { scoring }),
    ...(patch.rules === undefined ? {} : { rules: patch.rules }),
    ...(patch.providerOrder === undefined ? {} : { providerOrder: patch.providerOrder }),
    updatedAt: timestamp(deps),
    version: current.version + 1,
  };
  checkCoherent(deps.catalog, next);
  if (!(await deps.events.update(next)))
    throw new ConflictError("the event changed meanwhile; read it again");
  return eventView(next);
}

/** `DELETE /events/{eventId}`: the event and the values set in Pacer for its participants. */
export async function deleteEvent(deps: RaceEventDeps, tenantId: string, eventId: string): Promise<void> {
  await load(deps, tenantId, eventId);
  await deps.events.delete(tenantId, eventId);
}

/**
 * `GET /events/{eventId}/participants`: the unified list as last built, by participant id, at
 * once; each registration feed whose data is older than its target is refreshed (`refresh`, see
 * ./page-refresh.ts). Without `refreshing`, nothing is.
 */
export async function listParticipants(
  deps: RaceEventDeps & { readonly refreshing?: DataReadDeps },
  tenantId: string,
  eventId: string,
): Promise<{ participants: ParticipantOut[]; refresh: PageRefresh[] }> {
  const event = await load(deps, tenantId, eventId);
  const [participants, refresh] = await Promise.all([
    participantsOf(deps, tenantId, eventId),
    deps.refreshing === undefined ? [] : refreshParticipantsPage(deps.refreshing, event),
  ]);
  return { participants: participants.map(participantView), refresh };
}

/**
 * `PATCH /events/{eventId}/participants/{participantId}`: sets values in Pacer (each then owns its
 * field: no sync blanks or replaces it) or releases them (`null`: the registrations decide again),
 * then rebuilds the list and answers the participant as it now is. `by` is who set them.
 */
export async function updateParticipant(
  deps: RaceEventDeps,
  tenantId: string,
  eventId: string,
  participantId: string,
  body: unknown,
  by: string = tenantId,
): Promise<ParticipantOut> {
  const { fields } = parseBody(UpdateParticipantSchema, body);
  const event = await load(deps, tenantId, eventId);
  const missing = () => new NotFoundError(`no participant ${quote(participantId)} in event ${event.eventId}`);
  if (!PARTICIPANT_ID_PATTERN.test(participantId)) throw missing();
  const before = await participantsOf(deps, tenantId, eventId);
  if (!before.some((p) => p.participantId === participantId)) throw missing();
  const at = timestamp(deps);
  const values: Partial<Record<ParticipantField, OwnedValue | null>> = {};
  for (const [field, value] of Object.entries(fields) as [ParticipantField, string | null | undefined][]) {
    if (value === undefined) continue;
    values[field] = value === null ? null : { value: value.trim(), by, at };
  }
  await deps.events.setOwned(tenantId, eventId, participantId, values);
  await deps.unify(tenantId, event);
  const after = (await participantsOf(deps, tenantId, eventId)).find(
    (p) => p.participantId === participantId,
  );
  // Owned values never move a registration, but a sync running beside this may have removed one.
  if (after === undefined) throw missing();
  return participantView(after);
}

async function load(deps: RaceEventDeps, tenantId: string, eventId: string): Promise<RaceEventRecord> {
  const missing = () => new NotFoundError(`no event ${quote(eventId)}`);
  if (!EVENT_ID_PATTERN.test(eventId)) throw missing();
  const record = await deps.events.get(tenantId, eventId);
  if (record === undefined || record.tenantId !== tenantId || record.eventId !== eventId) throw missing();
  return record;
}

async function participantsOf(deps: RaceEventDeps, tenantId: string, eventId: string) {
  const list = (await deps.participants(tenantId, eventId)).filter((p) => p.eventId === eventId);
  return list.sort((a, b) => a.participantId.localeCompare(b.participantId));
}

/** Each feed's connection, the caller's and a registration provider's; the provider is recorded. */
async function feedsOf(
  deps: RaceEventDeps,
  tenantId: string,
  feeds: readonly { connectionId: string; eventId: string }[],
): Promise<RegistrationFeed[]> {
  const seen = new Set<string>();
  const checked: RegistrationFeed[] = [];
  for (const [i, feed] of feeds.entries()) {
    const key = `${feed.connectionId}:${feed.eventId}`;
    if (seen.has(key)) throw new ValidationError(`registration[${i}]: the same feed as an earlier one`);
    seen.add(key);
    const provider = await providerOf(
      deps,
      tenantId,
      feed.connectionId,
      "registration",
      `registration[${i}]`,
    );
    checked.push({ connectionId: feed.connectionId, provider, eventId: feed.eventId });
  }
  return checked;
}

async function scoringOf(
  deps: RaceEventDeps,
  tenantId: string,
  scoring: NonNullable<z.output<typeof CreateEventSchema>["scoring"]>,
): Promise<ScoringTarget> {
  const provider = await providerOf(deps, tenantId, scoring.connectionId, "scoring", "scoring");
  const target: ScoringTarget = {
    connectionId: scoring.connectionId,
    provider,
    eventId: scoring.eventId,
    ...(scoring.races === undefined ? {} : { races: scoring.races }),
    ...(scoring.results === undefined ? {} : { results: scoring.results }),
  };
  checkResultsParams(deps.catalog, target);
  return target;
}

/**
 * The race clock pulls the event's results with these params, so they must be ones the scoring
 * provider's `results` sync takes: refused now, naming the field, rather than failing every pull.
 */
function checkResultsParams(catalog: Catalog, target: ScoringTarget): void {
  const syncType = catalog.providers
    .find((p) => p.id === target.provider)
    ?.syncTypes.find((s) => s.id === SCORING_RESULTS_SYNC);
  if (syncType === undefined) {
    if (target.results === undefined) return;
    throw new ValidationError(`scoring.results: ${target.provider} has no results sync to take params`);
  }
  const checked = validateSyncParams(syncType, resultsParamsOf(target));
  if (checked.ok) return;
  if (target.results === undefined) {
    const known = Object.keys(syncType.params?.shape ?? {}).join(", ");
    throw new ValidationError(
      `scoring.results: required: ${target.provider}'s results take ${known}, not the eventId (${checked.problem})`,
    );
  }
  throw new ValidationError(checked.problem.replace(/^params/, "scoring.results"));
}

/** The provider of one of the caller's connections, if it has `role`; a 400 naming `at` otherwise. */
async function providerOf(
  deps: RaceEventDeps,
  tenantId: string,
  connectionId: string,
  role: "registration" | "scoring",
  at: string,
): Promise<string> {
  const connection = CONNECTION_ID_PATTERN.test(connectionId)
    ? await deps.connections.get(tenantId, connectionId)
    : undefined;
  if (connection === undefined || connection.tenantId !== tenantId) {
    throw new ValidationError(`${at}.connectionId: no connection ${quote(connectionId)}`);
  }
  const provider = deps.catalog.providers.find((p) => p.id === connection.provider);
  if (provider?.role !== role) {
    const fitting = providersWith(deps.catalog, role).join(", ") || "none in this deployment";
    throw new ValidationError(
      `${at}.connectionId: a connection to ${connection.provider}, not a ${role} provider (${role}: ${fitting})`,
    );
  }
  return provider.id;
}

/** What the fields cannot say alone: the end after the start, races naming feeds, known providers. */
function checkCoherent(catalog: Catalog, record: RaceEventRecord): void {
  if (record.endsAt !== undefined && Date.parse(record.endsAt) <= Date.parse(record.startsAt)) {
    throw new ValidationError("endsAt: must be after startsAt");
  }
  const feeds = new Set(record.registration.map((f) => `${f.connectionId}:${f.eventId}`));
  for (const key of Object.keys(record.scoring?.races ?? {})) {
    if (!feeds.has(key)) {
      throw new ValidationError(`scoring.races.${key}: names no registration feed of the event`);
    }
  }
  const registration = providersWith(catalog, "registration");
  const checkProviders = (providers: readonly string[], at: string) => {
    for (const [i, provider] of providers.entries()) {
      if (!registration.includes(provider)) {
        const known = registration.join(", ") || "none in this deployment";
        throw new ValidationError(`${at}[${i}]: not a registration provider (known: ${known})`);
      }
      if (providers.indexOf(provider) !== i) throw new ValidationError(`${at}[${i}]: listed twice`);
    }
  };
  for (const [field, rule] of Object.entries(record.rules ?? {}) as [string, FieldRule | undefined][]) {
    if (rule?.kind === "prefer") checkProviders(rule.providers, `rules.${field}.providers`);
  }
  checkProviders(record.providerOrder ?? [], "providerOrder");
}

function providersWith(catalog: Catalog, role: "registration" | "scoring"): string[] {
  return catalog.providers.filter((p) => p.role === role).map((p) => p.id);
}

function timestamp(deps: RaceEventDeps): string {
  return new Date((deps.clock ?? Date.now)()).toISOString();
}
