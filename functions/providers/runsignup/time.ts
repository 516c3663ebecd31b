/**
 * RunSignUp gives event times as "M/D/YYYY HH:MM" wall-clock time in the race's own timezone, with
 * no offset. Pacer stores ISO 8601 with that zone's offset at that moment (DST included), found
 * with Intl: no timezone database of Pacer's own to keep up to date.
 */

const WALL_CLOCK = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))?$/;

interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Throws RangeError for a zone Intl does not know. */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall clock of `timeZone` at the instant `epochMs`. */
function wallClockAt(epochMs: number, timeZone: string): WallClock {
  const parts = Object.fromEntries(
    formatterFor(timeZone)
      .formatToParts(epochMs)
      .map((part) => [part.type, part.value]),
  );
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

const asUtc = (c: WallClock) => Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute, c.second);

/** The zone's offset from UTC at the instant, in ms (whole seconds). */
function offsetAt(epochMs: number, timeZone: string): number {
  const whole = Math.floor(epochMs / 1_000) * 1_000;
  return asUtc(wallClockAt(whole, timeZone)) - whole;
}

/**
 * The instant a wall-clock time in `timeZone` names. Of two instants (the hour repeated when
 * clocks go back) the first; a time skipped when clocks go forward is read with the offset from
 * before the change, as most calendars do.
 */
function instantOf(clock: WallClock, timeZone: string): number {
  const local = asUtc(clock);
  const before = offsetAt(local - 86_400_000, timeZone);
  const after = offsetAt(local + 86_400_000, timeZone);
  const candidates = [local - before, local - after].filter(
    (instant) => asUtc(wallClockAt(instant, timeZone)) === local,
  );
  return candidates.length > 0 ? Math.min(...candidates) : local - before;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** `2026-04-18T08:00:00-07:00` for an instant in a zone. */
export function isoInZone(epochMs: number, timeZone: string): string {
  const clock = wallClockAt(epochMs, timeZone);
  const offsetMinutes = Math.round(offsetAt(epochMs, timeZone) / 60_000);
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  const offset = `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  const date = `${pad(clock.year, 4)}-${pad(clock.month)}-${pad(clock.day)}`;
  return `${date}T${pad(clock.hour)}:${pad(clock.minute)}:${pad(clock.second)}${offset}`;
}

/**
 * "M/D/YYYY HH:MM" (seconds optional) in `timeZone` as ISO 8601 with the zone's offset, or
 * undefined when the text is not such a time or the zone is unknown to Intl.
 */
export function zonedIso(text: string, timeZone: string): string | undefined {
  const match = WALL_CLOCK.exec(text.trim());
  if (match === null) return undefined;
  const [month, day, year, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0));
  const clock: WallClock = {
    year: year ?? 0,
    month: month ?? 0,
    day: day ?? 0,
    hour: hour ?? 0,
    minute: minute ?? 0,
    second: second ?? 0,
  };
  // Date.UTC rolls 2/30 over into March: a date that does not survive the round trip is not one.
  const check = new Date(asUtc(clock));
  if (
    check.getUTCMonth() !== clock.month - 1 ||
    check.getUTCDate() !== clock.day ||
    clock.hour > 23 ||
    clock.minute > 59 ||
    clock.second > 59
  )
    return undefined;
  try {
    return isoInZone(instantOf(clock, timeZone), timeZone);
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

/** An instant as "M/D/YYYY HH:MM" wall-clock time in `timeZone` (the form RunSignUp sends). */
export function wallClockText(epochMs: number, timeZone: string): string {
  const c = wallClockAt(epochMs, timeZone);
  return `${c.month}/${c.day}/${c.year} ${pad(c.hour)}:${pad(c.minute)}`;
}
