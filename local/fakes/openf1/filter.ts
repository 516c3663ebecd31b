import type { Row } from "./data.ts";
import type { Filter, FilterValue } from "./query.ts";

/**
 * Turns parsed filters into a row predicate with OpenF1's logic (`_generate_query_predicate` in
 * src/openf1/util/db.py): different fields are ANDed; on one field, equalities and lone bounds are
 * ORed, and lower/upper bounds are greedily paired into ranges that are ORed as a whole.
 */
export function compileFilters(filters: readonly Filter[]): (row: Row) => boolean {
  const byField = new Map<string, Filter[]>();
  for (const filter of filters) {
    const same = byField.get(filter.field) ?? [];
    if (!same.some((seen) => seen.op === filter.op && compare(seen.value, filter.value) === 0))
      same.push(filter);
    byField.set(filter.field, same);
  }
  const fieldTests = [...byField.values()].map(fieldTest);
  return (row) => fieldTests.every((test) => test(row));
}

function fieldTest(filters: readonly Filter[]): (row: Row) => boolean {
  const ranges = pairBounds(filters);
  const paired = new Set(ranges.flat());
  const alone = filters.filter((filter) => !paired.has(filter));
  return (row) =>
    alone.some((filter) => holds(row, filter)) ||
    ranges.some(([lower, upper]) => holds(row, lower) && holds(row, upper));
}

/** Each lower bound, smallest first, takes the smallest upper bound not below it. */
function pairBounds(filters: readonly Filter[]): [Filter, Filter][] {
  const byValue = (a: Filter, b: Filter) => compare(a.value, b.value) ?? 0;
  const lowers = filters.filter((filter) => filter.op === ">" || filter.op === ">=").sort(byValue);
  const uppers = filters.filter((filter) => filter.op === "<" || filter.op === "<=").sort(byValue);
  const pairs: [Filter, Filter][] = [];
  for (const lower of lowers) {
    const index = uppers.findIndex((upper) => (compare(lower.value, upper.value) ?? 1) <= 0);
    const upper = uppers[index];
    if (upper === undefined) break;
    uppers.splice(index, 1);
    pairs.push([lower, upper]);
  }
  return pairs;
}

function holds(row: Row, { field, op, value }: Filter): boolean {
  const order = compare(comparable(row[field], value), value);
  if (order === undefined) return false;
  switch (op) {
    case "=":
      return order === 0;
    case ">":
      return order > 0;
    case ">=":
      return order >= 0;
    case "<":
      return order < 0;
    case "<=":
      return order <= 0;
  }
}

/** ISO datetimes, which OpenF1 stores as dates: they compare only with date filters. */
const STORED_AS_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$/;

/** The row's value as the database would compare it with `filterValue`; undefined if it never would. */
function comparable(rowValue: unknown, filterValue: FilterValue): FilterValue | undefined {
  const isDate = typeof rowValue === "string" && STORED_AS_DATE.test(rowValue);
  if (filterValue instanceof Date) return isDate ? new Date(rowValue) : undefined;
  if (isDate || typeof rowValue !== typeof filterValue) return undefined;
  return rowValue as FilterValue;
}

/** Orders two values of the same kind; values of different kinds never compare. */
export function compare(a: FilterValue | undefined, b: FilterValue | undefined): number | undefined {
  if (a instanceof Date && b instanceof Date) return Math.sign(a.getTime() - b.getTime());
  if (a instanceof Date || b instanceof Date || a === undefined || typeof a !== typeof b) return undefined;
  if (typeof a === "number") return Math.sign(a - (b as number));
  return a === b ? 0 : a < (b as string | boolean) ? -1 : 1;
}
