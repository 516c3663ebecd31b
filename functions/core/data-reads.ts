import { z } from "zod";
import { type Catalog, findSyncType, type ProviderDef, type SyncTypeDef } from "#catalog/index.ts";
import type { Entity, EntityReader } from "#providers/types.ts";
import { zwiftracingReads } from "#providers/zwiftracing/reads.ts";
import type { ConnectionRecord, ConnectionStore } from "./connections/types.ts";
import { type ActiveJobs, type EnqueueDeps, enqueueSync } from "./enqueue.ts";
import { NotFoundError, ValidationError } from "./errors.ts";
import {
  type FreshnessLookup,
  type FreshnessPolicy,
  freshnessFor,
  isStale,
  NEVER_STALE,
} from "./freshness-policy.ts";
import { syncTypeEnabled } from "./schedule-plan.ts";
import { validateSyncParams } from "./sync-params.ts";

/**
 * Reads of synced data (`GET /data/{provider}/{entityType}`, and WebSocket subscriptions) that
 * refresh what they read: the answer is the stored data at once, with how old it is against its
 * target (./freshness-policy.ts); data older than that enqueues its sync (source `read`, priority
 * high, deduplicated), so the first visitor of a race page gets fresh data moments later and never
 * waits for the provider. Everything is the caller's tenant's: its entities, its connections.
 */

/** Which sync refreshes a read: a sync type of the provider, with its params. */
export interface ReadSubject {
  readonly syncType: string;
  readonly params: Readonly<Record<string, string>>;
}

/** What a read names: one entity (`id`), ids starting with `prefix`, or neither (all of the type). */
export interface ReadSelector {
  readonly id?: string;
  readonly prefix?: string;
}

/**
 * A provider's own mapping of a read to its sync: `subject` null when the read spans several syncs'
 * data (every event's signups), `prefix` to list by instead of the one given. Undefined: the
 * catalog's default (the param-less sync type that writes the entity type). Throws
 * ValidationError for an id or prefix that cannot name the provider's data.
 */
export type ReadMapping = (
  entityType: string,
  selector: ReadSelector,
) => { readonly subject: ReadSubject | null; readonly prefix?: string } | undefined;

export const READ_MAPPINGS: Readonly<Record<string, ReadMapping>> = { zwiftracing: zwiftracingReads };

export interface DataReadDeps {
  readonly catalog: Catalog;
  /** The data table's entities (EntityStore): read only, one tenant and provider at a time. */
  readonly entities: { reader(tenantId: string, provider: string): EntityReader };
  readonly subjects: Pick<ActiveJobs, "subjectStatus">;
  readonly connections: Pick<ConnectionStore, "list">;
  /** How a refresh is queued (enqueueSync's ports). */
  readonly enqueue: EnqueueDeps;
  readonly clock?: () => number;
  /** A refresh that could not be queued: the read is still answered, with `refresh: null`. */
  readonly onRefreshFailed?: (error: unknown) => void;
  /** @default READ_MAPPINGS */
  readonly mappings?: Readonly<Record<string, ReadMapping>>;
  /** @default FRESHNESS_POLICIES */
  readonly policies?: Readonly<Record<string, FreshnessPolicy>>;
}

export const DEFAULT_READ_LIMIT = 100;
export const MAX_READ_LIMIT = 500;
/** An entity id is a DynamoDB sort key (1 KB at most); a selector longer than that names nothing. */
const MAX_SELECTOR_LENGTH = 1024;

const selector = (what: string) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .max(MAX_SELECTOR_LENGTH, `${what}: at most ${MAX_SELECTOR_LENGTH} characters`);

/** The query parameters of `GET /data/{provider}/{entityType}`, as API Gateway passes them (strings). */
export const DATA_QUERY_FIELDS = {
  id: selector("id").optional().describe("one entity's id"),
  prefix: selector("prefix").optional().describe("entities whose ids start with it, e.g. an event's id"),
  limit: z
    .string()
    .regex(/^\d{1,4}$/, `limit: a whole number from 1 to ${MAX_READ_LIMIT}`)
    .optional()
    .describe(`at most this many items (1 to ${MAX_READ_LIMIT}; default ${DEFAULT_READ_LIMIT})`),
  cursor: z
    .string()
    .max(2 * MAX_SELECTOR_LENGTH)
    .optional()
    .describe("the `nextCursor` of the page before"),
};

