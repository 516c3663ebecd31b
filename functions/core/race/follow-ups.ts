import type { ProviderDef } from "#catalog/types.ts";
import { firstMessageOf, queuedJob, type RaceCounts } from "../job.ts";
import type { JobQueue } from "../job-queue.ts";
import type { EntityWriter, JobRecords, SyncDone, SyncFollowUp } from "../sync-job/types.ts";
import { CADENCE, pushSlot } from "./cadence.ts";
import {
  eventsFedBy,
  type RaceEventRecord,
  type RaceEventStore,
  registrantSyncTypes,
  type UnifyCounts,
} from "./types.ts";
import { unifyEvent } from "./unify-event.ts";

/**
 * What follows a registration sync that changed something: every Pacer event the connection
 * feeds is unified again, and where its scoring records changed, the event's push for the current
 * 5-minute slot is queued (once per slot: a job id per event and slot), to go at the slot's end.
 */
export interface RaceFollowUpDeps {
  readonly events: Pick<RaceEventStore, "list" | "owned">;
  readonly entities: EntityWriter;
  readonly jobs: Pick<JobRecords, "create">;
  readonly queue: Pick<JobQueue, "send">;
  readonly clock?: () => number;
  /** The push slot (functions/core/race/cadence.ts); the limits' time scale shortens it. @default 5 min */
  readonly pushSlotMs?: number;
}

export interface RegistrationsChanged {
  readonly tenantId: string;
  readonly connectionId: string;
  readonly jobId: string;
}

/**
 * The worker's `afterSync` for a registration provider: a run of a sync type that writes
 * registrants, and changed some, sets off its events' unification and pushes, and reports the
 * unification's counts for the job's record.
 */
export function followRegistrations(
  deps: RaceFollowUpDeps,
  provider: Pick<ProviderDef, "syncTypes">,
): (done: SyncDone) => Promise<SyncFollowUp | undefined> {
  const writesRegistrants = registrantSyncTypes(provider);
  return async (done) => {
    if (!writesRegistrants.has(done.syncType)) return undefined;
    if (done.counts.written === 0 && done.counts.removed === 0) return undefined;
    const { race } = await afterRegistrationsChanged(deps, done);
    // A connection that feeds no event unified nothing: its job's record carries no race counts.
    return race.events > 0 ? { race } : undefined;
  };
}

/** The push slot under a limit time scale (1 deployed): every window Pacer keeps shrinks alike. */
export const pushSlotMs = (timeScale: number): number => CADENCE.pushDebounce / timeScale;

/** The scoring push sync type every scoring provider has. */
export const SCORING_PUSH_SYNC = "participants";

export async function afterRegistrationsChanged(
  deps: RaceFollowUpDeps,
  changed: RegistrationsChanged,
): Promise<{ readonly unified: number; readonly pushesQueued: number; readonly race: RaceCounts }> {
  const now = (deps.clock ?? Date.now)();
  const fed = await eventsFedBy(deps.events, changed.tenantId, changed.connectionId);
  let pushesQueued = 0;
  let race = NO_RACE_COUNTS;
  for (const event of fed) {
    const counts = await unifyEvent(deps, changed.tenantId, event, changed.jobId);
    race = addRaceCounts(race, counts);
    if (counts.scoringChanged && (await queuePush(deps, event, now))) pushesQueued++;
  }
  return { unified: fed.length, pushesQueued, race };
}

const NO_RACE_COUNTS: RaceCounts = {
  events: 0,
  pulled: 0,
  matched: 0,
  merged: 0,
  unchanged: 0,
  conflicts: 0,
};

/** One more event's unification in the job's race counts. */
function addRaceCounts(race: RaceCounts, event: UnifyCounts): RaceCounts {
  return {
    events: race.events + 1,
    pulled: race.pulled + event.pulled,
    // Each registration read is in one participant: those beyond a participant's first joined it.
    // (A feed listed twice is read twice, and counted twice here as in `pulled`.)
    matched: race.matched + event.matched,
    merged: race.merged + event.merged,
    unchanged: race.unchanged + event.unchanged,
    conflicts: race.conflicts + event.conflicts,
  };
}

/** The push job of the event's current slot; false when that slot's push is already queued. */
export async function queuePush(
  deps: Pick<RaceFollowUpDeps, "jobs" | "queue" | "pushSlotMs">,
  event: RaceEventRecord,
  now: number,
): Promise<boolean> {
  const target = event.scoring;
  if (!target) return false;
  const { slot, at } = pushSlot(now, deps.pushSlotMs);
  const record = queuedJob(
    {
      jobId: `push.${event.eventId}.${slot}`,
      tenantId: event.tenantId,
      connectionId: target.connectionId,
      provider: target.provider,
      syncType: SCORING_PUSH_SYNC,
      priority: "normal",
      source: "fanout",
      params: { eventId: target.eventId },
      // Its message is delayed to the slot's end: the sweep must not count it lost before then.
      notBefore: new Date(at).toISOString(),
    },
    now,
  );
  if (!(await deps.jobs.create(record))) return false;
  await deps.queue.send(firstMessageOf(record), { delaySeconds: Math.ceil((at - now) / 1000) });
  return true;
}
