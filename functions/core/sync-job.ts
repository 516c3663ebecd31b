import { findSyncType, type ProviderDef, type SyncTypeDef } from "#catalog/index.ts";
import type { PlanRun, SubjectReader } from "#providers/types.ts";
import type { ConnectionRecord, Credentials } from "./connections/types.ts";
import { PacerError, ValidationError } from "./errors.ts";
import { freshnessFor, NEVER_STALE } from "./freshness-policy.ts";
import {
  countsOf,
  type JobMessage,
  JobMessageSchema,
  type JobRecord,
  queueCounters,
  scheduledJobId,
} from "./job.ts";
import { METRIC } from "./metric-names.ts";
import { LOW_PRIORITY_AGING_MS, MAX_PERMIT_WAIT_MS } from "./resources.ts";
import { slotsPerFiring, syncTypeEnabled } from "./schedule-plan.ts";
import { callPermits } from "./sync-job/call-permits.ts";
import { afterFailure, deadLetter, defer, finish, hop, infrastructureFailure } from "./sync-job/outcomes.ts";
import { storePage } from "./sync-job/pages.ts";
import { endPushFlight, PUSH_LEASE_MS, pushFlight } from "./sync-job/push-flight.ts";
import { countingLedger, keepPushes } from "./sync-job/pushes.ts";
import { fetchLeg } from "./sync-job/reuse.ts";
import { holdSubject } from "./sync-job/subject-claim.ts";
import { effectivePriority, runningDueAt } from "./sync-job/timing.ts";
import {
  type Delivery,
  JobEndedElsewhere,
  type JobOutcome,
  type JobRef,
  type ResumeState,
  RetryableJobError,
  type Run,
  type SyncJobDeps,
} from "./sync-job/types.ts";
import { validateSyncParams } from "./sync-params.ts";

export { type CallPermits, callPermits } from "./sync-job/call-permits.ts";
export { childJobId } from "./sync-job/pages.ts";
export { effectivePriority } from "./sync-job/timing.ts";
export {
  type Delivery,
  type EntityWriter,
  type GateQuestion,
  type JobOutcome,
  type JobRecords,
  type ResumeState,
  RetryableJobError,
  type RunConnections,
  type SyncDone,
  type SyncFollowUp,
  type SyncJobDeps,
  type SyncState,
  type WorkerLog,
  type WorkerMetrics,
} from "./sync-job/types.ts";

/**
 * Runs one sync job delivery: validates it, fans a sub-minute schedule out into its slots, and
 * runs the module's pages — each call taking its own permit as it is sent, each page upserted
 * with delta detection and recorded with its checkpoint before the next call.
 *
 * Every delivery ends in one of three ways, so nothing is lost and nothing runs forever:
 * - done (succeeded or skipped);
 * - queued again as a new message: waiting for a permit (a deferral, bounded by the sync type's
 *   maximum wait) or after a failed attempt (bounded by the retry budget: attempts and age);
 * - failed, with the message in its DLQ carrying the reason.
 * Only when Pacer's own tables or queues fail is the delivery handed back to SQS.
 */
