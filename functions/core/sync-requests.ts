import { randomUUID } from "node:crypto";
import { z } from "zod";
import { type Catalog, findProvider, findSyncType, limitsFor, type SyncTypeDef } from "#catalog/index.ts";
import { ForbiddenError, NotFoundError, UnknownSyncError, ValidationError } from "./errors.ts";
import { JOB_ID_PATTERN, type JobRecord, MAX_JOB_ID_LENGTH } from "./job.ts";
import type { JobQueue } from "./job-queue.ts";
import type { Limiter, LimitUsage } from "./limiter/types.ts";
import { SyncParamsShape, validateSyncParams } from "./sync-params.ts";

/** `POST /sync` body; the sync type's own param schema is checked once the sync type is known. */
export const SyncRequestSchema = z
  .object({
    provider: z.string().min(1).max(64),
    syncType: z.string().min(1).max(64),
    tenantId: z.string().min(1).max(64).optional(),
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
  readonly jobs: JobReads;
  readonly queue: JobQueue;
  readonly limiter: Pick<Limiter, "usage">;
  readonly clock?: () => number;
  /**
   * A recorded job whose message could not be sent. The job is still accepted: its record is due
   * at once, so the lost-job sweep sends the message (core/sweep.ts).
   */
  readonly onSendFailed?: (jobId: string, error: unknown) => void;
}

/** A manual trigger: recorded as queued, sent to the provider's high-priority queue. */
export async function triggerSync(
  deps: SyncRequestDeps,
  callerTenant: string,
  request: SyncRequest,
): Promise<Pick<JobRecord, "jobId" | "status" | "priority">> {
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

  const now = new Date((deps.clock ?? Date.now)()).toISOString();
  const record: JobRecord = {
    jobId: `m-${randomUUID()}`,
    tenantId: callerTenant,
    provider: provider.id,
    syncType: syncType.id,
    priority: "high",
    source: "manual",
    params: params.params,
    status: "queued",
    attempts: 0,
    deferrals: 0,
    createdAt: now,
    updatedAt: now,
  };
  await deps.jobs.create(record);
  try {
    await deps.queue.send({
      jobId: record.jobId,
      tenantId: record.tenantId,
      provider: record.provider,
      syncType: record.syncType,
      params: record.params,
      priority: record.priority,
      source: "manual",
      enqueuedAt: now,
    });
  } catch (error) {
    deps.onSendFailed?.(record.jobId, error);
  }
  return { jobId: record.jobId, status: record.status, priority: record.priority };
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
  readonly lastRunAt: string | null;
  readonly lastSuccessAt: string | null;
  /** Seconds since the last success (or null: never). */
  readonly freshnessSeconds: number | null;
  readonly pendingJobs: number;
}

export interface ProviderStatus {
  readonly provider: string;
  readonly syncTypes: SyncTypeStatus[];
  readonly limits: LimitUsage[];
}

/** `GET /status`: per provider and sync type, last success, freshness, pending jobs, permits used per limit. */
export async function syncStatus(
  deps: SyncRequestDeps,
  callerTenant: string,
): Promise<{ tenantId: string; providers: ProviderStatus[] }> {
  const now = (deps.clock ?? Date.now)();
  const statuses = await deps.jobs.statuses(callerTenant);
  const providers = await Promise.all(
    deps.catalog.providers.map(async (provider) => {
      const groups = [...new Set(provider.syncTypes.map((s) => s.endpointGroup))];
      const limitIds = new Set<string>();
      const usages: LimitUsage[] = [];
      for (const group of groups) {
        const syncType = provider.syncTypes.find((s) => s.endpointGroup === group) as SyncTypeDef;
        const limits = limitsFor(provider, syncType).filter((l) => !limitIds.has(l.id));
        for (const l of limits) limitIds.add(l.id);
        usages.push(...(await deps.limiter.usage({ provider: provider.id, limits, tenantId: callerTenant })));
      }
      return {
        provider: provider.id,
        syncTypes: provider.syncTypes.map((syncType) => {
          const s = statuses.find((x) => x.provider === provider.id && x.syncType === syncType.id);
          const lastSuccess = s?.lastSuccessAt ? Date.parse(s.lastSuccessAt) : undefined;
          return {
            syncType: syncType.id,
            cadence: describeCadence(syncType),
            lastStatus: s?.lastStatus ?? null,
            lastRunAt: s?.lastRunAt ?? null,
            lastSuccessAt: s?.lastSuccessAt ?? null,
            freshnessSeconds:
              lastSuccess === undefined ? null : Math.max(0, Math.round((now - lastSuccess) / 1000)),
            pendingJobs: s?.pending ?? 0,
          };
        }),
        limits: usages,
      };
    }),
  );
  return { tenantId: callerTenant, providers };
}

function describeCadence(syncType: SyncTypeDef): string {
  const c = syncType.cadence;
  if (c.kind === "manual") return "manual";
  if (c.kind === "cron") return c.expression;
  return `every ${c.everyMs / 1000} s`;
}
