import { CronExpressionParser } from "cron-parser";

/** When a schedule fires: the first firing strictly after `afterMs`, or undefined if it never will again. */
export interface Recurrence {
  next(afterMs: number): number | undefined;
}

const RATE_UNITS_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

const AT = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;

/** Whether `expression` is a one-time `at(…)` schedule (Scheduler ignores its StartDate and EndDate). */
export function isOneTime(expression: string): boolean {
  return expression.trim().startsWith("at(");
}

/**
 * Parses an EventBridge Scheduler expression. `rate(…)` schedules fire at `startMs` plus whole
 * multiples of the rate, starting one rate after `startMs` (never at creation); `cron(…)` ones at
 * the expression's occurrences in `timezone` (an IANA zone, as ScheduleExpressionTimezone names
 * it); `at(yyyy-mm-ddThh:mm:ss)` ones once, at that wall-clock time in `timezone`.
 */
export function parseScheduleExpression(expression: string, startMs: number, timezone = "UTC"): Recurrence {
  const trimmed = expression.trim();
  const rate = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(trimmed);
  if (rate) {
    const everyMs = Number(rate[1]) * (RATE_UNITS_MS[rate[2] ?? ""] ?? Number.NaN);
    if (!(everyMs > 0)) throw new Error(`invalid rate expression "${expression}"`);
    return {
      next: (afterMs) => startMs + Math.max(1, Math.floor((afterMs - startMs) / everyMs) + 1) * everyMs,
    };
  }
  const cron = /^cron\((.+)\)$/.exec(trimmed);
  if (cron?.[1]) return cronRecurrence(cron[1], timezone);
  const at = AT.exec(trimmed);
  if (at) {
    const [year, month, day, hour, minute, second] = at.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const wallMs = Date.UTC(year, month - 1, day, hour, minute, second);
    const check = new Date(wallMs);
    if (
      check.getUTCMonth() !== month - 1 ||
      check.getUTCDate() !== day ||
      hour > 23 ||
      minute > 59 ||
      second > 59
    )
      throw new Error(`invalid date in "${expression}"`);
    const fireMs = zonedToUtcMs(wallMs, timezone);
    return { next: (afterMs) => (fireMs > afterMs ? fireMs : undefined) };
  }
  throw new Error(`unsupported schedule expression "${expression}" (expected rate(…), cron(…) or at(…))`);
}

/** `timeZone`'s offset from UTC at the instant `utcMs` (ms; east positive). */
function zoneOffsetMs(timeZone: string, utcMs: number): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  }).formatToParts(new Date(utcMs));
  const field = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(
    field("year"),
    field("month") - 1,
    field("day"),
    field("hour"),
    field("minute"),
    field("second"),
  );
  return wall - (utcMs - (((utcMs % 1000) + 1000) % 1000));
}

/**
 * The instant a wall-clock time in `timeZone` names (`wallMs`: that wall time read as if UTC).
 * Two passes settle the offset across a DST change; a wall time a change skips lands just after it.
 */
export function zonedToUtcMs(wallMs: number, timeZone: string): number {
  const guess = wallMs - zoneOffsetMs(timeZone, wallMs);
  return wallMs - zoneOffsetMs(timeZone, guess);
}

/** The calendar year at `utcMs` in `timeZone`. */
function yearIn(timeZone: string, utcMs: number): number {
  return new Date(utcMs + zoneOffsetMs(timeZone, utcMs)).getUTCFullYear();
}

/** An AWS cron body split into cron-parser's five fields and AWS's year field. */
export interface ConvertedCron {
  /** `minute hour day-of-month month day-of-week`, standard numbering (0 = Sunday). */
  readonly expression: string;
  /** The year field as AWS wrote it (`*`, `2030`, `2030-2032`, `2030,2035`, `2030/2`). */
  readonly years: string;
}

/**
 * AWS cron (`min hour dom month dow year`, `?` for "no value", days of week 1 = SUN … 7 = SAT,
 * `L` alone = Saturday) → the five-field form cron-parser reads (0 = SUN). `W` has no
 * counterpart in cron-parser and is refused.
 */
export function convertAwsCron(body: string): ConvertedCron {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) throw new Error(`AWS cron needs 6 fields, got ${fields.length}: "${body}"`);
  const [minute, hour, dayOfMonth, month, dayOfWeek, years] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (dayOfMonth.includes("W"))
    throw new Error(`cron "${body}": the W (weekday) wildcard is not supported locally`);
  const dom = dayOfMonth === "?" ? "*" : dayOfMonth;
  const dow = dayOfWeek === "?" ? "*" : dayOfWeek.split(",").map(convertDayOfWeekItem).join(",");
  return { expression: `${minute} ${hour} ${dom} ${month} ${dow}`, years };
}

function convertDayOfWeekItem(item: string): string {
  if (item === "L") return "6";
  // Shift every number that names a day (not a step after `/`, not the nth after `#`).
  return item.replace(/(^|[-,])(\d+)/g, (_, lead: string, day: string) => {
    const n = Number(day);
    if (n < 1 || n > 7) throw new Error(`day of week ${n} is outside AWS's 1-7`);
    return `${lead}${n - 1}`;
  });
}

/** Whether `year` matches an AWS year field. */
export function yearMatches(field: string, year: number): boolean {
  return field.split(",").some((item) => {
    if (item === "*") return true;
    const [range, stepText] = item.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    const [lowText, highText] = (range ?? "").split("-");
    const low = lowText === "*" ? 1970 : Number(lowText);
    const high = highText !== undefined ? Number(highText) : stepText !== undefined ? 2199 : low;
    return year >= low && year <= high && (year - low) % step === 0;
  });
}

/** AWS allows years up to 2199; past that nothing can match. */
const LAST_YEAR = 2199;

function cronRecurrence(body: string, tz: string): Recurrence {
  const { expression, years } = convertAwsCron(body);
  CronExpressionParser.parse(expression, { tz }); // fail at parse time, not at the first firing
  return {
    next(afterMs) {
      let from = afterMs;
      for (;;) {
        const at = CronExpressionParser.parse(expression, { currentDate: new Date(from), tz })
          .next()
          .getTime();
        const year = yearIn(tz, at);
        if (yearMatches(years, year)) return at;
        let nextYear = year + 1;
        while (nextYear <= LAST_YEAR && !yearMatches(years, nextYear)) nextYear++;
        if (nextYear > LAST_YEAR) return undefined;
        from = zonedToUtcMs(Date.UTC(nextYear, 0, 1), tz) - 1;
      }
    },
  };
}
