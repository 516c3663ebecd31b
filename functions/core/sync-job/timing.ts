import { type JobMessage, queueCounters } from "../job.ts";
import { MAX_SQS_DELAY_SECONDS, WORKER_TIMEOUT_SECONDS } from "../resources.ts";
import type { SyncJobDeps } from "./types.ts";

/** When a re-queued job's message shows again, and what its record says meanwhile. */

/** The message as it will be sent for `waitMs` from now; past SQS's 15-minute delay it hops, carrying `notBefore`. */
export function delayed(
  message: JobMessage,
  waitMs: number,
  now: number,
): { body: JobMessage; delaySeconds: number } {
  const delaySeconds = Math.min(MAX_SQS_DELAY_SECONDS, Math.ceil(waitMs / 1000));
  return {
    body: { ...message, notBefore: waitMs > MAX_SQS_DELAY_SECONDS * 1000 ? now + waitMs : undefined },
    delaySeconds,
  };
}

export async function send(
  deps: SyncJobDeps,
  message: JobMessage,
  waitMs: number,
  now: number,
): Promise<void> {
  const { body, delaySeconds } = delayed(message, waitMs, now);
  await deps.queue.send(body, { delaySeconds });
}

/** The record's side of a message about to be sent: due when SQS will show it, and its exact body. */
export function queueState(message: JobMessage, waitMs: number, now: number) {
  const { body, delaySeconds } = delayed(message, waitMs, now);
  return {
    dueAt: new Date(now + delaySeconds * 1000).toISOString(),
    pendingMessage: JSON.stringify(body),
    queuedAs: queueCounters(message),
  };
}

/**
 * A running job is due once its invocation must have ended and SQS would have shown its message
 * again: past that, nothing will finish it but the sweep.
 */
export function runningDueAt(deps: SyncJobDeps, now: number): string {
  return new Date(now + (deps.runningGraceMs ?? WORKER_TIMEOUT_SECONDS * 6 * 1000)).toISOString();
}

/** When the job was first queued: the start of its age (retry budget) and of its wait for permits. */
export function firstQueuedAt(message: JobMessage, fallback: number): number {
  const at = Date.parse(message.enqueuedAt ?? message.scheduledAt ?? "");
  return Number.isFinite(at) ? at : fallback;
}

/** Low work that has waited `agingMs` since it was first queued counts as normal: it is never starved. */
export function effectivePriority(message: JobMessage, now: number, agingMs: number): JobMessage["priority"] {
  if (message.priority !== "low") return message.priority;
  return now - firstQueuedAt(message, now) >= agingMs ? "normal" : "low";
}

/**
 * Where a job's bounds on waiting for permits and on retrying start: when it last stored a page
 * (this leg, or an earlier one per its message), else when it was first queued. A long sync that
 * keeps storing pages is never given up for having run long.
 */
export function progressStart(
  message: JobMessage,
  progressedAt: number | undefined,
  fallback: number,
): number {
  if (progressedAt !== undefined) return progressedAt;
  const at = Date.parse(message.progressAt ?? "");
  return Number.isFinite(at) ? at : firstQueuedAt(message, fallback);
}

/** The message's `progressAt` for its next leg. */
export function progressAtFor(message: JobMessage, progressedAt: number | undefined): string | undefined {
  return progressedAt === undefined ? message.progressAt : new Date(progressedAt).toISOString();
}