export async function runSyncJob(deps: SyncJobDeps, delivery: Delivery): Promise<JobOutcome> {
  const clock = deps.clock ?? Date.now;
  const parsed = parseMessage(deps.provider, delivery.body);
  if ("problem" in parsed) return deadLetter(deps, delivery, undefined, "INVALID_MESSAGE", parsed.problem);
  const { syncType } = parsed;
  const message: JobMessage = {
    ...parsed.message,
    jobId: parsed.message.jobId ?? scheduledJobId(parsed.message),
  };
  const jobId = message.jobId as string;
  const now = clock();

  if (
    message.source === "schedule" &&
    message.slot === 0 &&
    message.deferrals === 0 &&
    message.attempts === 0
  ) {
    await fanOutSlots(deps, message, syncType);
  }
  const job: JobRef = {
    tenantId: message.tenantId,
    jobId,
    provider: deps.provider.id,
    syncType: syncType.id,
    ...(message.parentJobId === undefined ? {} : { parentJobId: message.parentJobId }),
  };
  const run: Run = { deps, delivery, message, syncType, job, startedAt: now };
  if (message.notBefore !== undefined && message.notBefore > now) return hop(run, message.notBefore - now);

  const iso = new Date(now).toISOString();
  let started: { record: JobRecord; resume: ResumeState } | undefined;
  try {
    await deps.jobs.create({
      ...job,
      connectionId: message.connectionId,
      priority: message.priority,
      source: message.source,
      params: message.params,
      status: "queued",
      attempts: message.attempts,
      deferrals: message.deferrals,
      createdAt: message.enqueuedAt ?? message.scheduledAt ?? iso,
      updatedAt: iso,
    });
    started = await deps.jobs.start(
      job,
      { status: "running", startedAt: iso, updatedAt: iso, deferrals: message.deferrals },
      {
        dueAt: runningDueAt(deps, now),
        pendingMessage: JSON.stringify(message),
        queuedAs: queueCounters(message),
        // Only the delivery the record expects: an older message of a job that has moved on is stale.
        expect: queueCounters(message),
      },
    );
    if (!started) return { kind: "duplicate", jobId };
  } catch (error) {
    return infrastructureFailure(run, error);
  }

  try {
    const params = validateSyncParams(syncType, message.params);
    if (!params.ok) throw new ValidationError(params.problem);
    return await execute(run, params.params, started);
  } catch (error) {
    // Pacer's own storage failed before any call (see execute): SQS delivers the message again.
    if (error instanceof RetryableJobError) throw error;
    if (error instanceof OwnStorageFailure) return await infrastructureFailure(run, error.cause);
    if (error instanceof JobEndedElsewhere) return { kind: "duplicate", jobId };
    return await afterFailure(run, error);
  }
}

/**
 * One leg of a run: the connection's budget and credentials, then page after page, each stored
 * before the next call. It ends when the module has no more pages, or — by throwing a `wait`
 * error (no permit soon enough, the invocation ending) or by running short of time — with the job
 * queued again to resume after its last stored page.
 */
