import type { ProviderDef } from "#catalog/types.ts";
import { type EnqueueDeps, enqueueSync, type TriggerSource } from "../enqueue.ts";
import type { JobQueue } from "../job-queue.ts";
import type { ScheduleDef } from "../schedule-plan.ts";
import type { JobReads } from "../sync-requests.ts";
import type { ConnectionRecord } from "./types.ts";

/**
 * Syncs a connection change queues besides its schedules, so data does not wait for the first
 * firing: an `initial` run of every scheduled sync type once it is created or enabled, and a
 * `recovery` run of each whose last run failed once what failed may have cleared (new
 * credentials). Queued through enqueueSync, so one already queued or running is not queued again.
 * A sync that cannot be queued does not undo the change: it is reported, and the schedule still runs.
 */
export interface FollowUpDeps {
  /** Absent (with `queue`): nothing is queued, as before these triggers existed. */
  readonly jobs?: EnqueueDeps["jobs"] & Pick<JobReads, "statuses">;
  readonly queue?: JobQueue;
  readonly clock?: () => number;
  /** A job recorded whose message could not be sent (the sweep sends it). */
  readonly onSendFailed?: (jobId: string, error: unknown) => void;
  /** A follow-up sync that could not be queued at all (for the log). */
  readonly onFollowUpFailed?: (syncType: string, source: TriggerSource, error: unknown) => void;
}

/** One `initial` job per scheduled sync type of the connection (windowed ones have no schedule here). */
export async function queueInitialSyncs(
  deps: FollowUpDeps,
  provider: ProviderDef,
  record: ConnectionRecord,
  schedules: readonly ScheduleDef[],
): Promise<void> {
  for (const def of schedules) await queueFollowUp(deps, provider, record, def.syncType, "initial");
}

/**
 * One `recovery` job per scheduled sync type whose last run for this connection failed. The
 * tenant's statuses are per provider and sync type; the last job's record says whether it was
 * this connection's (a record since expired counts as this connection's: one call at most).
 */
export async function queueRecoverySyncs(
  deps: FollowUpDeps,
  provider: ProviderDef,
  record: ConnectionRecord,
  schedules: readonly ScheduleDef[],
): Promise<void> {
  const jobs = deps.jobs;
  if (jobs === undefined || deps.queue === undefined || schedules.length === 0) return;
  let statuses: Awaited<ReturnType<JobReads["statuses"]>>;
  try {
    statuses = await jobs.statuses(record.tenantId);
  } catch (error) {
    deps.onFollowUpFailed?.("*", "recovery", error);
    return;
  }
  for (const def of schedules) {
    const status = statuses.find((s) => s.provider === provider.id && s.syncType === def.syncType);
    if (status?.lastStatus !== "failed") continue;
    if (status.lastJobId !== undefined) {
      const last = await jobs.get(record.tenantId, status.lastJobId).catch(() => undefined);
      if (last !== undefined && last.connectionId !== record.connectionId) continue;
    }
    await queueFollowUp(deps, provider, record, def.syncType, "recovery");
  }
}

async function queueFollowUp(
  deps: FollowUpDeps,
  provider: ProviderDef,
  record: ConnectionRecord,
  syncTypeId: string,
  source: TriggerSource,
): Promise<void> {
  const { jobs, queue } = deps;
  const syncType = provider.syncTypes.find((s) => s.id === syncTypeId);
  if (jobs === undefined || queue === undefined || syncType === undefined) return;
  try {
    await enqueueSync(
      {
        jobs,
        queue,
        ...(deps.clock === undefined ? {} : { clock: deps.clock }),
        ...(deps.onSendFailed === undefined ? {} : { onSendFailed: deps.onSendFailed }),
      },
      {
        tenantId: record.tenantId,
        connectionId: record.connectionId,
        provider: provider.id,
        syncType: syncType.id,
        params: {},
        priority: syncType.priority,
        source,
      },
    );
  } catch (error) {
    deps.onFollowUpFailed?.(syncType.id, source, error);
  }
}
