import { hakuModule } from "#providers/haku/index.ts";
import type { Checkpoint, Entity, Page, ProviderFetch, ProviderRequest, SyncRun } from "#providers/types.ts";
import { failureOf, NO_PUSHES, pagesOf } from "../../../support/pages.ts";

/**
 * Payloads in the field names of shared/providers/haku.md (one integrator's adapter), and the
 * harness that drives the module's syncs without a network: a stub fetch that answers the token
 * host and the API, a stub EntityReader, and helpers that drain a sync's pages.
 */

export const CLIENT_ID = "1h57kf5cpq17m0eml12ej0a2ts";
export const CLIENT_SECRET = "s3cr3t-abcdefghijklmnopqrstuvwxyz0123456789abcdefgh";
export const CREDENTIALS = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET };
export const EVENT_ID = "5f3a9c1e7b2d40a8";
export const NOW = new Date("2026-04-20T09:00:00Z");

/** An element of `GET /events`. */
export function hakuEvent(id: string, overrides: Record<string, unknown> = {}) {
  return {
    id,
    name: "Lakeside Trail Half",
    description: "By the lake.",
    event_date: "2026-05-02 08:00:00",
    event_end_date: "2026-05-02T12:00:00",
    location_name: "Lakeside Park",
    location_city: "Portland",
    location_state: "OR",
    event_type: "Endurance",
    distance: "Half Marathon",
    registration_limit: 500,
    registration_open_date: "2026-01-15",
    registration_close_date: "2026-05-01",
    base_price: 85,
    currency: "USD",
    status: "active",
    ...overrides,
  };
}

/** A row of `GET /events/{id}/participants`: a summary. */
export function summary(number: string, overrides: Record<string, unknown> = {}) {
  return {
    registration_number: number,
    person_full_name: `Ana Maria Silva${number}`,
    email: `ana.${number}@example.com`,
    age: 34,
    gender: "Female",
    registered_at: "2026-03-01 10:15:00",
    is_cancelled: false,
    transaction_amount: "85.00",
    team: { name: "Lakeside Striders" },
    event_category_info: { name: "Half Marathon" },
    ...overrides,
  };
}

/** `GET /events/{id}/registrations/{registration_number}`. */
export function registration(number: string, overrides: Record<string, unknown> = {}) {
  return {
    registration_number: number,
    created_at: "2026-03-01 10:15:00",
    updated_at: "2026-03-02T11:00:00Z",
    cancelled_at: null,
    is_cancelled: false,
    transaction_amount: "85.00",
    emergency_contact_name: "Sam Doe",
    emergency_contact_phone_number: "+15035550100",
    emergency_contact_relationship: "Friend",
    shirt_size_name: "Medium",
    shirt_size_code: "M",
    team: { name: "Lakeside Striders" },
    products: [],
    additional_questions: [],
    participant: {
      first_name: "Ana Maria",
      last_name: `Silva${number}`,
      middle_initial: null,
      email: `ana.${number}@example.com`,
      phone: "+15035550199",
      dob: "1991-07-04",
      gender: "Female",
      account_number: `A${number}`,
      address: {
        line1: "1 Lake Road",
        line2: null,
        city: "Portland",
        state: "OR",
        zip_code: "97201",
        country: "US",
      },
    },
    event_categories: [
      {
        id: "cat-1",
        name: "Half Marathon",
        master_name: "Half Marathon",
        is_active: true,
        wave_name: "Wave 1",
        tag_number: "1042",
        chip_number: "HK00A1B2",
      },
    ],
    ...overrides,
  };
}

export const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

export const tokenAnswer = (token = "tok-1", expiresIn: number | undefined = 3600) =>
  json(200, {
    access_token: token,
    ...(expiresIn === undefined ? {} : { expires_in: expiresIn }),
    token_type: "Bearer",
  });

type Route = (request: ProviderRequest) => Response | Promise<Response>;

/**
 * A ProviderFetch that answers token requests (host `auth`) with `token` (a fresh token each
 * time by default) and API requests from `api`, recording every request.
 */
export function stubFetch(api: Route, token?: Route) {
  const requests: ProviderRequest[] = [];
  let issued = 0;
  const fetch: ProviderFetch = async (request) => {
    requests.push(request);
    if (request.host === "auth") return token ? token(request) : tokenAnswer(`tok-${++issued}`);
    return api(request);
  };
  const apiCalls = () => requests.filter((r) => r.host === undefined);
  const tokenCalls = () => requests.filter((r) => r.host === "auth");
  return { fetch, requests, apiCalls, tokenCalls };
}

/** An EntityReader over fixed stored entities. */
export function storeOf(entities: readonly Entity[] = []): SyncRun["store"] {
  return {
    get: async (type, id) => entities.find((e) => e.type === type && e.id === id),
    list: async (type) => entities.filter((e) => e.type === type),
  };
}

export const storedEvent = (eventId: string): Entity => ({
  type: "events",
  id: eventId,
  data: { eventId, name: "Stored event" },
});

export interface RunOptions {
  readonly syncType: "events" | "participants";
  readonly fetch: ProviderFetch;
  readonly params?: Record<string, string>;
  readonly store?: SyncRun["store"];
  readonly checkpoint?: Checkpoint;
  readonly settings?: Record<string, unknown>;
  readonly credentials?: Record<string, string> | undefined;
  /** Each test gets its own connection, so the module's token cache never carries over. */
  readonly connectionId?: string;
  readonly now?: Date;
}

let connections = 0;

export function runOf(options: RunOptions): SyncRun {
  return {
    tenantId: "acme",
    connection: {
      connectionId: options.connectionId ?? `conn-${++connections}`,
      tier: "partner",
      settings: options.settings ?? {},
      credentials: "credentials" in options ? options.credentials : CREDENTIALS,
    },
    syncType: options.syncType,
    params: options.params ?? {},
    now: options.now ?? NOW,
    fetch: options.fetch,
    store: options.store ?? storeOf(),
    checkpoint: options.checkpoint,
    watermark: undefined,
    pushed: NO_PUSHES,
  };
}

/** Runs a sync to its end and returns every page it yielded. */
export function drain(options: RunOptions): Promise<Page[]> {
  return pagesOf(hakuModule.sync(runOf(options)));
}

/** The error a sync fails with (and the pages it yielded before). */
export function failure(options: RunOptions): Promise<unknown> {
  return failureOf(hakuModule.sync(runOf(options)), "the sync");
}

export const entitiesOf = (pages: readonly Page[], type: string) =>
  pages.flatMap((page) => page.entities.filter((e) => e.type === type));

/** The query's params of a recorded request. */
export const queryOf = (request: ProviderRequest | undefined) => new URLSearchParams(request?.query ?? "");
