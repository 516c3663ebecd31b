import type { Checkpoint } from "#providers/types.ts";

/**
 * Where a participants run stands, and what it leaves for the next run.
 *
 * The watermark is a JSON object `{ "<eventId>": <unix seconds> }`: per event, the
 * `modified_after_timestamp` its next run sends. RunSignUp's filter is inclusive and its clock
 * not Pacer's, so a run marks each event it synced with its own start minus 10 s (RunSignUp's
 * advice): a change made while the run read that event is read again next time, never missed.
 */

export type Phase = "participants" | "removed";

/** The events a run has synced are those before `event` in its list; each gets the mark `since`. */
export interface Cursor {
  /** Index of the event in the run's list (see participants.ts, targetsOf). */
  readonly event: number;
  /** That event's id, to find it again should the stored list have changed between legs. */
  readonly eventId: string;
  readonly phase: Phase;
  /** participants: the highest registration_id read so far (0: from the start). */
  readonly after: number;
  /** removed: the next page, from 1. */
  readonly page: number;
  /** The mark of every event this run completes: its first leg's `now` minus the slack, unix seconds. */
  readonly since: number;
}

export type Marks = Readonly<Record<string, number>>;

/** Inclusive filter, clocks apart: RunSignUp's help says to ask from about 10 s before the last run. */
export const SLACK_SECONDS = 10;

export const markOf = (now: Date): number => Math.floor(now.getTime() / 1_000) - SLACK_SECONDS;

export function startCursor(eventId: string, event: number, since: number): Cursor {
  return { event, eventId, phase: "participants", after: 0, page: 1, since };
}

export function checkpointOf(cursor: Cursor): Checkpoint {
  return { ...cursor };
}

const count = (value: unknown, min: number): number | undefined =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= min ? value : undefined;

/** The cursor of a checkpoint this module yielded; undefined for none (or one it cannot read). */
export function cursorOf(checkpoint: Checkpoint | undefined): Cursor | undefined {
  if (checkpoint === undefined) return undefined;
  const { eventId, phase } = checkpoint;
  const event = count(checkpoint.event, 0);
  const after = count(checkpoint.after, 0);
  const page = count(checkpoint.page, 1);
  const since = count(checkpoint.since, 0);
  if (event === undefined || after === undefined || page === undefined || since === undefined)
    return undefined;
  if (typeof eventId !== "string" || (phase !== "participants" && phase !== "removed")) return undefined;
  return { event, eventId, phase, after, page, since };
}

/**
 * The previous run's marks. A watermark that is not such an object (written by an older version,
 * or damaged) counts as none: a full sync, which costs calls but loses nothing.
 */
export function parseWatermark(watermark: string | undefined): Marks {
  if (watermark === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(watermark);
  } catch {
    return {};
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
  const marks: Record<string, number> = {};
  for (const [eventId, seconds] of Object.entries(parsed)) {
    if (/^\d{1,12}$/.test(eventId) && count(seconds, 0) !== undefined) marks[eventId] = seconds as number;
  }
  return marks;
}

/** The marks as the watermark text, events in id order so equal marks are equal text. */
export function watermarkText(marks: Marks): string {
  const ordered = Object.keys(marks).sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
  return JSON.stringify(Object.fromEntries(ordered.map((eventId) => [eventId, marks[eventId]])));
}
