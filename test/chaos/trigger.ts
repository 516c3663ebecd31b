import { type JobMessageInput, scheduledJobId } from "#core/job.ts";
import type { LimitUsage } from "#core/limiter/types.ts";
import type { Harness, Phase } from "./harness.ts";
import { type ChaosJob, jobKey } from "./observe.ts";

/**
 * How a phase starts its jobs, and when: weather syncs, each with its own session_key so that the
 * fault server can tell whose call it answers, started through `POST /sync` or sent as a scheduled
 * slot's message, once OpenF1's window and Pacer's limiter have room for the phase.
 */

export const PROVIDER = "openf1";
const SYNC_TYPE = "weather";
const PACE_MAX_MS = 65_000;

let nextKey = 9_100_001;
let lastScheduledAt = 0;

/**
 * Starts the phase's jobs, each with a fresh session_key scripted as its plan says. Returns the
 * jobs, each one's message body (read back from the queue where possible, so that a duplicate is
 * exact), and how many triggers the API refused.
 */
export async function trigger(
  harness: Harness,
  phase: Phase,
): Promise<{ jobs: ChaosJob[]; bodies: Map<string, string>; errors: number }> {
  const jobs: ChaosJob[] = [];
  const bodies = new Map<string, string>();
  const scheduled: string[] = [];
  let errors = 0;
  for (const plan of phase.jobs) {
    const key = String(nextKey++);
    harness.server.script(key, plan.script);
    const triggeredAt = Date.now();
    const params = { session_key: key };
    if (plan.via === "manual") {
      const jobId = await postSync(harness, params);
      if (jobId === undefined) {
        errors++;
        continue;
      }
      const tenantId = harness.stack.tenantId;
      jobs.push({ phase: phase.fault, tenantId, jobId, key, via: "manual", triggeredAt });
      // What the API sends, in case the worker took the message before it could be read back.
      const message: JobMessageInput = {
        jobId,
        tenantId,
        connectionId: harness.connectionId,
        provider: PROVIDER,
        syncType: SYNC_TYPE,
        params,
        priority: "high",
        source: "manual",
      };
      bodies.set(jobKey(tenantId, jobId), JSON.stringify(message));
    } else {
      // A 30-second cadence's second slot: slot 0 would fan out a further job the suite does not track.
      const message: JobMessageInput = {
        tenantId: harness.stack.tenantId,
        connectionId: harness.connectionId,
        provider: PROVIDER,
        syncType: SYNC_TYPE,
        params,
        priority: "normal",
        source: "schedule",
        scheduledAt: uniqueScheduledAt(),
        slot: 1,
      };
      const jobId = scheduledJobId({ ...message, slot: 1 });
      const body = JSON.stringify(message);
      jobs.push({ phase: phase.fault, tenantId: message.tenantId, jobId, key, via: "schedule", triggeredAt });
      bodies.set(jobKey(message.tenantId, jobId), body);
      scheduled.push(body);
    }
  }
  if (scheduled.length > 0) await harness.send(scheduled);
  // The API's own message bodies, read back from the queue, make exact duplicates.
  for (const [key, body] of await harness.observer.queuedBodies()) if (bodies.has(key)) bodies.set(key, body);
  return { jobs, bodies, errors };
}

/** `POST /sync`; a network error or 5xx is tried again twice, as a caller would. */
async function postSync(harness: Harness, params: Record<string, string>): Promise<string | undefined> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const response = await fetch(`${harness.stack.api}/sync`, {
        method: "POST",
        headers: { authorization: `Bearer ${harness.stack.token}`, "content-type": "application/json" },
        body: JSON.stringify({ provider: PROVIDER, syncType: SYNC_TYPE, params }),
        signal: AbortSignal.timeout(10_000),
      });
      const body = (await response.json().catch(() => ({}))) as { jobId?: string };
      if (response.status === 202 && body.jobId) return body.jobId;
      harness.log(`POST /sync answered ${response.status}: ${JSON.stringify(body).slice(0, 300)}`);
      if (response.status < 500) return undefined;
    } catch (error) {
      harness.log(`POST /sync failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return undefined;
}

/**
 * Waits until both OpenF1's window (as the fault server counts it) and Pacer's limiter (as
 * `GET /status` reports it) have room for `calls`, and no provider pause is on, so that a phase's
 * jobs meet its own faults rather than the budget its predecessors spent. Gives up after a minute
 * and a bit: the phase then runs anyway.
 */
export async function pace(harness: Harness, calls: number): Promise<void> {
  const deadline = Date.now() + PACE_MAX_MS;
  while (Date.now() < deadline) {
    if (harness.server.room() >= calls && (await pacerRoom(harness)) >= calls) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Permits Pacer's longest OpenF1 limit would still grant now (0 while paused). */
async function pacerRoom(harness: Harness): Promise<number> {
  try {
    const response = await fetch(`${harness.stack.api}/status`, {
      headers: { authorization: `Bearer ${harness.stack.token}` },
      signal: AbortSignal.timeout(5_000),
    });
    const status = (await response.json()) as { providers?: { provider: string; limits?: LimitUsage[] }[] };
    const limits = status.providers?.find((provider) => provider.provider === PROVIDER)?.limits ?? [];
    const now = Date.now();
    if (limits.some((limit) => limit.pausedUntil !== undefined && Date.parse(limit.pausedUntil) > now))
      return 0;
    // The longest window is the one a phase can exhaust; a shorter one refills within its own run.
    const longest = limits.reduce<LimitUsage | undefined>(
      (a, b) => (a && a.perMs >= b.perMs ? a : b),
      undefined,
    );
    return longest === undefined ? 0 : longest.calls - longest.used - longest.reserved;
  } catch {
    return 0;
  }
}

/** Scheduler-style times, one millisecond apart at least, so every scheduled job has its own id. */
function uniqueScheduledAt(): string {
  lastScheduledAt = Math.max(Date.now(), lastScheduledAt + 1);
  return new Date(lastScheduledAt).toISOString();
}