async function execute(
  run: Run,
  params: Readonly<Record<string, string>>,
  started: { record: JobRecord; resume: ResumeState },
): Promise<JobOutcome> {
  const { deps, message, syncType, job, startedAt, delivery } = run;
  const clock = deps.clock ?? Date.now;
  const skip = async (reason: string): Promise<JobOutcome> => {
    await finish(deps, job, "skipped", clock(), { reason, startedMs: startedAt });
    deps.metrics.count(METRIC.jobSkipped);
    return { kind: "done", jobId: job.jobId, status: "skipped" };
  };

  // What the run needs before its first call: Pacer's own storage failing here costs no attempt,
  // the delivery goes back to SQS as when the job record cannot be read.
  let connection: ConnectionRecord | undefined;
  let credentials: Credentials | undefined;
  let watermark: string | undefined;
  let gated: string | undefined;
  try {
    connection = await deps.connections.get(message.tenantId, message.connectionId);
    // Only a scheduled run's first leg asks: a manual trigger, a child or a continuation runs.
    if (connection?.enabled && deps.gate && message.source === "schedule" && !started.resume.checkpoint) {
      gated = await deps.gate({
        tenantId: message.tenantId,
        connectionId: connection.connectionId,
        syncType: syncType.id,
        lastCompletedAt: await deps.state.lastCompleted(
          message.tenantId,
          connection.connectionId,
          syncType.id,
        ),
        now: startedAt,
      });
    }
    if (connection?.enabled && gated === undefined && !started.resume.complete) {
      credentials = await deps.connections.credentials(connection);
      watermark = await deps.state.watermark(message.tenantId, connection.connectionId, syncType.id);
    }
  } catch (error) {
    if (error instanceof PacerError) throw error;
    return infrastructureFailure(run, error);
  }
  if (!connection || connection.provider !== deps.provider.id) return skip("the connection no longer exists");
  if (!connection.enabled) return skip("the connection is disabled");
  if (!syncTypeEnabled(syncType, connection.settings)) {
    return skip(`${syncType.id} runs only for connections with the setting "${syncType.requiresSetting}" on`);
  }
  if (gated !== undefined) return skip(gated);
  const duplicate = await ownStorage(() => holdSubject(run, params, started.resume, clock()));
  if (duplicate !== undefined) return skip(duplicate);

  // A record stored before a count existed reads it as 0.
  let counts = countsOf(started.record.counts);
  let resume = started.resume;
  const flight = syncType.direction === "push" ? pushFlight(syncType.id, params) : undefined;
  // When the oldest answer this leg reused instead of calling was fetched: what the data is as of.
  let reusedFrom: number | undefined;
  // The last page was stored before the previous leg stopped: only the ending is left to do.
  if (!resume.complete) {
    const base: PlanRun = {
      tenantId: message.tenantId,
      connection: {
        connectionId: connection.connectionId,
        tier: connection.tier,
        settings: connection.settings,
        credentials,
        refreshOnRead: connection.refreshOnRead !== false,
      },
      syncType: syncType.id,
      params,
      now: new Date(startedAt),
      store: deps.entities.reader(message.tenantId, deps.provider.id),
      checkpoint: resume.checkpoint,
      watermark,
      ...(deps.activeJobs === undefined ? {} : { subjects: subjectReader(deps.activeJobs, message) }),
    };
    const plan = deps.module.plan ? await deps.module.plan(base) : { run: true as const, params };
    if (!plan.run) return skip(plan.reason);
    // How old an answer may stand in for a call depends on how fresh these params' data must be.
    const targetMs = await ownStorage(() =>
      freshnessFor(deps.provider.id, syncType, params, base.store, startedAt),
    );
    // A child asked for by another run, for data its provider calls final or not due (a finished
    // event's stored results): nothing can have changed that a call would see.
    if (message.source === "fanout" && syncType.direction === "pull" && targetMs === NEVER_STALE) {
      return skip(`${syncType.id} needs no refresh: its data is final or not due yet`);
    }
    if (flight !== undefined) {
      const now = clock();
      const claim = await ownStorage(() =>
        deps.state.claimPush(
          message.tenantId,
          connection.connectionId,
          flight,
          job.jobId,
          now,
          now + PUSH_LEASE_MS,
        ),
      );
      if (!claim.claimed) {
        return skip(
          `push ${claim.holder} of the same records is running; it runs once more when it ends, with these changes`,
        );
      }
    }

    const permits = callPermits({
      provider: deps.provider,
      tier: connection.tier,
      budgetKey: connection.budgetKey,
      priority: effectivePriority(message, startedAt, deps.agingMs ?? LOW_PRIORITY_AGING_MS),
      limiter: deps.limiter,
      maxWaitMs: deps.maxPermitWaitMs ?? MAX_PERMIT_WAIT_MS,
      expectedCalls: syncType.calls,
      clock,
      ...(deps.sleep ? { sleep: deps.sleep } : {}),
      onVoided: () => deps.metrics.count(METRIC.permitVoided),
      onDecision: (_group, granted) => {
        if (granted) run.called = true;
        deps.metrics.count(granted ? METRIC.permitsGranted : METRIC.permitsRefused);
      },
    });
    const client = fetchLeg(run, connection, targetMs);
    // Counted per page, stored with its progress: a resumed push reports the whole job's pushes.
    const ledger = countingLedger(deps.state.pushLedger(message.tenantId, connection.connectionId));
    const pages = deps.module.sync({
      ...base,
      params: plan.params,
      fetch: deps.fetchFor(message, permits, delivery.deadline, client.leg),
      pushed: ledger,
    });
    try {
      for await (const page of pages) {
        if (resume.complete) {
          throw new ValidationError(
            `${deps.provider.id}/${syncType.id} yielded a page after its last (one without a checkpoint)`,
          );
        }
        const pushed = ledger.pending();
        ({ counts, resume } = await ownStorage(() =>
          storePage(deps, job, message, page, counts, resume, clock(), {
            attempts: run.called ? message.attempts + 1 : undefined,
            pushed,
          }),
        ));
        ledger.counted(pushed);
        await client.keepFetched();
        run.progressedAt = clock();
        // Short of time for another call and its page: go on in a fresh invocation from here.
        const left = delivery.deadline === undefined ? Number.POSITIVE_INFINITY : delivery.deadline - clock();
        if (!resume.complete && left < (deps.legReserveMs ?? LEG_RESERVE_MS)) return defer(run, 0, clock());
      }
    } catch (error) {
      await keepPushes(deps, job, counts, ledger, clock());
      throw error;
    }
    reusedFrom = client.oldestReused();
    // Pushed after the last page (a module that remembers, then ends): part of the totals.
    counts = { ...counts, pushed: counts.pushed + ledger.pending() };
  }
  const { watermark: staged } = resume;
  await ownStorage(async () => {
    const followed = await deps.afterSync?.({
      tenantId: message.tenantId,
      connectionId: message.connectionId,
      jobId: job.jobId,
      syncType: syncType.id,
      params,
      counts,
    });
    if (staged !== undefined) {
      await deps.state.commitWatermark(message.tenantId, message.connectionId, syncType.id, staged);
    }
    await deps.state.markCompleted(message.tenantId, message.connectionId, syncType.id, startedAt);
    if (flight !== undefined) await endPushFlight(deps, message, job.jobId, flight, clock());
    await finish(deps, job, "succeeded", clock(), {
      counts,
      ...(followed?.race ? { race: followed.race } : {}),
      startedMs: startedAt,
      ...(run.called ? { attempts: message.attempts + 1 } : {}),
      ...(reusedFrom === undefined ? {} : { dataAsOf: reusedFrom }),
    });
  });
  deps.metrics.count(METRIC.jobSucceeded);
  return { kind: "done", jobId: job.jobId, status: "succeeded" };
}