export const DataQuerySchema = z
  .strictObject(DATA_QUERY_FIELDS)
  .refine((query) => query.id === undefined || query.prefix === undefined, "give id or prefix, not both");
export type DataQuery = z.infer<typeof DataQuerySchema>;

/** How old the read data is, and the refresh it queued (or found queued). */
export interface ReadFreshness {
  readonly syncType: string;
  readonly params: Readonly<Record<string, string>>;
  readonly lastSuccessAt: string | null;
  readonly ageSeconds: number | null;
  /** null: no refresh is needed (the data is final, or not due yet). */
  readonly targetSeconds: number | null;
  readonly refresh: { readonly jobId: string } | null;
}

export interface DataPage {
  readonly items: { readonly id: string; readonly data: Readonly<Record<string, unknown>> }[];
  readonly nextCursor: string | null;
  /** null: the read spans several syncs' data (name one with `id` or `prefix`). */
  readonly freshness: ReadFreshness | null;
}

/** `GET /data/{provider}/{entityType}` for the caller's tenant. */
export async function readData(
  deps: DataReadDeps,
  tenantId: string,
  providerId: string,
  entityType: string,
  rawQuery: Readonly<Record<string, string | undefined>> | null,
): Promise<DataPage> {
  const parsed = DataQuerySchema.safeParse(rawQuery ?? {});
  if (!parsed.success) throw new ValidationError(queryProblem(parsed.error));
  const query = parsed.data;
  const provider = providerOf(deps.catalog, providerId);
  const writers = writersOf(provider, entityType);
  const mapped = readSubject(deps, provider, entityType, writers, query);
  const reader = deps.entities.reader(tenantId, provider.id);
  const limit = query.limit === undefined ? DEFAULT_READ_LIMIT : Number(query.limit);
  if (limit < 1 || limit > MAX_READ_LIMIT)
    throw new ValidationError(`limit: a whole number from 1 to ${MAX_READ_LIMIT}`);
  const [page, freshness] = await Promise.all([
    itemsOf(reader, entityType, query, mapped.prefix ?? query.prefix, limit),
    mapped.subject === null ? null : refreshIfStale(deps, tenantId, provider, mapped.subject, reader),
  ]);
  return { ...page, freshness };
}

/**
 * After a WebSocket subscription to `<provider>/<entityType>`: refreshes the param-less sync that
 * writes it when its data is stale, as a read would. null: nothing queued (fresh, no such sync, or
 * not a data topic).
 */
export async function refreshTopic(
  deps: DataReadDeps,
  tenantId: string,
  topic: string,
): Promise<{ readonly jobId: string } | null> {
  const [providerId = "", entityType = "", ...rest] = topic.split("/");
  const provider = deps.catalog.providers.find((p) => p.id === providerId);
  if (provider === undefined || rest.length > 0) return null;
  const writers = provider.syncTypes.filter((s) => s.entityTypes.includes(entityType));
  if (writers.length === 0) return null;
  const { subject } = readSubject(deps, provider, entityType, writers, {});
  if (subject === null) return null;
  const freshness = await refreshIfStale(
    deps,
    tenantId,
    provider,
    subject,
    deps.entities.reader(tenantId, provider.id),
  );
  return freshness.refresh;
}

function providerOf(catalog: Catalog, providerId: string): ProviderDef {
  const provider = catalog.providers.find((p) => p.id === providerId);
  if (provider !== undefined) return provider;
  const known = catalog.providers.map((p) => p.id).join(", ");
  throw new NotFoundError(`no provider "${clip(providerId)}" (known: ${known})`);
}

/** The sync types that write `entityType`; none is an unknown entity type. */
function writersOf(provider: ProviderDef, entityType: string): SyncTypeDef[] {
  const writers = provider.syncTypes.filter((s) => s.entityTypes.includes(entityType));
  if (writers.length > 0) return writers;
  const known = [...new Set(provider.syncTypes.flatMap((s) => s.entityTypes))].sort().join(", ");
  throw new NotFoundError(`${provider.id} has no entity type "${clip(entityType)}" (known: ${known})`);
}

