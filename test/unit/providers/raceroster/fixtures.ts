import { racerosterModule } from "#providers/raceroster/index.ts";
import type { Checkpoint, Entity, Page, ProviderFetch, ProviderRequest, SyncRun } from "#providers/types.ts";
import { failureOf, NO_PUSHES, pagesOf } from "../../../support/pages.ts";

/**
 * Payloads in Race Roster's shapes as client code shows them (shared/providers/raceroster.md),
 * participant rows in the ASSUMED shape, and the harness that drives the module's syncs without a
 * network: a recording stub fetch that also answers the token endpoint, a stub EntityReader, and
 * helpers that drain a sync's pages.
 */

export const CREDENTIALS = {
  clientId: "client-0001",
  clientSecret: "s3cret-client-value",
  username: "timer@example.com",
  password: "pa55word-value",
} as const;

export const NOW = new Date("2026-03-10T18:00:00Z");

/** The token answer in the envelope form the facts say to expect. */
export const tokenAnswer = (accessToken = "token-1", expiresIn: number | undefined = 86_400) => ({
  data: {
    access_token: accessToken,
    token_type: "Bearer",
    ...(expiresIn === undefined ? {} : { expires_in: expiresIn }),
  },
});

export const subEvent = (subEventId: number, name: string, distance: number, distanceType = "km") => ({
  subEventId,
  name,
  distance,
  distanceType,
  subEventDistance: { inMeters: distanceType === "km" ? distance * 1000 : distance, type: "running" },
});

/** An event as `GET /events` lists it (the Python connector's fields). */
export function event(eventId: number, overrides: Record<string, unknown> = {}) {
  return {
    eventId,
    name: `Event ${eventId}`,
    url: `https://raceroster.com/events/2026/${eventId}/event`,
    city: "Vancouver",
    country: { code: "CA" },
    startDate: "2026-03-12T18:00:00+00:00",
    subEvents: { data: [subEvent(eventId * 10 + 1, "5K", 5), subEvent(eventId * 10 + 2, "10K", 10)] },
    ...overrides,
  };
}

/** A participant row in the assumed shape (camelCase, as on events). */
export function participant(registrationId: number, overrides: Record<string, unknown> = {}) {
  return {
    registrationId,
    subEventId: 73011,
    firstName: "Ana",
    lastName: "Silva",
    email: "Ana.Silva.140@Example.com",
    dateOfBirth: "1984-07-09",
    gender: 2,
    bibNumber: "1402",
    city: "Vancouver",
    province: "BC",
    country: "CA",
    status: "active",
    cancelled: false,
    updatedAt: "2026-03-01T10:00:00+00:00",
    ...overrides,
  };
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

type Route = (request: ProviderRequest) => Response | Promise<Response>;

/**
 * A ProviderFetch that answers the token endpoint (`auth:/authorize`) with a fresh envelope token
 * per grant, the API from `route`, and records every request (token requests in `tokenRequests`).
 */
export function stubFetch(
  route: Route,
  token: Route = grantCounter(),
): {
  fetch: ProviderFetch;
  requests: ProviderRequest[];
  tokenRequests: ProviderRequest[];
} {
  const requests: ProviderRequest[] = [];
  const tokenRequests: ProviderRequest[] = [];
  const fetch: ProviderFetch = async (request) => {
    if (request.host === "auth") {
      tokenRequests.push(request);
      return token(request);
    }
    requests.push(request);
    return route(request);
  };
  return { fetch, requests, tokenRequests };
}

/** Grants `token-1`, `token-2`, … */
export function grantCounter(): Route {
  let issued = 0;
  return () => json(200, tokenAnswer(`token-${++issued}`));
}

/** An EntityReader over fixed stored entities. */
export function storeOf(entities: readonly Entity[] = []): SyncRun["store"] {
  return {
    get: async (type, id) => entities.find((e) => e.type === type && e.id === id),
    list: async (type) => entities.filter((e) => e.type === type),
  };
}

/** A stored `events` entity as the events sync writes it. */
export const storedEvent = (eventId: number, subEventId: number): Entity => ({
  type: "events",
  id: `${eventId}.${subEventId}`,
  data: { eventId: `${eventId}.${subEventId}`, raceId: String(eventId), name: "5K" },
});

export interface RunOptions {
  readonly syncType: string;
  readonly fetch: ProviderFetch;
  readonly params?: Record<string, string>;
  readonly store?: SyncRun["store"];
  readonly checkpoint?: Checkpoint;
  readonly settings?: Record<string, unknown>;
  readonly credentials?: Record<string, string> | undefined;
  readonly now?: Date;
  /** The token cache is per process and connection: tests that count grants use their own. */
  readonly connectionId?: string;
}

let connections = 0;
/** A connection id no other test of the file uses, so the module's token cache starts empty for it. */
export const freshConnection = () => `conn-${++connections}-${Math.random().toString(36).slice(2)}`;

export function runOf(options: RunOptions): SyncRun {
  return {
    tenantId: "acme",
    connection: {
      connectionId: options.connectionId ?? freshConnection(),
      tier: "standard",
      settings: options.settings ?? {},
      credentials: "credentials" in options ? options.credentials : { ...CREDENTIALS },
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
  return pagesOf(racerosterModule.sync(runOf(options)));
}

/** Runs a sync expecting it to fail, and returns the error. */
export function failure(options: RunOptions): Promise<unknown> {
  return failureOf(racerosterModule.sync(runOf(options)), options.syncType);
}

export const idsOf = (pages: readonly Page[], type: string) =>
  pages.flatMap((page) => page.entities.filter((e) => e.type === type).map((e) => e.id));

/** The query of a request as an object (decoded). */
export const queryOf = (request: ProviderRequest | undefined) =>
  Object.fromEntries(new URLSearchParams(request?.query ?? ""));
