import type { Priority } from "#catalog/types.ts";

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

/** A stored record the provider says is gone. */
export interface EntityRef {
  readonly type: string;
  readonly id: string;
}

/** A request to the provider; `path` is relative to the provider's base URL, `query` is raw. */
export interface ProviderRequest {
  readonly path: string;
  /** Raw query string without `?`, e.g. `session_key=9161&date>=2023-09-16`; sent as is. */
  readonly query?: string;
  readonly method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /**
   * The endpoint group this call spends permits from. Absent: the catalog's group whose endpoint
   * templates match the method and path; a call that matches none is refused unsent.
   */
  readonly endpoint?: string;
  /**
   * The named host (the definition's `hosts`) the path is relative to, e.g. `"auth"` for an OAuth
   * server on a host of its own. @default the provider's base URL
   */
  readonly host?: string;
  /**
   * Whether this call spends the provider's rate-limit budget at all. Only calls the provider does
   * not count (an OAuth token request) set this to false.
   */
  readonly limited?: boolean;
}

/**
 * Pacer's HTTP client for a provider: prefixes the base URL (honouring `PACER_<ID>_BASE_URL`),
 * takes the call's permit from its endpoint group's limits at the moment it is sent, applies a
 * timeout, records latency, and turns a 429 into a shared pause plus a `ProviderRateLimitedError`.
 * When no permit frees soon enough it throws `PermitUnavailableError`: the worker then puts the
 * job back, from its last checkpoint, for the moment one frees. Every other status comes back to
 * the module to interpret.
 */
export type ProviderFetch = (request: ProviderRequest) => Promise<Response>;

/** Read access to what earlier syncs stored for this tenant and provider. */
export interface EntityReader {
  get(entityType: string, id: string): Promise<Entity | undefined>;
  list(entityType: string): Promise<Entity[]>;
}

/**
 * Where a sync stands between pages: a small JSON object (a cursor, an offset), at most
 * {@link MAX_CHECKPOINT_BYTES} as JSON. The module gets back exactly what it yielded.
 */
export type Checkpoint = Readonly<Record<string, string | number | boolean | null>>;
export const MAX_CHECKPOINT_BYTES = 2_048;

/**
 * A child job a run enqueues (one per event, say). Its id is derived from the parent's, the sync
 * type and the params, so yielding the same child twice (a page replayed after a crash) is the
 * same job.
 */
export interface ChildJob {
  readonly syncType: string;
  readonly params: Readonly<Record<string, string>>;
  /** @default the child sync type's own priority */
  readonly priority?: Priority;
  /**
   * Epoch ms before which the child must not run (an event's results, shortly after its end): its
   * first message carries it as `notBefore`, and the worker waits it out in chained queue delays.
   * @default none: the child may run at once
   */
  readonly notBefore?: number;
  /**
   * Whether the child's id derives from its connection, sync type, params and `notBefore` alone
   * instead of its parent's id: every run that yields it then names the same job, so it is queued
   * once however many runs see it (one look at an event's results, though each hourly `events`
   * run lists the event until it starts). @default false: derived from the parent's id
   */
  readonly once?: boolean;
}

/**
 * One page of a sync: the worker stores its entities (and removals) before it records the page's
 * checkpoint, so a run that stops after a page resumes with the next call.
 */
export interface Page {
  readonly entities: readonly Entity[];
  /** Stored records the provider says are gone (only where its API says so). */
  readonly removed?: readonly EntityRef[];
  /**
   * Where the run goes on from after this page. Absent on a page after which the module makes no
   * further call (its last): a run that stops there has nothing left to resume.
   */
  readonly checkpoint?: Checkpoint;
  readonly children?: readonly ChildJob[];
  /**
   * The sync state the run leaves for the next one (e.g. a `modified_after` time). Committed when
   * the run has stored every page, never before, so an incremental sync never skips a record.
   */
  readonly watermark?: string;
}

/**
 * What was last pushed to the provider, by content hash, per connection: a push sync asks before
 * it sends a record and remembers it once the provider accepted it, so an unchanged record is not
 * pushed again.
 */
export interface PushLedger {
  /** Whether `data` differs from what was last pushed as this record (true if never pushed). */
  changed(entityType: string, id: string, data: Readonly<Record<string, unknown>>): Promise<boolean>;
  /** Records `data` as what the provider now holds for this record. */
  remember(entityType: string, id: string, data: Readonly<Record<string, unknown>>): Promise<void>;
}

/**
 * What Pacer knows of this run's connection's other syncs (contract: a subject is the connection,
 * a sync type and its params): when each last succeeded. Scoped to the run's tenant and
 * connection, so a module cannot ask about anyone else's.
 */
export interface SubjectReader {
  /** When the connection's sync of `syncType` with exactly `params` last succeeded (ISO 8601), if ever. */
  lastSuccessAt(syncType: string, params: Readonly<Record<string, string>>): Promise<string | undefined>;
}

/** The connection a run works for: its tier, settings and credentials. */
export interface RunConnection {
  readonly connectionId: string;
  readonly tier: string;
  readonly settings: Readonly<Record<string, unknown>>;
  /** From the connection's secret; never logged, stored or put in an error. */
  readonly credentials: Readonly<Record<string, string>> | undefined;
  /**
   * Whether reads of stale data queue their own refresh (the connection's `refreshOnRead`; absent:
   * they do). A fan-out may then leave what is read to the reads and keep only what is not.
   */
  readonly refreshOnRead?: boolean;
}

export interface SyncRun {
  readonly tenantId: string;
  readonly connection: RunConnection;
  readonly syncType: string;
  readonly params: Readonly<Record<string, string>>;
  /** The run's clock; use it instead of `Date.now()` so tests and `--speed` can steer time. */
  readonly now: Date;
  readonly fetch: ProviderFetch;
  readonly store: EntityReader;
  /** Where an earlier leg of this job stopped: the last stored page's checkpoint. */
  readonly checkpoint: Checkpoint | undefined;
  /** The watermark the last completed run of this sync type and connection committed. */
  readonly watermark: string | undefined;
  readonly pushed: PushLedger;
  /**
   * When the connection's syncs last succeeded, per sync type and params: what a fan-out reads to
   * enqueue only children whose data is older than its target. Absent (a worker that does not
   * pass it): every child counts as never synced.
   */
  readonly subjects?: SubjectReader;
}

/** What `plan` sees: the run before it may call the provider. */
export type PlanRun = Omit<SyncRun, "fetch" | "pushed">;

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
   * Decides, before any call, whether this run has anything to do, and fills in derived params
   * (e.g. the live session's key). Absent: always run with the given params.
   */
  plan?(run: PlanRun): Promise<RunPlan>;
  /**
   * Fetches and maps, one page at a time, resuming after `run.checkpoint` when it is set. Throws
   * the typed errors of #core/errors.ts for provider failures.
   */
  sync(run: SyncRun): AsyncIterable<Page>;
}