/**
 * The provider's mapping, else the first param-less pull sync type writing the entity type
 * (scheduled before manual). Its params are checked like a run's: a selector that maps to params
 * the sync type refuses names no data of it.
 */
function readSubject(
  deps: DataReadDeps,
  provider: ProviderDef,
  entityType: string,
  writers: readonly SyncTypeDef[],
  selector: ReadSelector,
): { subject: { syncType: SyncTypeDef; params: Readonly<Record<string, string>> } | null; prefix?: string } {
  const mapped = (deps.mappings ?? READ_MAPPINGS)[provider.id]?.(entityType, selector);
  if (mapped === undefined) {
    const paramless = writers.filter((s) => s.direction === "pull" && s.params === undefined);
    const chosen = paramless.find((s) => s.cadence.kind !== "manual") ?? paramless[0];
    return { subject: chosen === undefined ? null : { syncType: chosen, params: {} } };
  }
  if (mapped.subject === null)
    return { subject: null, ...(mapped.prefix !== undefined && { prefix: mapped.prefix }) };
  const syncType = findSyncType(provider, mapped.subject.syncType);
  if (syncType === undefined)
    throw new Error(`${provider.id}: its read mapping names unknown sync type "${mapped.subject.syncType}"`);
  const params = validateSyncParams(syncType, mapped.subject.params);
  if (!params.ok) throw new ValidationError(params.problem);
  return {
    subject: { syncType, params: params.params },
    ...(mapped.prefix !== undefined && { prefix: mapped.prefix }),
  };
}

/** One page of the tenant's entities, by id; the cursor is the last id given, opaque to callers. */
async function itemsOf(
  reader: EntityReader,
  entityType: string,
  query: DataQuery,
  prefix: string | undefined,
  limit: number,
): Promise<Pick<DataPage, "items" | "nextCursor">> {
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  let entities: Entity[];
  if (query.id !== undefined) {
    const one = await reader.get(entityType, query.id);
    entities = one === undefined ? [] : [one];
  } else {
    entities = (await reader.list(entityType))
      .filter((e) => prefix === undefined || e.id.startsWith(prefix))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
  const rest = after === undefined ? entities : entities.filter((e) => e.id > after);
  const page = rest.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map((e) => ({ id: e.id, data: e.data })),
    nextCursor: rest.length > limit && last !== undefined ? encodeCursor(last.id) : null,
  };
}

/** The subject of a read of `provider`'s data, through the tenant's connections to it. */
async function refreshIfStale(
  deps: DataReadDeps,
  tenantId: string,
  provider: ProviderDef,
  subject: { syncType: SyncTypeDef; params: Readonly<Record<string, string>> },
  reader: EntityReader,
): Promise<ReadFreshness> {
  const connections = await deps.connections.list(tenantId);
  return refreshSubject(deps, tenantId, connections, { provider, ...subject }, reader);
}

/** One sync whose data a read shows, and the runs that also write that data. */
export interface RefreshSubject {
  readonly provider: ProviderDef;
  readonly syncType: SyncTypeDef;
  readonly params: Readonly<Record<string, string>>;
  /**
   * Other params of the same sync type whose runs sync this data too (a registration provider's
   * run without an eventId reads every stored event): their successes make it fresh, and a job of
   * theirs queued or running is the refresh. Only `params` is ever queued.
   */
  readonly coveredBy?: readonly Readonly<Record<string, string>>[];
}

/**
 * The subject's freshness over `connections` — those of the tenant to the provider count (the
 * data is the tenant's, whichever of them synced it: the latest success counts) — and when stale
 * the refresh: the job already queued or running for it, else one queued through the first of
 * them that may refresh on read (enabled, its settings enable the sync type, `refreshOnRead` not
 * false). `lookup`: the tenant's entities of the provider, for its freshness policy.
 */
