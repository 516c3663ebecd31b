import { chronotrackModule } from "#providers/chronotrack/index.ts";
import type {
  Checkpoint,
  Entity,
  Page,
  ProviderFetch,
  ProviderRequest,
  PushLedger,
  SyncRun,
} from "#providers/types.ts";
import { failureOf, pagesOf } from "../../../support/pages.ts";

/**
 * Payloads in ChronoTrack's documented shapes (shared/providers/chronotrack.md: wrapper keys,
 * field names, values as strings), and the harness that drives the module's syncs without a
 * network: a recording stub fetch, a stub EntityReader, an in-memory PushLedger, and drain().
 */

export const CREDENTIALS = { clientId: "1a2b3c4d", userId: "timer@example.com", password: "s3cret-Pass" };
/** SHA-1 of CREDENTIALS.password, by `printf %s 's3cret-Pass' | sha1sum`. */
export const PASSWORD_SHA1 = "7bf6e8916e276cd438172deeda864c0c4a881921";
export const EVENT_ID = "90001";
export const NOW = new Date("2026-05-01T08:00:00Z");

/** `GET /event/{id}` and a `GET /event` row: times as unix-second strings, as the facts warn. */
export const EVENT_90001 = {
  event_id: "90001",
  event_name: "Harbour Run",
  event_description: "A 5K and a 10K along the harbour",
  event_start_time: "1778400000",
  event_end_time: 1778414400,
  event_site_uri: "https://example.com/harbour-run",
  location_country: "US",
  organization_name: "Harbour Runners",
};

export const RACES_90001 = [
  {
    race_id: "900011",
    race_name: "5K",
    race_type: "running",
    race_course_distance: "5",
    race_pref_distance_unit: "km",
    race_planned_start_time: "1778403600",
    race_planned_end_time: "1778414400",
  },
  // Numbers as numbers, and no planned start: the event's start stands in.
  { race_id: 900012, race_name: "10K", race_course_distance: 10, race_planned_start_time: "" },
];

/** An `event_results` row with every field the facts name, all strings. */
export function resultRow(n: number, overrides: Record<string, unknown> = {}) {
  return {
    results_bib: String(100 + n),
    results_first_name: `Runner${n}`,
    results_last_name: "Silva",
    results_time: "00:21:03.4",
    results_gun_time: "00:21:35.0",
    results_time_with_penalty: "00:21:03.4",
    results_rank: String(n),
    results_race_name: "5K",
    results_race_id: "900011",
    results_primary_bracket_name: "5K Female",
    results_entry_id: String(7_000_000 + n),
    results_gender_rank: String(n),
    results_bracket_rank: String(n),
    results_sex: "F",
    results_age: "34",
    ...overrides,
  };
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

/** ChronoTrack's paging headers for page `current` of `count`. */
export const pagingHeaders = (current: number, count: number): Record<string, string> => ({
  "X-Ctlive-Current-Page": String(current),
  "X-Ctlive-Page-Count": String(count),
});

type Route = (request: ProviderRequest) => Response | Promise<Response>;

/** A ProviderFetch that answers from `route` and records every request. */
export function stubFetch(route: Route): { fetch: ProviderFetch; requests: ProviderRequest[] } {
  const requests: ProviderRequest[] = [];
  const fetch: ProviderFetch = async (request) => {
    requests.push(request);
    return route(request);
  };
  return { fetch, requests };
}

/** A query parameter of a recorded request. */
export const queryParam = (request: ProviderRequest | undefined, name: string) =>
  new URLSearchParams(request?.query ?? "").get(name);

/** An EntityReader over fixed stored entities. */
export function storeOf(entities: readonly Entity[] = []): SyncRun["store"] {
  return {
    get: async (type, id) => entities.find((e) => e.type === type && e.id === id),
    list: async (type) => entities.filter((e) => e.type === type),
  };
}

/** A PushLedger in memory, as Pacer's compares content (here: JSON). */
export function memoryLedger(): PushLedger & { readonly remembered: Map<string, string> } {
  const remembered = new Map<string, string>();
  return {
    remembered,
    changed: async (type, id, data) => remembered.get(`${type}/${id}`) !== JSON.stringify(data),
    remember: async (type, id, data) => {
      remembered.set(`${type}/${id}`, JSON.stringify(data));
    },
  };
}

export interface RunOptions {
  readonly syncType: string;
  readonly fetch: ProviderFetch;
  readonly params?: Record<string, string>;
  readonly store?: SyncRun["store"];
  readonly checkpoint?: Checkpoint;
  readonly settings?: Record<string, unknown>;
  readonly credentials?: Record<string, string> | undefined;
  readonly pushed?: PushLedger;
}

export function runOf(options: RunOptions): SyncRun {
  return {
    tenantId: "acme",
    connection: {
      connectionId: "conn-1",
      tier: "standard",
      settings: options.settings ?? { eventIds: [EVENT_ID], experimental: true },
      credentials: "credentials" in options ? options.credentials : CREDENTIALS,
    },
    syncType: options.syncType,
    params: options.params ?? {},
    now: NOW,
    fetch: options.fetch,
    store: options.store ?? storeOf(),
    checkpoint: options.checkpoint,
    watermark: undefined,
    pushed: options.pushed ?? memoryLedger(),
  };
}

/** Runs a sync to its end and returns every page it yielded. */
export function drain(options: RunOptions): Promise<Page[]> {
  return pagesOf(chronotrackModule.sync(runOf(options)));
}

/** Runs a sync expecting it to fail, and returns the error. */
export async function failure(options: RunOptions): Promise<Error> {
  return (await failureOf(chronotrackModule.sync(runOf(options)), options.syncType)) as Error;
}

export const idsOf = (pages: readonly Page[], type: string) =>
  pages.flatMap((page) => page.entities.filter((e) => e.type === type).map((e) => e.id));

/** A `participants` record as Pacer writes it into this provider's store. */
export function storedParticipant(id: string, overrides: Record<string, unknown> = {}): Entity {
  return {
    type: "participants",
    id,
    data: {
      participantId: id,
      scoringEventId: EVENT_ID,
      scoringRaceId: "900011",
      firstName: "Ana",
      lastName: "Silva",
      email: "ana.silva.0@example.com",
      gender: "F",
      bib: "101",
      city: "Portland",
      region: "OR",
      country: "US",
      ...overrides,
    },
  };
}
