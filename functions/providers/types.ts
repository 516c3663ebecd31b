/**
 * What a provider module gives Pacer. A module knows its provider's API (paths, filters, auth,
 * error quirks, payload mapping) and nothing of Lambda, queues or tables.
 */

/** One synced record. `id` is stable across runs; `data` is what gets hashed, stored and broadcast. */
export interface Entity {
  readonly type: string;
  readonly id: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** A request to the provider; `path` is relative to the provider's base URL, `query` is raw. */
export interface ProviderRequest {
  readonly path: string;
  /** Raw query string without `?`, e.g. `session_key=9161&date>=2023-09-16`; sent as is. */
  readonly query?: string;
  readonly method?: "GET" | "POST";
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /**
   * Whether this call spends the sync type's rate-limit budget. Calls for which permits were
   * taken up front (the sync type's `cost`) are covered; auth/token calls set this to false.
   */
  readonly limited?: boolean;
}

/**
 * Pacer's HTTP client for a provider: prefixes the base URL (honouring `PACER_<ID>_BASE_URL`),
 * applies a timeout, records latency, and turns a 429 into a shared pause plus a
 * `ProviderRateLimitedError`. Every other status comes back to the module to interpret.
 */
export type ProviderFetch = (request: ProviderRequest) => Promise<Response>;

/** Read access to what earlier syncs stored for this tenant and provider. */
export interface EntityReader {
  get(entityType: string, id: string): Promise<Entity | undefined>;
  list(entityType: string): Promise<Entity[]>;
}

export interface SyncRun {
  readonly tenantId: string;
  readonly syncType: string;
  readonly params: Readonly<Record<string, string>>;
  /** The run's clock; use it instead of `Date.now()` so tests and `--speed` can steer time. */
  readonly now: Date;
  readonly fetch: ProviderFetch;
  readonly store: EntityReader;
}

export type RunPlan =
  | { readonly run: true; readonly params: Readonly<Record<string, string>> }
  | { readonly run: false; readonly reason: string };

/**
 * A provider's module as the worker runs it (`createWorkerHandler(module)`). Build it with
 * `defineProvider` (./define.ts), which types it against its catalog definition.
 */
export interface ProviderModule {
  readonly id: string;
  /**
   * Decides, before any permit is taken, whether this run has anything to do, and fills in
   * derived params (e.g. the live session's key). Absent: always run with the given params.
   */
  plan?(run: Omit<SyncRun, "fetch">): Promise<RunPlan>;
  /** Fetches and maps. Throws the typed errors of #core/errors.ts for provider failures. */
  sync(run: SyncRun): Promise<Entity[]>;
}
