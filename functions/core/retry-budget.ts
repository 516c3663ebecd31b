import type { SyncTypeDef } from "#catalog/types.ts";
import { withJitter } from "./retry-after.ts";

/**
 * How far a job may go before it is given up. Kept in the job's message and record, never in SQS's
 * receive count: every re-queue is a new message, so that count restarts and would never end.
 */
export interface RetryPolicy {
  /** Provider attempts (calls that failed with a retryable error, 429s included) before the job fails. */
  readonly maxAttempts: number;
  /** First retry waits about this long; each further one doubles it. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A job older than this (since it was first queued) is not retried again. */
  readonly maxAgeMs: number;
  /** When set, every sync type may wait for permits at most this long (see maxPermitWaitMs). */
  readonly maxPermitWaitMs?: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 2_000,
  maxDelayMs: 5 * 60_000,
  maxAgeMs: 60 * 60_000,
};

/** The retry settings as the worker's environment holds them (core/functions.ts, WORKER_ENV). */
export interface RetryEnv {
  readonly retryMaxAttempts: number;
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
  readonly retryMaxAgeMs: number;
  /** 0: unset. */
  readonly maxPermitWaitMs: number;
}

/** The policy from `PACER_RETRY_*` and `PACER_MAX_PERMIT_WAIT_MS`, checked for consistency. */
export function retryPolicyFromEnv(env: RetryEnv): RetryPolicy {
  const policy: RetryPolicy = {
    maxAttempts: env.retryMaxAttempts,
    baseDelayMs: env.retryBaseDelayMs,
    maxDelayMs: env.retryMaxDelayMs,
    maxAgeMs: env.retryMaxAgeMs,
    maxPermitWaitMs: env.maxPermitWaitMs || undefined,
  };
  const problems = [
    policy.maxAttempts >= 1 && Number.isInteger(policy.maxAttempts) ? "" : "PACER_RETRY_MAX_ATTEMPTS ≥ 1",
    policy.baseDelayMs > 0 ? "" : "PACER_RETRY_BASE_DELAY_MS > 0",
    policy.maxDelayMs >= policy.baseDelayMs ? "" : "PACER_RETRY_MAX_DELAY_MS ≥ PACER_RETRY_BASE_DELAY_MS",
    policy.maxAgeMs > 0 ? "" : "PACER_RETRY_MAX_AGE_MS > 0",
  ].filter(Boolean);
  if (problems.length > 0) throw new Error(`retry settings must satisfy: ${problems.join(", ")}`);
  return policy;
}

/** Bounds of the default permit wait: long enough to ride out a provider's pause, never days. */
const MIN_PERMIT_WAIT_MS = 60 * 60_000;
const MAX_PERMIT_WAIT_MS = 24 * 60 * 60_000;

/**
 * How long a job of this sync type may wait for permits, from when it was first queued, before it
 * fails: four cadences (a run that late is superseded by later ones), at least an hour, at most a day.
 */
export function maxPermitWaitMs(syncType: SyncTypeDef, policy: RetryPolicy): number {
  if (policy.maxPermitWaitMs !== undefined) return policy.maxPermitWaitMs;
  const cadence = syncType.cadence;
  const every =
    cadence.kind === "rate" ? cadence.everyMs : cadence.kind === "cron" ? cadence.approxEveryMs : 0;
  return Math.min(MAX_PERMIT_WAIT_MS, Math.max(MIN_PERMIT_WAIT_MS, 4 * every));
}

export type RetryDecision =
  | { readonly retry: true; readonly delayMs: number }
  | { readonly retry: false; readonly why: string };

/**
 * After a failed attempt: retry after a jittered exponential backoff (or the provider's own
 * Retry-After, honoured as asked), or give up once attempts or age are spent — including when the
 * retry would only run after the job's age limit.
 *
 * @param attempts attempts made so far, the failed one included (1 after the first failure)
 * @param ageMs how long ago the job was first queued
 * @param retryAfterMs the provider's own word on when to come back (a 429's Retry-After)
 */
export function decideRetry(
  policy: RetryPolicy,
  failure: { readonly attempts: number; readonly ageMs: number; readonly retryAfterMs?: number },
  random: () => number = Math.random,
): RetryDecision {
  if (failure.attempts >= policy.maxAttempts) {
    return { retry: false, why: `${failure.attempts} of ${policy.maxAttempts} attempts used` };
  }
  // The provider's own wait is honoured, spread a little so refused workers do not return together.
  const delayMs =
    failure.retryAfterMs !== undefined
      ? withJitter(failure.retryAfterMs, random)
      : backoffMs(policy, failure.attempts, random);
  if (failure.ageMs + delayMs > policy.maxAgeMs) {
    return {
      retry: false,
      why: `the next try (in ${Math.round(delayMs / 1000)} s) would be past the ${Math.round(policy.maxAgeMs / 1000)} s the job may take`,
    };
  }
  return { retry: true, delayMs };
}

/** "Equal jitter": half the exponential step fixed, half random, so retries spread yet still back off. */
export function backoffMs(policy: RetryPolicy, attempts: number, random: () => number = Math.random): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempts - 1));
  return Math.ceil(step / 2 + (step / 2) * random());
}
