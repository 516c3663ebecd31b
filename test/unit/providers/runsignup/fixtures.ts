import { runsignupModule } from "#providers/runsignup/index.ts";
import type { Checkpoint, Entity, Page, ProviderFetch, ProviderRequest, SyncRun } from "#providers/types.ts";
import { failureOf, NO_PUSHES, pagesOf } from "../../../support/pages.ts";

/**
 * Payloads in RunSignUp's documented shapes (shared/providers/runsignup.md), and the harness that
 * drives the module's syncs without a network: a recording stub fetch, a stub EntityReader and a
 * helper that drains a sync's pages.
 */

export const API_KEY = "rsukey0123456789abcdef";
export const API_SECRET = "rsusecret0123456789abcdef";
export const RACE_ID = 20261;
export const NOW = new Date("2026-03-10T18:00:00Z");
export const NOW_S = Math.floor(NOW.getTime() / 1_000);

/** A race as `GET /race/{id}?include_event_days=T` answers it (cmagnuson's race.json fields). */
export function raceBody(overrides: Record<string, unknown> = {}) {
  return {
    race: {
      race_id: RACE_ID,
      name: "Harbour Run",
      last_date: null,
      next_date: "04/18/2026",
      is_draft_race: "F",
      is_registration_open: "T",
      created: "11/2/2025 09:14",
      last_modified: "2/20/2026 16:40",
      description: "<p>Flat and fast.</p>",
      url: "https://runsignup.com/Race/CA/SanPedro/HarbourRun",
      address: {
        street: "Harbor Blvd",
        city: "San Pedro",
        state: "CA",
        zipcode: "90731",
        country_code: "US",
      },
      timezone: "America/Los_Angeles",
      can_use_registration_api: "T",
      events: [
        {
          event_id: 61001,
          race_event_days_id: 90210,
          name: "5K",
          details: null,
          start_time: "4/18/2026 08:00",
          end_time: "4/18/2026 10:00",
          age_calc_base_date: null,
          registration_opens: "11/2/2025 00:00",
          event_type: "running_race",
          distance: "5K",
          volunteer: "F",
          require_dob: "T",
          require_phone: "F",
          registration_periods: [
            {
              registration_opens: "11/2/2025 00:00",
              registration_closes: "4/17/2026 20:00",
              race_fee: "$35.00",
              processing_fee: "$3.50",
            },
          ],
          sub_event_ids: [],
          giveaway: null,
        },
        {
          event_id: 61002,
          race_event_days_id: 90210,
          name: "10K",
          start_time: "4/18/2026 08:30",
          end_time: null,
          event_type: "running_race",
          distance: "6.2 Miles",
        },
      ],
      race_event_days: [
        { race_event_days_id: 90210, start_date: "4/18/2026 00:00", end_date: "4/18/2026 00:00" },
      ],
      ...overrides,
    },
  };
}

/** A participant row (cmagnuson's participants.json fields, money as strings). */
export function participant(registrationId: number, overrides: Record<string, unknown> = {}) {
  return {
    registration_id: registrationId,
    event_id: 61001,
    user: {
      user_id: 7100000 + registrationId,
      first_name: "Ana",
      middle_name: null,
      last_name: "Silva",
      email: "ana.silva.0@example.com",
      address: { street: "1 Main St", city: "Portland", state: "OR", zipcode: "97201", country_code: "US" },
      dob: "1984-06-02",
      gender: "F",
      phone: null,
      profile_image_url: null,
    },
    rsu_transaction_id: 30500000,
    transaction_id: "ay_852631042119552C_0",
    bib_num: null,
    chip_num: null,
    age: 41,
    registration_date: "1/15/2026 12:03",
    last_modified: 1768496580,
    team_id: null,
    team_name: null,
    imported: "F",
    race_fee: "$35.00",
    processing_fee: "$3.50",
    amount_paid: "$38.50",
    giveaway: "M",
    ...overrides,
  };
}

/** `count` rows from registration_id `first` on. */
export const participants = (first: number, count: number, eventId = 61001) =>
  Array.from({ length: count }, (_, i) => participant(first + i, { event_id: eventId }));

/** The live array form: one element per event, rows beside an empty `event.participants`. */
export const participantsBody = (rows: readonly unknown[], eventId = 61001) => [
  { event: { event_id: eventId, participants: [] }, participants: rows },
];

/** A removed-participants answer: rows inside `event.participants`, with removed_reason. */
export function removedBody(rows: readonly unknown[], eventId = 61001) {
  return [{ event: { event_id: eventId, participants: rows } }];
}

export function removed(registrationId: number, overrides: Record<string, unknown> = {}) {
  const { user } = participant(registrationId);
  return {
    user,
    registration_id: registrationId,
    age: 41,
    registration_date: "2026-01-15 12:03:00",
    last_modified: "2026-03-09 10:00:00",
    last_modified_ts: 1773064800,
    imported: "F",
    race_fee: "$35.00",
    amount_paid: "$38.50",
    removed_reason: "removed",
    new_registration_id: null,
    ...overrides,
  };
}

export const rsuError = (code: number, message: string) => ({
  error: { error_code: code, error_msg: message },
});

export const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

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

/** The query of a recorded request as a map (`+` read as a space, as servers do). */
export const queryOf = (request: ProviderRequest | undefined) => new URLSearchParams(request?.query ?? "");

/** An EntityReader over fixed stored entities. */
export function storeOf(entities: readonly Entity[] = []): SyncRun["store"] {
  return {
    get: async (type, id) => entities.find((e) => e.type === type && e.id === id),
    list: async (type) => entities.filter((e) => e.type === type),
  };
}

export const storedEvent = (eventId: number, raceId = RACE_ID): Entity => ({
  type: "events",
  id: String(eventId),
  data: { eventId: String(eventId), raceId: String(raceId), name: `Event ${eventId}` },
});

export interface RunOptions {
  readonly syncType: string;
  readonly fetch: ProviderFetch;
  readonly params?: Record<string, string>;
  readonly store?: SyncRun["store"];
  readonly checkpoint?: Checkpoint;
  readonly watermark?: string;
  readonly settings?: Record<string, unknown>;
  readonly credentials?: Record<string, string> | undefined;
  readonly now?: Date;
}

export function runOf(options: RunOptions): SyncRun {
  return {
    tenantId: "acme",
    connection: {
      connectionId: "conn-1",
      tier: "standard",
      settings: options.settings ?? { raceIds: [RACE_ID] },
      credentials:
        "credentials" in options ? options.credentials : { apiKey: API_KEY, apiSecret: API_SECRET },
    },
    syncType: options.syncType,
    params: options.params ?? {},
    now: options.now ?? NOW,
    fetch: options.fetch,
    store: options.store ?? storeOf(),
    checkpoint: options.checkpoint,
    watermark: options.watermark,
    pushed: NO_PUSHES,
  };
}

/** Runs a sync to its end and returns every page it yielded. */
export function drain(options: RunOptions): Promise<Page[]> {
  return pagesOf(runsignupModule.sync(runOf(options)));
}

/** Runs a sync expecting it to fail, and returns the error. */
export function failure(options: RunOptions): Promise<unknown> {
  return failureOf(runsignupModule.sync(runOf(options)), options.syncType);
}

export const entitiesOf = (pages: readonly Page[]) => pages.flatMap((page) => page.entities);
export const idsOf = (pages: readonly Page[]) => entitiesOf(pages).map((e) => e.id);
