/**
 * The parts of Scheduler's cron the slot planner reads and writes: the minute and hour fields
 * (lists, ranges, steps, `*`), and office hours, which confine a connection's schedules to some
 * hours of the day by their hour field.
 */

/**
 * Office hours of a connection: its schedules fire only from `from` to `to` (whole hours, `to`
 * exclusive; `22:00`–`06:00` spans midnight), in `timeZone` (IANA; Scheduler's
 * ScheduleExpressionTimezone).
 * @default around the clock, UTC
 */
export interface ActiveHours {
  /** `HH:00`, e.g. `07:00`. */
  readonly from: string;
  /** `HH:00` or `24:00`, e.g. `22:00`: the first hour no longer active. */
  readonly to: string;
  /** @default "UTC" */
  readonly timeZone?: string;
}

/** `07:00` → 7; undefined for anything but a whole hour from 00:00 to 24:00. */
export function wholeHour(text: string): number | undefined {
  const match = /^([01]\d|2[0-4]):00$/.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** The hours (0–23) office hours leave active, in order; every hour when there are none. */
export function activeHourList(active: ActiveHours | undefined): number[] {
  const all = Array.from({ length: 24 }, (_, h) => h);
  if (active === undefined) return all;
  const from = wholeHour(active.from);
  const to = wholeHour(active.to);
  if (from === undefined || to === undefined) return all;
  const start = from % 24;
  const span = (to - start + 24) % 24 || 24;
  return all.filter((h) => (h - start + 24) % 24 < span).sort((a, b) => a - b);
}

/**
 * One cron field's values, or undefined when it uses what the planner does not read (`L`, `W`,
 * `#`, names). `*`, `a`, `a-b`, `*\/n`, `a/n`, `a-b/n`, and lists of them.
 */
export function parseCronField(field: string, min: number, max: number): number[] | undefined {
  const values = new Set<number>();
  for (const item of field.split(",")) {
    const match = /^(\*|\d+)(?:-(\d+))?(?:\/(\d+))?$/.exec(item);
    if (!match) return undefined;
    const [, startText = "", endText, stepText] = match;
    const low = startText === "*" ? min : Number(startText);
    const high = endText !== undefined ? Number(endText) : startText === "*" || stepText ? max : low;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (low < min || high > max || low > high || step < 1) return undefined;
    for (let v = low; v <= high; v += step) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

/** Hours as a compact cron hour field: every hour `*`, runs of three or more as ranges (`0-5,22-23`). */
export function hourField(hours: readonly number[]): string {
  const sorted = [...new Set(hours)].sort((a, b) => a - b);
  if (sorted.length === 24) return "*";
  const parts: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] ?? 0) + 1) j++;
    const low = sorted[i] ?? 0;
    const high = sorted[j] ?? 0;
    if (high - low >= 2) parts.push(`${low}-${high}`);
    else for (let k = i; k <= j; k++) parts.push(String(sorted[k]));
    i = j + 1;
  }
  return parts.join(",");
}

/** The six fields of `cron(…)`, or undefined when `expression` is not one. */
function cronFields(expression: string): string[] | undefined {
  const body = /^cron\((.+)\)$/.exec(expression.trim())?.[1];
  const fields = body?.trim().split(/\s+/);
  return fields?.length === 6 ? fields : undefined;
}

/**
 * A catalog cron confined to office hours: its hour field keeps the active hours only; when it
 * names none of them (a nightly job and day-time office hours), it runs at the first active hour
 * instead, so a daily sync stays daily. Unchanged without office hours, or when its hour field
 * is more than the planner reads.
 */
export function confineCron(expression: string, active: ActiveHours | undefined): string {
  if (active === undefined) return expression;
  const fields = cronFields(expression);
  const hours = fields && parseCronField(fields[1] ?? "", 0, 23);
  if (!fields || !hours) return expression;
  const open = activeHourList(active);
  const kept = hours.filter((h) => open.includes(h));
  const [minute, , ...rest] = fields;
  const confined = kept.length > 0 ? kept : open.slice(0, 1);
  return `cron(${[minute, hourField(confined), ...rest].join(" ")})`;
}

/**
 * The minutes of the day (0–1439) a cron fires at. Its day fields are not read: it is counted as
 * if it fired every day, which for windows of up to a day is the worst case. Undefined when its
 * minute or hour field is more than the planner reads.
 */
export function cronMinutesOfDay(expression: string): number[] | undefined {
  const fields = cronFields(expression);
  if (!fields) return undefined;
  const minutes = parseCronField(fields[0] ?? "", 0, 59);
  const hours = parseCronField(fields[1] ?? "", 0, 23);
  if (!minutes || !hours) return undefined;
  return hours.flatMap((h) => minutes.map((m) => h * 60 + m));
}
