import type { LimitDef } from "#catalog/types.ts";

/**
 * Nearest-rank percentile: the smallest sample such that at least `p` percent of the samples are
 * at or below it. Always one of the samples, never an interpolation; null when there are none.
 */
export function percentile(samples: readonly number[], p: number): number | null {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile ${p} is outside (0, 100]`);
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[rank - 1] ?? null;
}

/**
 * The calls the limits allow over `durationMs`:
 *
 *   allowed = min over limits of  calls × (durationMs / perMs)
 *
 * A continuous rate, not whole windows: a limiter that bursts a full window at the very start and
 * again at every window edge can score a little above 1 on a short run.
 */
export function allowedCalls(
  limits: readonly Pick<LimitDef, "calls" | "perMs">[],
  durationMs: number,
): number {
  if (limits.length === 0) throw new RangeError("no limits");
  return Math.min(...limits.map((limit) => limit.calls * (Math.max(0, durationMs) / limit.perMs)));
}

/** granted / allowed; null when nothing was allowed (no call was ever made). */
export function utilization(
  granted: number,
  limits: readonly Pick<LimitDef, "calls" | "perMs">[],
  durationMs: number,
): number | null {
  const allowed = allowedCalls(limits, durationMs);
  return allowed > 0 ? granted / allowed : null;
}

/** `part / whole`, null when `whole` is 0 (a per-grant cost is meaningless without grants). */
export function ratio(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

/** Rounds for printing; null stays null. */
export function rounded(value: number | null, digits = 2): number | null {
  if (value === null) return null;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
