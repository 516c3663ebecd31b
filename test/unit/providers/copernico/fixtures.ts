import { gzipSync } from "node:zlib";
import { copernicoModule } from "#providers/copernico/index.ts";
import type { ScoringParticipant } from "#providers/race/shapes.ts";
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
 * Payloads in Copernico's documented shapes (shared/providers/copernico.md) and the harness that
 * drives the module's syncs without a network: a recording stub fetch, a stub store, an in-memory
 * push ledger, and helpers that drain a sync.
 */

export const API_KEY = "tsk_live_7d0c9a1b2e3f4a5b";
export const RACE_UUID = "5fbe1dc5-deb8-40dd-8a08-2375ac1f13d5";
export const EVENT_10K = "9d7a3c10-0010-4b2e-9a61-1f0c5e2a0010";
export const SETTINGS = { presetLogin: "timer@example.com", presetName: "Pacer Results" };

/** A `participants` entity as Pacer's unified list stores it for a Copernico push. */
export function participant(id: string, overrides: Partial<ScoringParticipant> = {}): Entity {
  const data: ScoringParticipant = {
    participantId: id,
    scoringEventId: RACE_UUID,
    scoringRaceId: EVENT_10K,
    firstName: "Inés",
    lastName: "García",
    email: "ines.garcia@example.com",
    birthDate: "1988-04-12",
    gender: "F",
    bib: "1042",
    team: "Harbour Harriers",
    country: "ES",
    ...overrides,
  };
  return { type: "participants", id: data.participantId, data: { ...data } };
}

/** `count` participants with ids p0001, p0002, … in this race. */
export const participants = (count: number): Entity[] =>
  Array.from({ length: count }, (_, i) => participant(`p${String(i + 1).padStart(4, "0")}`));

/**
 * Export rows with the column keys one integration's preset had (flat keys, times in ms), text
 * double-encoded as Copernico often sends it ("GarcÃ\u00ada" for "García").
 */
export const PRESET_ROWS = [
  {
    dorsal: "1042",
    name: "InÃ©s",
    surname: "GarcÃ\u00ada",
    birthdate: "1988-04-12",
    gender: "female",
    category: "F30",
    status: "finished",
    "times.official_:::start:::": 0,
    "times.official_:::finish:::": 2_471_300,
    "times.real_:::finish:::": 2_449_850,
    "times.real_kt1": 1_201_000,
    "rankings_:::full-1:::": 12,
    "rankings.gen_:::full-1:::": 3,
    "rankings.cat_:::full-1:::": 1,
    "intervalaverages_:::full-1:::": "4:07",
  },
  {
    dorsal: 7,
    name: "Lucas",
    surname: "Martin",
    gender: "male",
    category: "M40",
    status: "dnf",
    "times.official_:::finish:::": null,
    "times.real_:::finish:::": null,
    "rankings_:::full-1:::": 0,
  },
];

export const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });

/** A gzip body with no content-encoding header, as Copernico's CDN may send it. */
export const gzipped = (body: unknown) =>
  new Response(gzipSync(JSON.stringify(body)), {
    status: 200,
    headers: { "content-type": "application/octet-stream" },
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

/** An EntityReader over fixed stored entities. */
export function storeOf(entities: readonly Entity[] = []): SyncRun["store"] {
  return {
    get: async (type, id) => entities.find((e) => e.type === type && e.id === id),
    list: async (type) => entities.filter((e) => e.type === type),
  };
}

/** A push ledger in memory, by JSON of the data: what Pacer's content-hash ledger does. */
export function memoryLedger(): PushLedger & { readonly remembered: Map<string, string> } {
  const remembered = new Map<string, string>();
  return {
    remembered,
    changed: async (type, id, data) => remembered.get(`${type}:${id}`) !== JSON.stringify(data),
    remember: async (type, id, data) => {
      remembered.set(`${type}:${id}`, JSON.stringify(data));
    },
  };
}

export interface RunOptions {
  readonly syncType: "participants" | "results";
  readonly fetch: ProviderFetch;
  readonly params?: Record<string, string>;
  readonly store?: SyncRun["store"];
  readonly checkpoint?: Checkpoint;
  readonly settings?: Record<string, unknown>;
  readonly credentials?: Record<string, string> | undefined;
  readonly pushed?: PushLedger;
}

export const NOW = new Date("2026-05-17T09:30:00Z");
export const PUSH_PARAMS = { eventId: RACE_UUID };
export const RESULTS_PARAMS = { raceId: "harbour-run-2026", eventName: "10K" };

export function runOf(options: RunOptions): SyncRun {
  return {
    tenantId: "acme",
    connection: {
      connectionId: "conn-1",
      tier: "standard",
      settings: options.settings ?? SETTINGS,
      credentials: "credentials" in options ? options.credentials : { apiKey: API_KEY },
    },
    syncType: options.syncType,
    params: options.params ?? (options.syncType === "participants" ? PUSH_PARAMS : RESULTS_PARAMS),
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
  return pagesOf(copernicoModule.sync(runOf(options)));
}

/** Runs a sync expecting it to fail, and returns the error. */
export async function failure(options: RunOptions): Promise<Error> {
  const error = await failureOf(copernicoModule.sync(runOf(options)), options.syncType);
  if (error instanceof Error) return error;
  throw error;
}

/** The registrations a push request carried. */
export const bodyOf = (request: ProviderRequest | undefined): Record<string, unknown>[] =>
  JSON.parse(request?.body ?? "[]") as Record<string, unknown>[];
