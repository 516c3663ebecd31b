import type { z } from "zod";

/**
 * The catalog's vocabulary. The catalog is plain data: the CDK app reads it to create queues,
 * workers and schedules (and to check at synth time that the plan fits every limit); the
 * handlers read it to know what a sync type costs and which limits guard it.
 */

export type Priority = "high" | "normal" | "low";
export const PRIORITIES: readonly Priority[] = ["high", "normal", "low"];

/** Durations are milliseconds; use the helpers below so a catalog reads like prose. */
export const seconds = (n: number): number => n * 1_000;
export const minutes = (n: number): number => n * 60_000;
export const hours = (n: number): number => n * 3_600_000;
export const days = (n: number): number => n * 86_400_000;

/**
 * "N calls per W". `scope: "global"` shares one budget across every connection of the deployment
 * (e.g. a per-IP limit); `scope: "tenant"` is one budget per connection's credential: two
 * connections with the same key share it, two keys never do.
 */
export interface LimitDef {
  readonly id: string;
  /** Calls per window on the provider's default tier (its first). */
  readonly calls: number;
  readonly perMs: number;
  readonly scope: "global" | "tenant";
  /**
   * Calls per window on other tiers, by tier id; a tier not named here has `calls`. A connection's
   * tier picks the number its calls are held to (`limitsForGroup` in ./index.ts).
   */
  readonly tiers?: Readonly<Record<string, number>>;
  /**
   * Permits of each window that only `high` work may take, so that a backlog of scheduled or bulk
   * work never makes a manual trigger wait. Costs utilization when no high work comes.
   * @default 5% of `calls`, rounded down (0 below 20 calls)
   */
  readonly reserve?: number;
}

/**
 * Endpoints that share the same set of limits. A call to any of them needs a permit from every
 * limit, taken at the moment it is sent.
 */
export interface EndpointGroupDef {
  readonly id: string;
  readonly limits: readonly string[];
  /**
   * `METHOD /path` templates relative to the base URL, `{name}` standing for one path segment:
   * `"GET /public/clubs/{clubId}/{afterRiderId}"`. A request that does not name its group is
   * matched against these; one that matches none is refused before it is sent.
   */
  readonly endpoints: readonly string[];
  /**
   * The named host (`ProviderDef.hosts`) these endpoints are on; requests to it name it too.
   * @default the provider's `baseUrl`
   */
  readonly host?: string;
}

/**
 * How often a sync type runs.
 * - `rate`: every `everyMs`. Below one minute (Scheduler's floor) the schedule fires each minute
 *   and the worker fans the minute out into `60s / everyMs` slot-timed jobs.
 * - `cron`: an EventBridge Scheduler cron expression, six fields: `cron(0 3 * * ? *)`.
 * - `manual`: only through `POST /sync`.
 */
export type Cadence =
  | { readonly kind: "rate"; readonly everyMs: number }
  | { readonly kind: "cron"; readonly expression: string; readonly approxEveryMs: number }
  | { readonly kind: "manual" };

