import { CONFIRM_LEAD_MS } from "./sliding-log.ts";
import type { Limiter, PermitRelease, PermitRequest } from "./types.ts";

export interface TakePermitOptions {
  /** Longest in-process wait for a reserved permit; longer waits are the caller's to schedule. */
  readonly maxWaitMs: number;
  readonly clock?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Permits the caller holds: use them by `usableUntil` (epoch ms), or they are void. */
export interface HeldPermits {
  readonly count: number;
  readonly usableUntil: number;
}

export type TakenPermit =
  | ({ readonly granted: true } & HeldPermits)
  | { readonly granted: false; readonly retryAfterMs: number };

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Takes permits the way every caller must: reserve a moment within `maxWaitMs`, wait for it, and
 * give the permit up (ask again) when the wait overslept its validity — a call made late could land
 * closer to the next permit's call than the provider allows. Returns once the caller may call now,
 * with the moment by which the calls must have been sent.
 */
export async function takePermit(
  limiter: Pick<Limiter, "acquire" | "confirm">,
  request: Omit<PermitRequest, "maxWaitMs" | "release">,
  options: TakePermitOptions,
): Promise<TakenPermit> {
  const clock = options.clock ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  // A permit given up is handed back with the next request, so its moment is not wasted.
  let release: PermitRelease | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
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
    if (clock() <= usableUntil) return { granted: true, count: request.permits, usableUntil };
  }
  // Five oversleeps in a row: this process is too starved to keep a promise to the provider.
  return { granted: false, retryAfterMs: 1_000 };
}
