import { CONFIRM_LEAD_MS } from "./sliding-log.ts";
import type { Limiter, PermitRelease, PermitRequest } from "./types.ts";

export interface TakePermitOptions {
  /** Longest in-process wait for a reserved permit; longer waits are the caller's to schedule. */
  readonly maxWaitMs: number;
  readonly clock?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** A number in [0, 1): the jitter's source. @default Math.random */
  readonly random?: () => number;
  /** Called for each permit given up because its caller woke too late to use it (a metric). */
  readonly onVoided?: () => void;
  /** Permits granted earlier that will not be called on: handed back in the first request's write. */
  readonly release?: PermitRelease;
}

/** Permits the caller holds, granted for the moment `at`: use them by `usableUntil` (epoch ms), or they are void. */
export interface HeldPermits {
  readonly count: number;
  readonly at: number;
  readonly usableUntil: number;
}

export type TakenPermit =
  | ({ readonly granted: true } & HeldPermits)
  | { readonly granted: false; readonly retryAfterMs: number };

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const ATTEMPTS = 5;
/**
 * The pause before asking again after a voided permit. A late wake-up means a starved event loop,
 * and the callers it starved woke late together: asking again at once, together, they would
 * reserve neighbouring moments and oversleep those alike. A random pause spreads them out.
 */
const VOIDED_RETRY_JITTER_MS = { min: 5, max: 60 };
/** After every attempt voided: the job waits this long (spread at random) before it asks again. */
const STARVED_RETRY_MS = { min: 250, max: 1_000 };

const between = (range: { min: number; max: number }, random: () => number) =>
  Math.round(range.min + random() * (range.max - range.min));

/**
 * Takes permits the way every caller must: reserve a moment within `maxWaitMs`, wait for it, and
 * give the permit up (ask again, after a short random pause) when the wait overslept its validity —
 * a call made late could land closer to the next permit's call than the provider allows. Returns once the caller may call now,
 * with the moment by which the calls must have been sent.
 */
export async function takePermit(
  limiter: Pick<Limiter, "acquire" | "confirm">,
  request: Omit<PermitRequest, "maxWaitMs" | "release">,
  options: TakePermitOptions,
): Promise<TakenPermit> {
  const clock = options.clock ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  // A permit given up is handed back with the next request, so its moment is not wasted.
  let release: PermitRelease | undefined = options.release;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const decision = await limiter.acquire({
      ...request,
      maxWaitMs: options.maxWaitMs,
      ...(release ? { release } : {}),
    });
    if (!decision.granted) return decision;
    release = { at: decision.at, permits: request.permits };
    // Wait for the permit's own moment, not `waitMs` from now: the limiter's write took time too.
    const usableUntil = decision.at + decision.validForMs;
    if (decision.hold) {
      // High work may have taken this reservation over; look once no takeover can still come.
      const untilConfirm = decision.at - CONFIRM_LEAD_MS - clock();
      if (untilConfirm > 0) await sleep(untilConfirm);
      if (!(await limiter.confirm(request, decision.hold))) continue;
    }
    const wait = decision.at - clock();
    if (wait > 0) await sleep(wait);
    if (clock() <= usableUntil)
      return { granted: true, count: request.permits, at: decision.at, usableUntil };
    options.onVoided?.();
    if (attempt < ATTEMPTS - 1) await sleep(between(VOIDED_RETRY_JITTER_MS, random));
  }
  // No attempt left a permit it could use in time: this process is too starved (or outbid) for now.
  return { granted: false, retryAfterMs: between(STARVED_RETRY_MS, random) };
}
