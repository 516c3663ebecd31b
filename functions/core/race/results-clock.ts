import type { Catalog } from "#catalog/types.ts";
import { firstMessageOf, type JobRecord, queuedJob } from "../job.ts";
import type { JobQueue } from "../job-queue.ts";
import type { JobRecords } from "../sync-job/types.ts";
import { CADENCE, endOf, isRetired, type RaceTimes, resultsDue } from "./cadence.ts";
import { resultsParamsOf, SCORING_RESULTS_SYNC, type ScoringTarget } from "./types.ts";

/**
 * The race clock: run every 5 minutes, it queues the scoring provider's `results` pull of every
 * Pacer event whose results are due (functions/core/race/cadence.ts: every 30 min while it runs,
 * once more after its end), whatever its tenant. It reads a small index the race event store keeps
 * beside the events (one entry per event with a scoring target), never the whole table.
 */

/** One event with a scoring target, as the race event store indexes it for the clock. */
export interface ClockEntry {
  readonly tenantId: string;
  readonly eventId: string;
  /** ISO 8601, as the event has them. */
  readonly startsAt: string;
  readonly endsAt?: string;
  readonly scoring: ScoringTarget;
  /** When the clock last queued the event's results (epoch ms). */
  readonly resultsQueuedAt?: number;
}

/** The index of events the clock watches (kept by the race event store on create, update, delete). */
export interface ResultsClockIndex {
  clockEntries(): Promise<ClockEntry[]>;
  /** Records that the event's results were queued at `at`; nothing if the entry is gone. */
  markResultsQueued(tenantId: string, eventId: string, at: number): Promise<void>;
  /** Takes a retired event off the clock (an update that gives it new times puts it back). */
  dropFromClock(tenantId: string, eventId: string): Promise<void>;
}

export interface ResultsClockDeps {
  readonly index: ResultsClockIndex;
  readonly jobs: Pick<JobRecords, "create">;
  readonly queue: Pick<JobQueue, "send">;
  readonly catalog: Catalog;
  readonly clock?: () => number;
  /** The stand-in's `--time-scale`: the cadence shrinks as every limit window does. @default 1 */
  readonly timeScale?: number;
}

export interface ClockRun {
  /** Events whose results were due. */
  readonly due: number;
  /** Results jobs queued by this run. */
  readonly queued: number;
  /** Due events whose job for the slot another run had already queued. */
  readonly alreadyQueued: number;
  /** Events taken off the clock: retired, or scored by a provider without a results sync. */
  readonly dropped: number;
}

/** The 30-minute results slot under a limit time scale (1 deployed). */
export const resultsSlotMs = (timeScale = 1): number => CADENCE.resultsWhileRunning / timeScale;

/** One run of the clock over every indexed event. */
export async function runResultsClock(deps: ResultsClockDeps): Promise<ClockRun> {
  const now = (deps.clock ?? Date.now)();
  const timeScale = deps.timeScale ?? 1;
  let due = 0;
  let queued = 0;
  let alreadyQueued = 0;
  let dropped = 0;
  for (const entry of await deps.index.clockEntries()) {
    const race = scaled(entry, timeScale);
    const provider = deps.catalog.providers.find((p) => p.id === entry.scoring.provider);
    const syncType = provider?.syncTypes.find((s) => s.id === SCORING_RESULTS_SYNC);
    if (isRetired(race.times, race.at(now)) || !provider || !syncType) {
      await deps.index.dropFromClock(entry.tenantId, entry.eventId);
      dropped++;
      continue;
    }
    const last = entry.resultsQueuedAt === undefined ? undefined : race.at(entry.resultsQueuedAt);
    if (!resultsDue(race.times, last, race.at(now))) continue;
    due++;
    const final = race.at(now) >= endOf(race.times);
    const record = resultsJob(entry, syncType.priority, now, timeScale, final);
    if (await deps.jobs.create(record)) {
      await deps.queue.send(firstMessageOf(record));
      queued++;
    } else {
      // Queued by an earlier run that stopped before recording it: record it now, once.
      alreadyQueued++;
    }
    await deps.index.markResultsQueued(entry.tenantId, entry.eventId, now);
  }
  return { due, queued, alreadyQueued, dropped };
}

/**
 * `results.<eventId>.<slot>`: one per event and 30-minute slot, so two runs in a slot queue one.
 * The pull after the end is `….final`: it may fall in the slot of the last pull while running.
 */
export function resultsJobId(eventId: string, now: number, timeScale = 1, final = false): string {
  return `results.${eventId}.${Math.floor(now / resultsSlotMs(timeScale))}${final ? ".final" : ""}`;
}

function resultsJob(
  entry: ClockEntry,
  priority: JobRecord["priority"],
  now: number,
  timeScale: number,
  final: boolean,
): JobRecord {
  return queuedJob(
    {
      jobId: resultsJobId(entry.eventId, now, timeScale, final),
      tenantId: entry.tenantId,
      connectionId: entry.scoring.connectionId,
      provider: entry.scoring.provider,
      syncType: SCORING_RESULTS_SYNC,
      priority,
      source: "fanout",
      params: { ...resultsParamsOf(entry.scoring) },
    },
    now,
  );
}

/**
 * The event's times on a clock that runs `timeScale` times faster from its start: what the cadence
 * rules see, so that under the stand-in's `--time-scale` the 30-minute cadence (and the 7 days to
 * retirement) shrink alike while the event still starts and ends when it says.
 */
function scaled(entry: ClockEntry, timeScale: number) {
  const startsAt = Date.parse(entry.startsAt);
  const at = (t: number) => startsAt + (t - startsAt) * timeScale;
  const times: RaceTimes =
    entry.endsAt === undefined ? { startsAt } : { startsAt, endsAt: at(Date.parse(entry.endsAt)) };
  return { times, at };
}
