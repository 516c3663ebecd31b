import { NO_TIME_SCALE, scaledWindowMs } from "#core/limit-time-scale.ts";
import { runsignup } from "#providers/runsignup/definition.ts";
import { type Admission, StrictWindow, type WindowLimit } from "../strict-window.ts";

/**
 * RunSignUp publishes no rate limit, so the fake enforces Pacer's own guess by default (the
 * definition's limits): a strict window per key, which any excess of Pacer's limiter would hit.
 */
export const DEFAULT_LIMITS: readonly WindowLimit[] = runsignup.limits.map(({ calls, perMs }) => ({
  calls,
  perMs,
}));

/** One strict sliding window per API key over all endpoints, its windows divided by `timeScale`. */
export class KeyBudgets {
  readonly #limits: readonly WindowLimit[];
  readonly #windows = new Map<string, StrictWindow>();

  constructor(limits: readonly WindowLimit[] = DEFAULT_LIMITS, timeScale: number = NO_TIME_SCALE) {
    this.#limits = limits.map(({ calls, perMs }) => ({ calls, perMs: scaledWindowMs(perMs, timeScale) }));
    // Fails early on a bad limit, not on the first call.
    new StrictWindow(this.#limits);
  }

  tryAcquire(key: string, nowMs: number): Admission {
    let window = this.#windows.get(key);
    if (window === undefined) {
      window = new StrictWindow(this.#limits);
      this.#windows.set(key, window);
    }
    return window.tryAcquire(nowMs);
  }
}