export async function refreshSubject(
  deps: Pick<DataReadDeps, "subjects" | "enqueue" | "clock" | "onRefreshFailed" | "policies">,
  tenantId: string,
  connections: readonly ConnectionRecord[],
  subject: RefreshSubject,
  lookup: FreshnessLookup,
): Promise<ReadFreshness> {
  const now = (deps.clock ?? Date.now)();
  const { provider, syncType, params } = subject;
  const through = connections
    .filter((c) => c.tenantId === tenantId && c.provider === provider.id)
    .sort((a, b) => (a.connectionId < b.connectionId ? -1 : 1));
  // The subject's own status first: a job of its own is the refresh before one that covers it.
  const asked = [params, ...(subject.coveredBy ?? [])];
  const [targetMs, statuses] = await Promise.all([
    freshnessFor(provider.id, syncType, params, lookup, now, deps.policies),
    Promise.all(
      asked.flatMap((p) =>
        through.map((c) => deps.subjects.subjectStatus(tenantId, c.connectionId, syncType.id, p)),
      ),
    ),
  ]);
  const lastSuccessAt = statuses
    .map((s) => s.lastSuccessAt)
    .filter((at): at is string => at !== undefined && Number.isFinite(Date.parse(at)))
    .sort((a, b) => Date.parse(b) - Date.parse(a))[0];
  let refresh: ReadFreshness["refresh"] = null;
  if (isStale(lastSuccessAt, targetMs, now)) {
    const active = statuses.find((s) => s.activeJobId !== undefined)?.activeJobId;
    refresh =
      active !== undefined
        ? { jobId: active }
        : await queueRefresh(deps, tenantId, provider, { syncType, params }, through);
  }
  const at = lastSuccessAt === undefined ? undefined : Date.parse(lastSuccessAt);
  return {
    syncType: syncType.id,
    params,
    lastSuccessAt: lastSuccessAt ?? null,
    ageSeconds: at === undefined ? null : Math.max(0, Math.round((now - at) / 1000)),
    targetSeconds: targetMs === NEVER_STALE ? null : Math.round(targetMs / 1000),
    refresh,
  };
}

async function queueRefresh(
  deps: Pick<DataReadDeps, "enqueue" | "onRefreshFailed">,
  tenantId: string,
  provider: ProviderDef,
  subject: { syncType: SyncTypeDef; params: Readonly<Record<string, string>> },
  connections: readonly ConnectionRecord[],
): Promise<ReadFreshness["refresh"]> {
  const { syncType, params } = subject;
  if (syncType.direction !== "pull") return null;
  const through = connections.find(
    (c) => c.enabled && syncTypeEnabled(syncType, c.settings) && refreshesOnRead(c),
  );
  if (through === undefined) return null;
  try {
    const { job } = await enqueueSync(deps.enqueue, {
      tenantId,
      connectionId: through.connectionId,
      provider: provider.id,
      syncType: syncType.id,
      params,
      priority: "high",
      source: "read",
    });
    return { jobId: job.jobId };
  } catch (error) {
    deps.onRefreshFailed?.(error);
    return null;
  }
}

/**
 * A connection's generic `refreshOnRead` (default true; absent on records written before the
 * field): false leaves its data to its schedules, as the simulator's seed strategy does.
 */
function refreshesOnRead(connection: ConnectionRecord): boolean {
  return connection.refreshOnRead !== false;
}

function encodeCursor(id: string): string {
  return Buffer.from(id, "utf8").toString("base64url");
}

function decodeCursor(cursor: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor))
    throw new ValidationError("cursor: not one this API gave (use nextCursor as it is)");
  return Buffer.from(cursor, "base64url").toString("utf8");
}

/** zod's first issue about the query, naming the parameter (an unknown one by its name). */
function queryProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue?.code === "unrecognized_keys") {
    return `unknown query parameter ${issue.keys.map((k) => `"${clip(k)}"`).join(", ")}: expected id, prefix, limit, cursor`;
  }
  const path = issue?.path.map(String).join(".") ?? "";
  const message = issue?.message ?? "not valid";
  return path === "" || message.startsWith(path) ? message : `${path}: ${message}`;
}

function clip(text: string, max = 64): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
