import type {
  Checkpoint,
  Entity,
  Page,
  ProviderFetch,
  ProviderRequest,
  SubjectReader,
  SyncRun,
} from "#providers/types.ts";
import { zwiftracingModule } from "#providers/zwiftracing/index.ts";
import { failureOf, NO_PUSHES, pagesOf } from "../../../support/pages.ts";

/**
 * Payloads in ZwiftRacing.app's documented shapes (shared/providers/zwiftracing.md), and the
 * harness that drives the module's syncs without a network: a recording stub fetch, a stub
 * EntityReader and a helper that drains a sync's pages.
 */

export const API_KEY = "0123456789abcdef01234567";
export const CLUB_ID = 1001;

/** A rider as `GET /public/riders/{id}` answers it (the live capture's fields). */
export function rider(riderId: number, overrides: Record<string, unknown> = {}) {
  return {
    riderId,
    name: `Rider ${riderId}`,
    gender: "M",
    country: "nl",
    age: "40-44",
    height: 183,
    weight: 74.5,
    zpCategory: "B",
    zpFTP: 281,
    club: { id: CLUB_ID, name: "Pacer Racing" },
    race: {
      current: { rating: 1395.2, date: 1764000000, mixed: { category: "Amethyst", number: 6 } },
      last: { rating: 1390.1, date: 1763900000, mixed: { category: "Amethyst", number: 6 } },
      max30: {
        rating: 1410.4,
        date: 1763000000,
        expires: 1765600000,
        mixed: { category: "Amethyst", number: 6 },
      },
      max90: {
        rating: null,
        date: 1760000000,
        expires: 1767800000,
        mixed: { category: "Sapphire", number: 5 },
      },
      finishes: 24,
      dnfs: 2,
      wins: 0,
      podiums: 4,
    },
    power: {
      w5: 980,
      w15: 820,
      w30: 610,
      w60: 450,
      w120: 380,
      w300: 320,
      w1200: 290,
      wkg5: 13.2,
      wkg15: 11.0,
      wkg30: 8.2,
      wkg60: 6.0,
      wkg120: 5.1,
      wkg300: 4.3,
      wkg1200: 3.9,
      CP: 285.4,
      AWC: 18500,
      compoundScore: 1120.5,
      powerRating: 1120.5,
    },
    handicaps: { profile: { flat: 120.1, rolling: 80.4, hilly: 10.2, mountainous: -60.3 } },
    phenotype: {
      value: "Puncheur",
      bias: 12.5,
      scores: { sprinter: 88, puncheur: 93, pursuiter: 85, climber: 80, tt: 82 },
    },
    ...overrides,
  };
}

/** Riders with ids first, first + 1, …: `count` of them. */
export const riderRange = (first: number, count: number) =>
  Array.from({ length: count }, (_, i) => rider(first + i));

/**
 * The real results payload of event 4613373 (zpdatafetch's fixture, as quoted in the facts).
 * The facts elide the title and rider name; those two strings are stand-ins, every other value
 * is the fixture's.
 */
export const RESULTS_4613373 = {
  eventId: "4613373",
  time: 1733339700,
  routeId: "3356878261",
  distance: 16.22,
  elevation: 0,
  title: "Points race (title elided in the facts)",
  type: "Race",
  subType: "Points",
  results: [
    {
      riderId: 17055,
      name: "Rider 17055",
      category: "A",
      time: 1458.972,
      gap: 0,
      position: 1,
      positionInCategory: 1,
      rating: 1316.97,
      ratingBefore: 1296.69,
      ratingDelta: 20.28,
      ratingMax30: 1316.97,
      ratingMax90: 1316.97,
    },
  ],
};

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

/** An EntityReader over fixed stored entities. */
export function storeOf(entities: readonly Entity[] = []): SyncRun["store"] {
  return {
    get: async (type, id) => entities.find((e) => e.type === type && e.id === id),
    list: async (type) => entities.filter((e) => e.type === type),
  };
}

export const storedMember = (riderId: number, clubId = CLUB_ID): Entity => ({
  type: "members",
  id: `${clubId}:${riderId}`,
  data: { riderId, clubId },
});
export const storedRider = (riderId: number): Entity => ({
  type: "riders",
  id: String(riderId),
  data: { riderId },
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
  readonly subjects?: SubjectReader;
  /** The connection's `refreshOnRead`; absent: as a record without it (reads refresh). */
  readonly refreshOnRead?: boolean;
}

export const NOW = new Date("2026-03-10T18:00:00Z");

export function runOf(options: RunOptions): SyncRun {
  return {
    tenantId: "acme",
    connection: {
      connectionId: "conn-1",
      tier: "standard",
      settings: options.settings ?? { clubId: CLUB_ID, experimental: true },
      credentials: "credentials" in options ? options.credentials : { apiKey: API_KEY },
      ...(options.refreshOnRead !== undefined && { refreshOnRead: options.refreshOnRead }),
    },
    syncType: options.syncType,
    params: options.params ?? {},
    now: options.now ?? NOW,
    fetch: options.fetch,
    store: options.store ?? storeOf(),
    checkpoint: options.checkpoint,
    watermark: undefined,
    pushed: NO_PUSHES,
    ...(options.subjects && { subjects: options.subjects }),
  };
}

/** A SubjectReader over fixed last successes, keyed `<syncType> <eventId>`. */
export function subjectsOf(lastSuccess: Readonly<Record<string, string>>): SubjectReader {
  return { lastSuccessAt: async (syncType, params) => lastSuccess[`${syncType} ${params.eventId ?? ""}`] };
}

/** Runs a sync to its end and returns every page it yielded. */
export function drain(options: RunOptions): Promise<Page[]> {
  return pagesOf(zwiftracingModule.sync(runOf(options)));
}

/** Runs a sync expecting it to fail, and returns the error. */
export function failure(options: RunOptions): Promise<unknown> {
  return failureOf(zwiftracingModule.sync(runOf(options)), options.syncType);
}

export const idsOf = (pages: readonly Page[], type: string) =>
  pages.flatMap((page) => page.entities.filter((e) => e.type === type).map((e) => e.id));
