import { z } from "zod";
import {
  type Catalog,
  findProvider,
  findSyncType,
  limitsForGroup,
  type ProviderDef,
} from "#catalog/index.ts";
import type { ConnectionRecord, ConnectionStore } from "./connections/types.ts";
import { describeCadence } from "./connections/view.ts";
import { type ActiveJobs, enqueueSync } from "./enqueue.ts";
import { ConflictError, ForbiddenError, NotFoundError, UnknownSyncError, ValidationError } from "./errors.ts";
import { CONNECTION_ID_PATTERN, JOB_ID_PATTERN, type JobRecord, MAX_JOB_ID_LENGTH } from "./job.ts";
import type { JobQueue } from "./job-queue.ts";
import type { Limiter, LimitUsage } from "./limiter/types.ts";
import { syncTypeEnabled } from "./schedule-plan.ts";
import { SyncParamsShape, validateSyncParams } from "./sync-params.ts";

/** `POST /sync` body; the sync type's own param schema is checked once the sync type is known. */
export const SyncRequestSchema = z
  .object({
    provider: z.string().min(1).max(64),
    syncType: z.string().min(1).max(64),
    tenantId: z.string().min(1).max(64).optional(),
    /** Which of the tenant's connections to the provider; needed only when it has more than one. */
    connectionId: z
      .string()
      .regex(CONNECTION_ID_PATTERN, "connectionId: c- and 20 lowercase hex digits")
      .optional(),
    params: SyncParamsShape.optional(),
  })
  .strict();
export type SyncRequest = z.infer<typeof SyncRequestSchema>;

export { JOB_ID_PATTERN, MAX_JOB_ID_LENGTH } from "./job.ts";

export interface JobReads {
  create(record: JobRecord): Promise<boolean>;
  get(tenantId: string, jobId: string): Promise<JobRecord | undefined>;
  statuses(tenantId: string): Promise<
    {
      provider: string;
      syncType: string;
      pending: number;
      lastStatus?: string;
      lastJobId?: string;
      lastRunAt?: string;
      lastSuccessAt?: string;
    }[]
  >;
}

export interface SyncRequestDeps {
  readonly catalog: Catalog;
  readonly connections: Pick<ConnectionStore, "get" | "list">;
  readonly jobs: JobReads & ActiveJobs;
  readonly queue: JobQueue;
  readonly limiter: Pick<Limiter, "usage">;
  readonly clock?: () => number;
  /**
   * A recorded job whose message could not be sent. The job is still accepted: its record is due
   * at once, so the lost-job sweep sends the message (core/sweep.ts).
   */
  readonly onSendFailed?: (jobId: string, error: unknown) => void;
}

/** What `POST /sync` answers: the job, and `merged` when it is one already queued or running. */
export type SyncAccepted = Pick<JobRecord, "jobId" | "status" | "priority"> & { readonly merged?: true };

/**
 * A manual trigger: recorded as queued, sent to the provider's high-priority queue — or, when the
 * same sync is already queued or running, merged into that job (raised to high if still queued).
 */
export async function triggerSync(
  deps: SyncRequestDeps,
  callerTenant: string,
  request: SyncRequest,
): Promise<SyncAccepted> {
  if (request.tenantId !== undefined && request.tenantId !== callerTenant) {
    throw new ForbiddenError(`tenantId "${request.tenantId}" is not the caller's tenant`);
  }
  const provider = findProvider(request.provider);
  if (!provider) throw new UnknownSyncError(`unknown provider "${request.provider}"`);
  const syncType = findSyncType(provider, request.syncType);
  if (!syncType) {
    const known = provider.syncTypes.map((s) => s.id).join(", ");
    throw new UnknownSyncError(`${provider.id} has no sync type "${request.syncType}" (known: ${known})`);
  }
  if (syncType.direction !== "pull")
    throw new ValidationError(`${provider.id}/${syncType.id} is not a pull sync`);
  const params = validateSyncParams(syncType, request.params ?? {});
  if (!params.ok) throw new ValidationError(params.problem);
  const connection = await connectionFor(deps, callerTenant, provider, request.connectionId);
  if (!syncTypeEnabled(syncType, connection.settings)) {
    throw new ValidationError(
      `${provider.id}/${syncType.id} runs only for connections with settings.${syncType.requiresSetting} true`,
    );
  }

  const { job, merged } = await enqueueSync(deps, {
    tenantId: callerTenant,
    connectionId: connection.connectionId,
    provider: provider.id,
    syncType: syncType.id,
    params: params.params,
    priority: "high",
    source: "manual",
  });
  return {
    jobId: job.jobId,
    status: job.status,
    priority: job.priority,
    ...(merged ? { merged: true } : {}),
  };
}

/**
 * The connection a manual sync runs for: the one named (the caller's own, enabled, of that
 * provider), or the tenant's only enabled connection to the provider.
 */