export interface SyncTypeDef {
  readonly id: string;
  readonly description: string;
  readonly direction: "pull" | "push";
  /**
   * Provider calls one run is expected to make, per endpoint group id, first call's group first:
   * what planning counts, and what the worker may take ahead in one write where the limits allow.
   * Every call still takes its own permit when it is sent.
   */
  readonly calls: Readonly<Record<string, number>>;
  readonly cadence: Cadence;
  /** Priority of scheduled runs. Manual triggers always go `high`. */
  readonly priority: Priority;
  /** Entity types this sync writes; each is a WebSocket topic `<provider>/<entityType>`. */
  readonly entityTypes: readonly string[];
  /**
   * The params a run reads, checked at `POST /sync` and again by the worker
   * (`functions/core/sync-params.ts`). Strict, so an unknown key is refused; every value a
   * bounded string.
   * @default none: the sync type takes no params
   */
  readonly params?: SyncParamsSchema;
  /**
   * For a sync that writes a race's registrants: the params with which a run reads one Pacer
   * event's feed — each param and the field of the provider's stored event (its `events` entity)
   * it takes: `eventId`, the event the feed names, or `raceId`, the race that event belongs to. A
   * race page read refreshes a stale feed with them (functions/core/race/page-refresh.ts).
   * @default none: a feed is refreshed only by a run without params, if the sync type allows one
   */
  readonly feedParams?: Readonly<Record<string, "eventId" | "raceId">>;
  /**
   * A boolean setting of the connection that must be `true` for this sync type to run (to be
   * scheduled or triggered), e.g. `"experimental"` for endpoints the provider does not document.
   * @default none: runs for every connection
   */
  readonly requiresSetting?: string;
  /**
   * How old this sync's data may be when someone reads it: a read of older data enqueues a refresh
   * (deduplicated), and a provider response younger than this is reused instead of calling again.
   * The provider module may tighten it per run's params (`ProviderModule.freshnessMs`), e.g. as an
   * event nears. Read through `freshnessTargetMs` (./index.ts).
   * @default the cadence's interval (rate: `everyMs`, cron: `approxEveryMs`); manual: 15 minutes
   */
  readonly freshnessMs?: number;
  /**
   * Scheduled only inside time windows the provider module names at run time (OpenF1: while a
   * session is live), by schedules with a start and an end date, instead of around the clock.
   * @default false: the cadence runs around the clock
   */
  readonly windowed?: boolean;
}

/** A strict zod object of string params, each optional or required. */
export type SyncParamsSchema = z.ZodObject<
  Record<string, z.ZodString | z.ZodOptional<z.ZodString>>,
  z.core.$strict
>;

/** A plan the provider sells; its limits say what it allows (LimitDef.tiers). */
export interface TierDef {
  readonly id: string;
  readonly description: string;
}

/**
 * What a tenant gives to connect the provider (`POST /connections`): its provider-specific
 * settings and its credentials, each a strict zod object, so an unknown or malformed field is
 * refused with its name. Credentials are kept in a secret and never shown again.
 */
export interface ConnectionDef {
  readonly settings: z.ZodObject<Record<string, z.ZodType>, z.core.$strict>;
  /** Absent: the provider takes no credentials (a connection may still send none). */
  readonly credentials?: z.ZodObject<
    Record<string, z.ZodType<string> | z.ZodOptional<z.ZodType<string>>>,
    z.core.$strict
  >;
  /** Whether a connection must carry credentials. @default true when `credentials` is set */
  readonly credentialsRequired?: boolean;
}

/**
 * One provider's catalog entry, in its folder: `functions/providers/<id>/definition.ts`, declared
 * `as const satisfies ProviderDef` so that `defineProvider` can check its module against the ids.
 */
export interface ProviderDef {
  readonly id: string;
  readonly displayName: string;
  /**
   * What the provider is to a race: where runners register, or where they are scored. A Pacer
   * event (`/events`) is fed by registration providers' events and pushed to a scoring provider's.
   * @default neither (OpenF1, ZwiftRacing)
   */
  readonly role?: "registration" | "scoring";
  /** Default base URL; `PACER_<ID>_BASE_URL` overrides it, deployed and locally. */
  readonly baseUrl: string;
  /**
   * Other base URLs the module calls, by name: an OAuth server, a public results API on a host of
   * its own. A request names one in `host`; `PACER_<ID>_<NAME>_BASE_URL` overrides each.
   * @default none
   */
  readonly hosts?: Readonly<Record<string, string>>;
  /**
   * How long every worker leaves an endpoint group alone after a 429 that says nothing of when to
   * come back (no `Retry-After`): `"window"`, the longest window of the group's limits, for
   * providers that count strictly per window and document no hint (ZwiftRacing: "wait out the
   * window"); or milliseconds.
   * @default 1000
   */
  readonly pauseOn429?: "window" | number;
  /** The plans the provider sells, the default first; a connection names one (or gets the default). */
  readonly tiers: readonly [TierDef, ...TierDef[]];
  readonly connection: ConnectionDef;
  readonly limits: readonly LimitDef[];
  readonly endpointGroups: readonly EndpointGroupDef[];
  readonly syncTypes: readonly SyncTypeDef[];
}

export interface Catalog {
  readonly providers: readonly ProviderDef[];
}
