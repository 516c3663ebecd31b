import type { Catalog, LimitDef, ProviderDef } from "#catalog/types.ts";

/**
 * A time scale for limit windows, so that an hour-long limit can be exercised in a test: at
 * factor 60, "1 call per 60 min" acts as "1 call per 60 s", in Pacer's limiter and in the local
 * fakes alike. Call counts and reserves are kept; only windows shrink. Deployed there is none
 * (factor 1): the CDK never sets `PACER_LIMIT_TIME_SCALE`. Cadences are not scaled by it.
 */

/** No scaling: a provider's own windows. */
export const NO_TIME_SCALE = 1;

/**
 * `perMs / factor`, rounded up to a whole millisecond and never below 1 ms: the limiter packs
 * grant moments as whole milliseconds, and rounding up keeps a scaled window at least as long as
 * the exact quotient (3 per 1 s at factor 60 → 3 per 17 ms, not 16). Factors below 1 are refused.
 */
export function scaledWindowMs(perMs: number, factor: number): number {
  if (checkedFactor(factor) === NO_TIME_SCALE) return perMs;
  return Math.max(1, Math.ceil(perMs / factor));
}

/** The limits with every window scaled by `factor` (copied as they are at factor 1). */
export function scaledLimits<L extends Pick<LimitDef, "perMs">>(limits: readonly L[], factor: number): L[] {
  if (checkedFactor(factor) === NO_TIME_SCALE) return [...limits];
  return limits.map((limit) => ({ ...limit, perMs: scaledWindowMs(limit.perMs, factor) }));
}

/** The provider with its limit windows scaled; endpoint groups, sync types and cadences unchanged. */
export function scaledProvider<P extends ProviderDef>(provider: P, factor: number): P {
  if (checkedFactor(factor) === NO_TIME_SCALE) return provider;
  return { ...provider, limits: scaledLimits(provider.limits, factor) };
}

/** The catalog with every provider's limit windows scaled by `factor`. */
export function scaledCatalog(catalog: Catalog, factor: number): Catalog {
  if (checkedFactor(factor) === NO_TIME_SCALE) return catalog;
  return { ...catalog, providers: catalog.providers.map((provider) => scaledProvider(provider, factor)) };
}

/** A time scale only shortens windows: below 1 it would lengthen them, which nothing needs. */
function checkedFactor(factor: number): number {
  if (!(Number.isFinite(factor) && factor >= 1)) {
    throw new RangeError(`limit time scale must be a number of at least 1, got ${factor}`);
  }
  return factor;
}
