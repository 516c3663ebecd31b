/**
 * OpenF1's filter language, parsed the way its server parses it (src/openf1/services/query_api/
 * query_params.py): from the raw query string, because `date>=X` reaches the server as the
 * parameter `date>` with the value `X`, and a percent-encoded `date%3E%3DX` as a bare key.
 */

export type Operator = "=" | ">" | ">=" | "<" | "<=";
export type FilterValue = boolean | number | string | Date;

export interface Filter {
  readonly field: string;
  readonly op: Operator;
  readonly value: FilterValue;
}

/** A filter OpenF1 cannot parse; its server answers those with a 500 page. */
export class QueryError extends Error {}

/** Checked in this order, as the server does, so `>=` is never read as `>` followed by `=`. */
const OPERATORS: readonly Operator[] = [">=", "<=", "=", ">", "<"];
const NEVER_CAST = new Set(["gmt_offset", "team_colour"]);
const DAY_MS = 86_400_000;

export function parseQuery(rawQuery: string): Filter[] {
  return rawQuery
    .split("&")
    .filter((part) => part !== "")
    .flatMap((part) => parseFilter(filterText(part)));
}

/** Rebuilds `key=value` after form-decoding each side, as the server's framework hands them over. */
function filterText(part: string): string {
  const equals = part.indexOf("=");
  const key = formDecode(equals === -1 ? part : part.slice(0, equals));
  const value = equals === -1 ? "" : formDecode(part.slice(equals + 1));
  const text = value === "" ? key : `${key}=${value}`;
  // Form decoding turned the `+` of a raw "+00:00" offset into a space; the server puts it back.
  return text.includes("date") && / \d{2}:\d{2}$/.test(text) ? text.replace(" ", "+") : text;
}

function formDecode(text: string): string {
  const spaced = text.replaceAll("+", " ");
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

function parseFilter(text: string): Filter[] {
  const op = OPERATORS.find((candidate) => text.includes(candidate));
  if (op === undefined) throw new QueryError(`No valid operator found in \`${text}\`.`);
  const at = text.indexOf(op);
  const field = text.slice(0, at).toLowerCase();
  const raw = text.slice(at + op.length);
  if (NEVER_CAST.has(text.slice(0, at))) return [{ field, op, value: raw }];
  const value = castValue(raw);
  if (value instanceof Date && !hasTime(raw)) return widenToWholeDays(field, op, value);
  return [{ field, op, value }];
}

/** true/false, then int, then float, then a date, otherwise the string itself. */
export function castValue(raw: string): FilterValue {
  const lower = raw.toLowerCase();
  if (lower === "true" || lower === "false") return lower === "true";
  if (/^\s*[+-]?\d+(_\d+)*\s*$/.test(raw)) return Number(raw.replaceAll("_", ""));
  if (/^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(raw)) return Number(raw);
  return parseDate(raw) ?? raw;
}

/** A date-only value covers its whole day: `date=D` means [D, D+1), `date<=D` means < D+1. */
function widenToWholeDays(field: string, op: Operator, day: Date): Filter[] {
  const nextDay = new Date(day.getTime() + DAY_MS);
  switch (op) {
    case ">":
      return [{ field, op: ">=", value: nextDay }];
    case "<":
    case ">=":
      return [{ field, op, value: day }];
    case "<=":
      return [{ field, op: "<", value: nextDay }];
    case "=":
      return [
        { field, op: ">=", value: day },
        { field, op: "<", value: nextDay },
      ];
  }
}

const MONTHS = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
];
const ISO =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$/i;
const US = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const DAY_MONTH_YEAR = /^(\d{1,2}) ([a-z]+),? (\d{4})$/i;
const MONTH_DAY_YEAR = /^([a-z]+) (\d{1,2}),? (\d{4})$/i;

/** The formats OpenF1 documents; naive times are UTC. (The server's dateutil accepts even more.) */
function parseDate(raw: string): Date | undefined {
  const text = raw.trim();
  const iso = ISO.exec(text);
  if (iso) {
    const [, y, mo, d, h = "0", mi = "0", s = "0", fraction = "", zone] = iso;
    const ms = Math.round(Number(`0${fraction}`) * 1_000);
    const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
    return validDate(utc - zoneOffsetMs(zone), Number(mo), Number(d));
  }
  const us = US.exec(text);
  if (us)
    return validDate(Date.UTC(Number(us[3]), Number(us[1]) - 1, Number(us[2])), Number(us[1]), Number(us[2]));
  const dmy = DAY_MONTH_YEAR.exec(text);
  const mdy = MONTH_DAY_YEAR.exec(text);
  const [day, monthName, year] = dmy ? [dmy[1], dmy[2], dmy[3]] : mdy ? [mdy[2], mdy[1], mdy[3]] : [];
  const month = MONTHS.findIndex(
    (name) => name === monthName?.toLowerCase() || name.slice(0, 3) === monthName?.toLowerCase(),
  );
  if (month === -1 || day === undefined) return undefined;
  return validDate(Date.UTC(Number(year), month, Number(day)), month + 1, Number(day));
}

function validDate(utcMs: number, month: number, day: number): Date | undefined {
  if (Number.isNaN(utcMs) || month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  return new Date(utcMs);
}

function zoneOffsetMs(zone: string | undefined): number {
  if (zone === undefined || zone.toUpperCase() === "Z") return 0;
  const digits = zone.replace(":", "");
  const minutes = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5));
  return (digits.startsWith("-") ? -1 : 1) * minutes * 60_000;
}

function hasTime(raw: string): boolean {
  return /\d:\d{2}/.test(raw);
}
