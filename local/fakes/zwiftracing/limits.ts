import { NO_TIME_SCALE, scaledWindowMs } from "#core/limit-time-scale.ts";
import { type Admission, StrictWindow, type WindowLimit } from "../strict-window.ts";

/** The tiers ZwiftRacing sells; which one a call gets depends on its API key. */
export const TIERS = ["standard", "premium"] as const;
export type Tier = (typeof TIERS)[number];

/** The endpoint groups, each with a budget of its own per key (shared/providers/zwiftracing.md). */
export const GROUPS = ["clubs", "riders", "riders-bulk", "results", "events"] as const;
export type EndpointGroup = (typeof GROUPS)[number];

const MINUTE_MS = 60_000;

/** ZwiftRacing's official table, per group and tier. */
export const GROUP_LIMITS: Readonly<Record<EndpointGroup, Readonly<Record<Tier, WindowLimit>>>> = {
  clubs: { standard: { calls: 1, perMs: 60 * MINUTE_MS }, premium: { calls: 10, perMs: 60 * MINUTE_MS } },
  riders: { standard: { calls: 5, perMs: MINUTE_MS }, premium: { calls: 10, perMs: MINUTE_MS } },
  "riders-bulk": {
    standard: { calls: 1, perMs: 15 * MINUTE_MS },
    premium: { calls: 10, perMs: 15 * MINUTE_MS },
  },
  results: { standard: { calls: 1, perMs: MINUTE_MS }, premium: { calls: 1, perMs: MINUTE_MS } },
  // Not in the table (the endpoints are undocumented): a conservative guess, the same for both tiers.
  events: { standard: { calls: 1, perMs: MINUTE_MS }, premium: { calls: 1, perMs: MINUTE_MS } },
};

/** The group's limit for a tier, its window divided by `timeScale` as Pacer's are. */
export function limitOf(group: EndpointGroup, tier: Tier, timeScale: number = NO_TIME_SCALE): WindowLimit {
  const limit = GROUP_LIMITS[group][tier];
  return { calls: limit.calls, perMs: scaledWindowMs(limit.perMs, timeScale) };
}

/**
 * One strict sliding window per API key and endpoint group: keys never share a budget, and
 * neither do a key's groups. A key's tier is fixed when its first window is made.
 */
export class KeyBudgets {
  readonly #timeScale: number;
  readonly #windows = new Map<string, StrictWindow>();

  constructor(timeScale: number = NO_TIME_SCALE) {
    // Fails early on a bad factor, not on the first call.
    scaledWindowMs(MINUTE_MS, timeScale);
    this.#timeScale = timeScale;
  }

  tryAcquire(key: string, tier: Tier, group: EndpointGroup, nowMs: number): Admission {
    const id = `${group}\u0000${key}`;
    let window = this.#windows.get(id);
    if (window === undefined) {
      window = new StrictWindow([limitOf(group, tier, this.#timeScale)]);
      this.#windows.set(id, window);
    }
    return window.tryAcquire(nowMs);
  }
}