/**
 * Pacer's own tables or queue failing while a page or the ending is stored (throttled past the
 * SDK's retries, timed out) is not the provider's failure and spends none of the job's attempts:
 * the delivery goes back to SQS, whose receive count bounds it, and resumes after the last page
 * whose checkpoint was stored — repeating at most the one call whose page was not. A refusal of
 * Pacer's own (a checkpoint too large, a child with bad params) stays the run's failure.
 */
class OwnStorageFailure extends Error {
  override readonly cause: unknown;
  constructor(cause: unknown) {
    super("Pacer's storage failed while a page was stored");
    this.cause = cause;
  }
}

async function ownStorage<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    throw error instanceof PacerError || error instanceof JobEndedElsewhere
      ? error
      : new OwnStorageFailure(error);
  }
}

/** A leg needs this much of its invocation left to go on to another page. */
const LEG_RESERVE_MS = 20_000;

function parseMessage(
  provider: ProviderDef,
  body: string,
): { message: JobMessage; syncType: SyncTypeDef } | { problem: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return { problem: "body is not JSON" };
  }
  const result = JobMessageSchema.safeParse(raw);
  if (!result.success) {
    return {
      problem: result.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; "),
    };
  }
  const message = result.data;
  if (message.provider !== provider.id) {
    return { problem: `provider "${message.provider}" sent to the ${provider.id} worker` };
  }
  const syncType = findSyncType(provider, message.syncType);
  if (!syncType) return { problem: `${provider.id} has no sync type "${message.syncType}"` };
  return { message, syncType };
}

/** Scheduler fires at most once a minute; a 30-second cadence becomes two jobs per firing. */
async function fanOutSlots(deps: SyncJobDeps, message: JobMessage, syncType: SyncTypeDef): Promise<void> {
  const { slots, slotIntervalMs } = slotsPerFiring(syncType);
  for (let slot = 1; slot < slots; slot++) {
    await deps.queue.send(
      { ...message, jobId: scheduledJobId({ ...message, slot }), slot },
      { delaySeconds: Math.round((slot * slotIntervalMs) / 1000) },
    );
  }
}

/** When this connection's syncs last succeeded, as a module may ask of them (its children's freshness). */
function subjectReader(
  activeJobs: NonNullable<SyncJobDeps["activeJobs"]>,
  message: Pick<JobMessage, "tenantId" | "connectionId">,
): SubjectReader {
  return {
    lastSuccessAt: async (syncType, params) =>
      (await activeJobs.subjectStatus(message.tenantId, message.connectionId, syncType, params))
        .lastSuccessAt,
  };
}
