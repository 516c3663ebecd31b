import { NO_TIME_SCALE, scaledWindowMs } from "#core/limit-time-scale.ts";
import { type Admission, StrictWindow, type WindowLimit } from "../strict-window.ts";

/**
 * Copernico documents no limit, so the fake enforces a strict one of its own: by default the
 * numbers Pacer's definition guesses, so the limiter is tested against them. The push is counted
 * per API key; the keyless preset export once for every caller (as a per-address limit would).
 */
export interface CopernicoLimits {
  readonly push: readonly WindowLimit[];
  readonly export: readonly WindowLimit[];
}

export const DEFAULT_LIMITS: CopernicoLimits = {
  push: [
    { calls: 1, perMs: 1_000 },
    { calls: 30, perMs: 60_000 },
  ],
  export: [
    { calls: 1, perMs: 1_000 },
    { calls: 30, perMs: 60_000 },
  ],
};

/** One strict window per push key, and one for the export, each window divided by `timeScale`. */
export class Budgets {
  readonly #limits: CopernicoLimits;
  readonly #push = new Map<string, StrictWindow>();
  readonly #export: StrictWindow;

  constructor(limits: CopernicoLimits = DEFAULT_LIMITS, timeScale: number = NO_TIME_SCALE) {
    const scale = (list: readonly WindowLimit[]) =>
      list.map((limit) => ({ calls: limit.calls, perMs: scaledWindowMs(limit.perMs, timeScale) }));
    this.#limits = { push: scale(limits.push), export: scale(limits.export) };
    this.#export = new StrictWindow(this.#limits.export);
  }

  push(key: string, nowMs: number): Admission {
    let window = this.#push.get(key);
    if (window === undefined) {
      window = new StrictWindow(this.#limits.push);
      this.#push.set(key, window);
    }
    return window.tryAcquire(nowMs);
  }

  export(nowMs: number): Admission {
    return this.#export.tryAcquire(nowMs);
  }
}
