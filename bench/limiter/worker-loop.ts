import type { Priority } from "#catalog/types.ts";
import type { WorkerRole } from "./scenarios.ts";

/**
 * A limiter's answer, in the shape of Pacer's PermitDecision (which all three limiters here give):
 * call after `waitMs`, and not if woken more than `validForMs` after that slot; or retry after
 * `retryAfterMs`.
 */
export type BenchDecision =
  | { readonly granted: true; readonly waitMs: number; readonly validForMs: number }
  | { readonly granted: false; readonly retryAfterMs: number };

/** One limiter under test, as a worker sees it. */
export interface BenchLimiter {
  acquire(priority: Priority, maxWaitMs: number): Promise<BenchDecision>;
}

export interface CallRecord {
  readonly priority: Priority;
  /** From first asking for this call's permit to making the call (waits and retries included). */
  readonly acquireMs: number;
  /** The provider's HTTP status; 0 when the request itself failed. */
  readonly status: number;
}

export interface LoopStats {
  readonly calls: CallRecord[];
  /** Refusals (`granted: false`) received. */
  refusals: number;
  /** Permits not used because the worker woke more than `validForMs` after their slot. */
  stalePermits: number;
  /** Limiter calls that threw. */
  errors: number;
}

export interface LoopDeps {
  readonly limiter: BenchLimiter;
  /** Calls the provider once; resolves to its status. */
  readonly callProvider: () => Promise<number>;
  readonly clock: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  /** Upper bound of the uniform jitter added to every `retryAfterMs`. */
  readonly jitterMs: number;
  /** No call starts at or after this time; the loop returns soon after it. */
  readonly deadline: number;
  readonly onError: (error: unknown) => void;
}

const ERROR_BACKOFF_MS = 50;

export function emptyStats(): LoopStats {
  return { calls: [], refusals: 0, stalePermits: 0, errors: 0 };
}

/** One worker: asks for a permit, honours the answer as a Pacer worker must, calls; until the deadline. */
export async function runWorkerLoop(
  role: WorkerRole,
  maxWaitMs: number,
  deps: LoopDeps,
  stats: LoopStats,
): Promise<void> {
  const { clock, deadline } = deps;
  while (clock() < deadline) {
    const gap = idleBefore(role.arrival, deps.random);
    if (gap > 0) {
      if (clock() + gap >= deadline) return;
      await deps.sleep(gap);
    }
    const acquireMs = await obtainPermit(role.priority, maxWaitMs, deps, stats);
    if (acquireMs === undefined) return;
    let status = 0;
    try {
      status = await deps.callProvider();
    } catch (error) {
      deps.onError(error);
    }
    stats.calls.push({ priority: role.priority, acquireMs, status });
  }
}

/** How long a worker idles before its next ask. */
function idleBefore(arrival: WorkerRole["arrival"], random: () => number): number {
  switch (arrival.kind) {
    case "backlog":
      return 0;
    case "random":
      return -Math.log(1 - random()) * arrival.meanGapMs;
    case "spaced":
      return arrival.minGapMs + random() * (arrival.maxGapMs - arrival.minGapMs);
  }
}

/**
 * Asks until a permit is usable, following the limiter contract: on a grant sleep `waitMs`, and
 * if the worker woke more than `validForMs` after the slot, drop it and ask again; on a refusal
 * sleep `retryAfterMs` plus jitter. Resolves to the milliseconds since the first ask, or
 * undefined when the deadline comes first.
 */
async function obtainPermit(
  priority: Priority,
  maxWaitMs: number,
  deps: LoopDeps,
  stats: LoopStats,
): Promise<number | undefined> {
  const { clock, deadline } = deps;
  const askedAt = clock();
  while (clock() < deadline) {
    let decision: BenchDecision;
    try {
      // Never reserve a moment after the run ends: a permit nobody will use is not a real cost.
      decision = await deps.limiter.acquire(priority, Math.max(0, Math.min(maxWaitMs, deadline - clock())));
    } catch (error) {
      stats.errors++;
      deps.onError(error);
      await deps.sleep(ERROR_BACKOFF_MS);
      continue;
    }
    const decidedAt = clock();
    if (decision.granted) {
      // The slot as the caller knows it, like Pacer's takePermit: `waitMs` from when the answer came.
      const slot = decidedAt + decision.waitMs;
      if (slot >= deadline) return undefined;
      if (decision.waitMs > 0) await deps.sleep(decision.waitMs);
      if (clock() - slot > decision.validForMs) {
        stats.stalePermits++;
        continue;
      }
      return clock() - askedAt;
    }
    stats.refusals++;
    const pause = decision.retryAfterMs + deps.random() * deps.jitterMs;
    if (decidedAt + pause >= deadline) return undefined;
    await deps.sleep(pause);
  }
  return undefined;
}
