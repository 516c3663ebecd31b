import { type FakeSession, isoMicros, type Row } from "./data.ts";

const MINUTE = 60_000;

/**
 * Weather: one row a minute from the session's start to its end, published once the minute is
 * over, so two reads in the same minute see the same rows. Values drift smoothly with the minute.
 */
export function weatherRows(session: FakeSession, airTemperature: number, nowMs: number): Row[] {
  const startMs = Date.parse(session.date_start);
  const endMs = Math.min(Date.parse(session.date_end), Math.floor(nowMs / MINUTE) * MINUTE);
  // Each session's readings land at its own second of the minute, as the real feed's do.
  const phaseMs = (session.session_key * 7_919) % MINUTE;
  const rows: Row[] = [];
  for (let minute = 0; startMs + minute * MINUTE + phaseMs <= endMs; minute++) {
    const wave = (period: number, shift = 0) => Math.sin((2 * Math.PI * minute) / period + shift);
    const air = airTemperature + 1.5 * wave(90);
    rows.push({
      date: isoMicros(startMs + minute * MINUTE + phaseMs),
      session_key: session.session_key,
      meeting_key: session.meeting_key,
      air_temperature: round(air, 1),
      track_temperature: round(air + 12 + 4 * wave(120, 1), 1),
      humidity: round(48 + 12 * wave(200, 2), 0),
      pressure: round(1012 + 2.5 * wave(300, 3), 1),
      rainfall: 0,
      wind_direction: Math.round(200 + 60 * wave(150, 4) + 360) % 360,
      wind_speed: round(1.8 + 0.9 * wave(45, 5), 1),
    });
  }
  return rows;
}

interface Message {
  readonly atMs: number;
  readonly category: string;
  readonly flag: string | null;
  readonly scope: string | null;
  readonly sector?: number;
  readonly driverNumber?: number;
  readonly message: string;
}

const minutes = (n: number, seconds = 0) => n * MINUTE + seconds * 1_000;
const green = (atMs: number): Message => ({
  atMs,
  category: "Flag",
  flag: "GREEN",
  scope: "Track",
  message: "GREEN LIGHT - PIT EXIT OPEN",
});
const chequered = (atMs: number): Message => ({
  atMs,
  category: "Flag",
  flag: "CHEQUERED",
  scope: "Track",
  message: "CHEQUERED FLAG",
});
const sectorFlag = (atMs: number, flag: "YELLOW" | "CLEAR", sector: number): Message => ({
  atMs,
  category: "Flag",
  flag,
  scope: "Sector",
  sector,
  message: `${flag} IN TRACK SECTOR ${sector}`,
});
const trackLimits = (atMs: number, driverNumber: number, acronym: string): Message => ({
  atMs,
  category: "Flag",
  flag: "BLACK AND WHITE",
  scope: "Driver",
  driverNumber,
  message: `BLACK AND WHITE FLAG FOR CAR ${driverNumber} (${acronym}) - TRACK LIMITS`,
});
const drsEnabled = (atMs: number): Message => ({
  atMs,
  category: "Drs",
  flag: null,
  scope: null,
  message: "DRS ENABLED",
});
const safetyCar = (atMs: number, message: string): Message => ({
  atMs,
  category: "SafetyCar",
  flag: null,
  scope: "Track",
  message,
});

/** Where Q1 and Q2 end, as fractions of a qualifying session; Q3 runs to the end. */
const Q1_END = 0.3;
const Q2_END = 0.67;

function qualifyingPhase(atMs: number, durationMs: number): number {
  if (atMs <= durationMs * Q1_END) return 1;
  return atMs <= durationMs * Q2_END ? 2 : 3;
}

function script(session: FakeSession, durationMs: number): Message[] {
  if (session.session_type === "Race") {
    return [
      green(0),
      drsEnabled(minutes(3, 12)),
      sectorFlag(minutes(7, 41), "YELLOW", 12),
      sectorFlag(minutes(8, 30), "CLEAR", 12),
      trackLimits(minutes(15, 5), 1, "VER"),
      safetyCar(minutes(31, 18), "SAFETY CAR DEPLOYED"),
      safetyCar(minutes(36, 2), "SAFETY CAR IN THIS LAP"),
      drsEnabled(minutes(40, 44)),
      trackLimits(minutes(63, 27), 44, "HAM"),
      chequered(durationMs - minutes(6, 20)),
    ];
  }
  if (session.session_type === "Qualifying") {
    const at = (fraction: number) => Math.round(durationMs * fraction);
    return [
      green(0),
      trackLimits(at(0.2), 16, "LEC"),
      chequered(at(Q1_END)),
      green(at(0.42)),
      chequered(at(Q2_END)),
      green(at(0.8)),
      chequered(durationMs),
    ];
  }
  return [
    green(0),
    sectorFlag(minutes(14, 8), "YELLOW", 9),
    sectorFlag(minutes(15, 51), "CLEAR", 9),
    trackLimits(minutes(33, 40), 81, "PIA"),
    chequered(durationMs),
  ];
}

/** Race control: a realistic handful of messages per session type, each published at its time. */
export function raceControlRows(session: FakeSession, nowMs: number): Row[] {
  const startMs = Date.parse(session.date_start);
  const durationMs = Date.parse(session.date_end) - startMs;
  const isRace = session.session_type === "Race";
  const isQualifying = session.session_type === "Qualifying";
  return script(session, durationMs)
    .filter((message) => startMs + message.atMs <= nowMs)
    .map((message) => ({
      meeting_key: session.meeting_key,
      session_key: session.session_key,
      date: isoMicros(startMs + message.atMs),
      driver_number: message.driverNumber ?? null,
      lap_number: isRace ? 1 + Math.floor(message.atMs / minutes(1, 36)) : null,
      category: message.category,
      flag: message.flag,
      scope: message.scope,
      sector: message.sector ?? null,
      qualifying_phase: isQualifying ? qualifyingPhase(message.atMs, durationMs) : null,
      message: message.message,
    }));
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
