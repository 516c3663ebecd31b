import { canonicalJson } from "../content-hash.ts";
import { firstMessageOf, type JobMessage, queuedJob } from "../job.ts";
import type { SyncJobDeps } from "./types.ts";

/**
 * One push of the same records at a time. Two pushes of one event overlap when a push outlasts
 * its slot (thousands of entries at a few calls a second): both would read the ledger before
 * either remembered a record, and send it twice. So a push takes a lease on its connection,
 * sync type and params before its first call; a push that finds it held ends skipped and marks
 * the holder to run once more, which the holder does when it ends — with every change made
 * meanwhile, since a push reads the store as it starts.
 *
 * A holder that fails for good keeps the lease until it expires: the pushes it turned away wait
 * for the next change after that, which pushes everything the ledger has not seen.
 */

/** Long past any leg (an invocation lasts at most 15 min); renewed by each leg of the holder. */
export const PUSH_LEASE_MS = 15 * 60_000;

/** The lease's name: the push sync type and its params (in a stable order). */
export const pushFlight = (syncType: string, params: Readonly<Record<string, string>>): string =>
  `${syncType}#${canonicalJson(params)}`;

/**
 * The holder's end: if a push was turned away meanwhile, queues the one more run (one job per
 * generation, so an ending retried queues it once), then gives the lease up.
 */
export async function endPushFlight(
  deps: Pick<SyncJobDeps, "state" | "jobs" | "queue">,
  message: JobMessage,
  jobId: string,
  flight: string,
  now: number,
): Promise<void> {
  const { tenantId, connectionId } = message;
  if (await deps.state.pushTurnedAway(tenantId, connectionId, flight, jobId)) {
    const again = queuedJob(
      {
        jobId: nextGeneration(jobId),
        tenantId,
        connectionId,
        provider: message.provider,
        syncType: message.syncType,
        priority: message.priority,
        source: "fanout",
        params: { ...message.params },
      },
      now,
    );
    // A second later: by then this holder has let the lease go, so the run is not turned away too.
    if (await deps.jobs.create(again)) await deps.queue.send(firstMessageOf(again), { delaySeconds: 1 });
  }
  await deps.state.releasePush(tenantId, connectionId, flight, jobId);
}

/** `push.ev-1.42` → `push.ev-1.42.again-1` → `push.ev-1.42.again-2`. */
export function nextGeneration(jobId: string): string {
  const match = /^(.*)\.again-(\d+)$/.exec(jobId);
  return match ? `${match[1]}.again-${Number(match[2]) + 1}` : `${jobId}.again-1`;
}
