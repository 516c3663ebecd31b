import { VENUES, type Venue } from "./venues.ts";

/** An OpenF1 row: a flat JSON object. */
export type Row = Readonly<Record<string, unknown>>;

export interface FakeSession extends Row {
  readonly session_key: number;
  readonly session_name: string;
  readonly session_type: string;
  readonly meeting_key: number;
  readonly date_start: string;
  readonly date_end: string;
  readonly is_cancelled: boolean;
}

export interface FakeCalendar {
  readonly meetings: readonly Row[];
  readonly sessions: readonly FakeSession[];
  /** Air temperature per meeting, so the weather feed matches the venue. */
  readonly airTemperatureByMeeting: ReadonlyMap<number, number>;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Where, relative to race day's local midnight, each session of a weekend starts and how long it runs. */
interface SessionSlot {
  readonly name: string;
  readonly type: string;
  readonly startMs: number;
  readonly durationMs: number;
}

const at = (dayOffset: number, hour: number, minute = 0) => dayOffset * DAY + hour * HOUR + minute * MINUTE;

const CONVENTIONAL: readonly SessionSlot[] = [
  { name: "Practice 1", type: "Practice", startMs: at(-2, 13, 30), durationMs: HOUR },
  { name: "Practice 2", type: "Practice", startMs: at(-2, 17), durationMs: HOUR },
  { name: "Practice 3", type: "Practice", startMs: at(-1, 12, 30), durationMs: HOUR },
  { name: "Qualifying", type: "Qualifying", startMs: at(-1, 16), durationMs: HOUR },
  { name: "Race", type: "Race", startMs: at(0, 15), durationMs: 2 * HOUR },
];

/** OpenF1 normalises the sprint sessions' types to Qualifying and Race. */
const SPRINT: readonly SessionSlot[] = [
  { name: "Practice 1", type: "Practice", startMs: at(-2, 12, 30), durationMs: HOUR },
  { name: "Sprint Qualifying", type: "Qualifying", startMs: at(-2, 16, 30), durationMs: 44 * MINUTE },
  { name: "Sprint", type: "Race", startMs: at(-1, 12), durationMs: HOUR },
  { name: "Qualifying", type: "Qualifying", startMs: at(-1, 16), durationMs: HOUR },
  { name: "Race", type: "Race", startMs: at(0, 15), durationMs: 2 * HOUR },
];

/** The live race started this long before the fake did, and runs 2 h, so ~100 min remain. */
const LIVE_RACE_STARTED_AGO_MS = 20 * MINUTE;

/**
 * A deterministic calendar for `startedAt`'s year and the year before. The meeting whose race is
 * nearest `startedAt` is moved so its race is running when the fake starts: real-time syncs then
 * have a live session to follow in any demo, whatever the date. With `raceStartMs` (the
 * simulator's race weekend) that meeting's race starts then instead, its weekend around it.
 */
export function buildCalendar(startedAt: Date, raceStartMs?: number): FakeCalendar {
  const year = startedAt.getUTCFullYear();
  const liveRaceStartMs =
    raceStartMs ?? Math.floor(startedAt.getTime() / MINUTE) * MINUTE - LIVE_RACE_STARTED_AGO_MS;
  const current = buildSeason({ year, liveRaceStartMs, latestFields: true });
  const previous = buildSeason({ year: year - 1, latestFields: false });
  return {
    meetings: [...previous.meetings, ...current.meetings],
    sessions: [...previous.sessions, ...current.sessions],
    airTemperatureByMeeting: new Map([
      ...previous.airTemperatureByMeeting,
      ...current.airTemperatureByMeeting,
    ]),
  };
}

interface SeasonOptions {
  readonly year: number;
  readonly liveRaceStartMs?: number;
  /** Fields OpenF1 added recently; the older season lacks them, as real old snapshots do. */
  readonly latestFields: boolean;
}

function buildSeason({ year, liveRaceStartMs, latestFields }: SeasonOptions): FakeCalendar {
  const openerMs = seasonOpener(year);
  const liveIndex = liveRaceStartMs === undefined ? -1 : nearestVenue(openerMs, liveRaceStartMs);
  const meetings: Row[] = [];
  const sessions: FakeSession[] = [];
  const airTemperatureByMeeting = new Map<number, number>();
  VENUES.forEach((venue, index) => {
    const meetingKey = 1250 + (year - 2025) * 30 + index;
    // Like Imola in 2023, one weekend of the older season was called off: it keeps `latest` honest.
    const cancelled = !latestFields && venue.circuitKey === 6;
    const offsetMs = gmtOffsetMs(venue.gmtOffset);
    const raceStartMs =
      index === liveIndex && liveRaceStartMs !== undefined
        ? liveRaceStartMs
        : openerMs + venue.week * 7 * DAY + at(0, 15) - offsetMs;
    const raceDayMidnightMs = raceStartMs - at(0, 15);
    const weekend = (venue.sprint ? SPRINT : CONVENTIONAL).map((slot, slotIndex) => ({
      session_key: 9600 + (year - 2025) * 150 + index * 5 + slotIndex,
      session_name: slot.name,
      session_type: slot.type,
      date_start: isoSeconds(raceDayMidnightMs + slot.startMs),
      date_end: isoSeconds(raceDayMidnightMs + slot.startMs + slot.durationMs),
      ...placeOf(venue),
      meeting_key: meetingKey,
      is_cancelled: cancelled,
      year,
    }));
    sessions.push(...weekend);
    meetings.push(meetingRow({ venue, year, meetingKey, weekend, cancelled, withCountryFlag: latestFields }));
    airTemperatureByMeeting.set(meetingKey, venue.airTemperature);
  });
  return { meetings, sessions, airTemperatureByMeeting };
}

interface MeetingFacts {
  readonly venue: Venue;
  readonly year: number;
  readonly meetingKey: number;
  readonly weekend: readonly FakeSession[];
  readonly cancelled: boolean;
  readonly withCountryFlag: boolean;
}

function meetingRow({ venue, year, meetingKey, weekend, cancelled, withCountryFlag }: MeetingFacts): Row {
  const slug = venue.circuitShortName.replaceAll(" ", "_");
  return {
    meeting_key: meetingKey,
    meeting_name: venue.name,
    meeting_official_name: `FORMULA 1 ${venue.name.toUpperCase()} ${year}`,
    ...placeOf(venue),
    circuit_type: venue.circuitType,
    circuit_info_url: `https://api.multiviewer.app/api/v1/circuits/${venue.circuitKey}/${year}`,
    circuit_image: `https://media.formula1.com/image/upload/f_auto/q_auto/v1677244985/content/dam/fom-website/2018-redesign-assets/Circuit%20maps%2016x9/${slug}_Circuit.png`,
    date_start: weekend[0]?.date_start,
    date_end: weekend.at(-1)?.date_end,
    is_cancelled: cancelled,
    year,
    ...(withCountryFlag ? { country_flag: flagUrl(venue) } : {}),
  };
}

function flagUrl(venue: Venue): string {
  return `https://media.formula1.com/image/upload/f_auto/q_auto/v1677244985/fom-website/flags/${venue.countryName.replaceAll(" ", "_")}.jpg`;
}

function placeOf(venue: Venue) {
  return {
    location: venue.location,
    country_key: venue.countryKey,
    country_code: venue.countryCode,
    country_name: venue.countryName,
    circuit_key: venue.circuitKey,
    circuit_short_name: venue.circuitShortName,
    gmt_offset: venue.gmtOffset,
  };
}

/** The season opens on the first Sunday on or after 14 March. */
function seasonOpener(year: number): number {
  const march14 = Date.UTC(year, 2, 14);
  const weekday = new Date(march14).getUTCDay();
  return march14 + ((7 - weekday) % 7) * DAY;
}

function nearestVenue(openerMs: number, targetMs: number): number {
  let best = 0;
  VENUES.forEach((venue, index) => {
    const distance = (candidate: Venue) => Math.abs(openerMs + candidate.week * 7 * DAY - targetMs);
    if (distance(venue) < distance(VENUES[best] ?? venue)) best = index;
  });
  return best;
}

function gmtOffsetMs(gmtOffset: string): number {
  const [, sign, hours, minutes] = /^(-?)(\d{2}):(\d{2})/.exec(gmtOffset) ?? [];
  const ms = Number(hours) * HOUR + Number(minutes) * MINUTE;
  return sign === "-" ? -ms : ms;
}

/** Meetings and sessions: "2026-05-10T13:00:00+00:00". */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "+00:00");
}

/** Feeds (weather, race control): "2026-05-10T13:08:19.923000+00:00". */
export function isoMicros(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000+00:00");
}
