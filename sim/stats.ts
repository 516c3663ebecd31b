/** The `p`-th percentile (0–100) of `values` by nearest rank; undefined for no values. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be 0 to 100, got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** p50, p95 and the worst of `values`, rounded to `digits`; nulls when there are none. */
export function summary(values: readonly number[], digits = 1) {
  const round = (value: number | undefined) =>
    value === undefined ? null : Math.round(value * 10 ** digits) / 10 ** digits;
  return {
    p50: round(percentile(values, 50)),
    p95: round(percentile(values, 95)),
    worst: round(values.length === 0 ? undefined : Math.max(...values)),
  };
}