async function connectionFor(
  deps: SyncRequestDeps,
  tenantId: string,
  provider: ProviderDef,
  connectionId: string | undefined,
): Promise<ConnectionRecord> {
  if (connectionId !== undefined) {
    const named = await deps.connections.get(tenantId, connectionId);
    if (!named) throw new NotFoundError(`no connection "${connectionId}"`);
    if (named.provider !== provider.id) {
      throw new ValidationError(
        `connectionId: connection "${connectionId}" is to ${named.provider}, not ${provider.id}`,
      );
    }
    if (!named.enabled) throw new ConflictError(`connection "${connectionId}" is disabled; enable it first`);
    return named;
  }
  const enabled = (await deps.connections.list(tenantId)).filter(
    (c) => c.provider === provider.id && c.enabled,
  );
  const [only, ...others] = enabled;
  if (only === undefined) {
    throw new NotFoundError(
      `this tenant has no enabled ${provider.id} connection; create one with POST /connections`,
    );
  }
  if (others.length > 0) {
    throw new ValidationError(
      `connectionId: this tenant has ${enabled.length} enabled ${provider.id} connections; name one (${enabled
        .map((c) => c.connectionId)
        .join(", ")})`,
    );
  }
  return only;
}

/**
 * A job of the caller's tenant; another tenant's job is indistinguishable from a missing one.
 * An id too long to be a job id is the caller's mistake (400); one outside the alphabet of minted
 * ids is well-formed by the job id schema but names no job, so it is 404 without a read.
 */
export async function getJob(deps: SyncRequestDeps, callerTenant: string, jobId: string): Promise<JobRecord> {
  if (jobId.length > MAX_JOB_ID_LENGTH) {
    throw new ValidationError(`jobId: at most ${MAX_JOB_ID_LENGTH} characters, got ${jobId.length}`);
  }
  if (!JOB_ID_PATTERN.test(jobId)) throw new NotFoundError("no job with this id");
  const job = await deps.jobs.get(callerTenant, jobId);
  if (!job) throw new NotFoundError(`no job "${jobId}"`);
  return job;
}

export interface SyncTypeStatus {
  readonly syncType: string;
  readonly cadence: string;
  readonly lastStatus: string | null;
  /** The last run's job (what `GET /jobs/{jobId}` shows), e.g. a new connection's initial run. */
  readonly lastJobId: string | null;
  readonly lastRunAt: string | null;
  readonly lastSuccessAt: string | null;
  /** Seconds since the last success (or null: never). */
  readonly freshnessSeconds: number | null;
  readonly pendingJobs: number;
}

export interface ProviderStatus {
  readonly provider: string;
  readonly syncTypes: SyncTypeStatus[];
  /** Per connection of the tenant's to the provider, its limits' use (none without connections). */
  readonly limits: ConnectionLimitUsage[];
}

/** `GET /status`: per provider and sync type, last success, freshness, pending jobs, permits used per limit. */
export async function syncStatus(
  deps: SyncRequestDeps,
  callerTenant: string,
): Promise<{ tenantId: string; providers: ProviderStatus[] }> {
  const now = (deps.clock ?? Date.now)();
  const [statuses, connections] = await Promise.all([
    deps.jobs.statuses(callerTenant),
    deps.connections.list(callerTenant),
  ]);
  const providers = await Promise.all(
    deps.catalog.providers.map(async (provider) => {
      const own = connections.filter((c) => c.provider === provider.id);
      return {
        provider: provider.id,
        syncTypes: provider.syncTypes.map((syncType) => {
          const s = statuses.find((x) => x.provider === provider.id && x.syncType === syncType.id);
          const lastSuccess = s?.lastSuccessAt ? Date.parse(s.lastSuccessAt) : undefined;
          return {
            syncType: syncType.id,
            cadence: describeCadence(syncType),
            lastStatus: s?.lastStatus ?? null,
            lastJobId: s?.lastJobId ?? null,
            lastRunAt: s?.lastRunAt ?? null,
            lastSuccessAt: s?.lastSuccessAt ?? null,
            freshnessSeconds:
              lastSuccess === undefined ? null : Math.max(0, Math.round((now - lastSuccess) / 1000)),
            pendingJobs: s?.pending ?? 0,
          };
        }),
        limits: (
          await Promise.all(own.map((connection) => connectionUsage(deps, provider, connection)))
        ).flat(),
      };
    }),
  );
  return { tenantId: callerTenant, providers };
}

/**
 * Permits used per limit for one connection, on its tier: its credential's budget for `tenant`
 * limits, the deployment's shared one for `global` limits.
 */
async function connectionUsage(
  deps: SyncRequestDeps,
  provider: ProviderDef,
  connection: ConnectionRecord,
): Promise<ConnectionLimitUsage[]> {
  const seen = new Set<string>();
  const usages: ConnectionLimitUsage[] = [];
  for (const group of provider.endpointGroups) {
    const limits = limitsForGroup(provider, group.id, connection.tier).filter((l) => !seen.has(l.id));
    if (limits.length === 0) continue;
    for (const l of limits) seen.add(l.id);
    const usage = await deps.limiter.usage({ provider: provider.id, limits, scopeKey: connection.budgetKey });
    usages.push(...usage.map((u) => ({ ...u, connectionId: connection.connectionId })));
  }
  return usages;
}

/** A limit's use as `GET /status` reports it: for which connection. */
export type ConnectionLimitUsage = LimitUsage & { readonly connectionId: string };
