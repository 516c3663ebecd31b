import { claimOrHolder, maxJobLifeMs } from "../enqueue.ts";
import { DEFAULT_RETRY_POLICY } from "../retry-budget.ts";
import type { ResumeState, Run } from "./types.ts";

/**
 * Claims the job's subject (tenant, connection, sync type, params) for this leg, renewing the
 * claim of a job that already holds it, so a long sync keeps it while it progresses. A scheduled
 * firing that finds the same sync queued or running does not run it again: the reason to skip
 * comes back. Any other job goes on (it was queued already: a claim lost to expiry is not a
 * reason to drop it). Fan-out children keep their deterministic ids as their dedupe, and a push
 * its single-flight lease (push-flight.ts).
 */
export async function holdSubject(
  run: Pick<Run, "deps" | "message" | "syncType" | "job">,
  params: Readonly<Record<string, string>>,
  resume: ResumeState,
  now: number,
): Promise<string | undefined> {
  const { deps, message, syncType, job } = run;
  if (deps.activeJobs === undefined || message.source === "fanout" || syncType.direction === "push") {
    return undefined;
  }
  const subject = {
    tenantId: message.tenantId,
    connectionId: message.connectionId,
    syncType: syncType.id,
    params,
  };
  const life = maxJobLifeMs(syncType, deps.retry ?? DEFAULT_RETRY_POLICY);
  const claim = await claimOrHolder(deps.activeJobs, subject, job.jobId, now, now + life, deps.sleep);
  const firing =
    message.source === "schedule" &&
    message.attempts === 0 &&
    message.deferrals === 0 &&
    resume.checkpoint === undefined;
  if (!("holder" in claim) || !firing) return undefined;
  const { holder } = claim;
  return `already ${holder.status === "running" ? "running" : "queued"}: ${holder.jobId}`;
}
