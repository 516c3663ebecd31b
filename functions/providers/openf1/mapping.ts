import { createHash } from "node:crypto";
import type { Entity } from "#providers/types.ts";
import type { Meeting, RaceControl, Session, Weather } from "./schemas.ts";

/** The meeting fields that describe the circuit rather than the weekend. */
const CIRCUIT_FIELDS = [
  "circuit_key",
  "circuit_short_name",
  "circuit_type",
  "circuit_info_url",
  "circuit_image",
  "location",
  "country_key",
  "country_code",
  "country_name",
] as const;

export function meetingEntities(meetings: readonly Meeting[]): Entity[] {
  const circuits = new Map<string, Entity>();
  for (const meeting of meetings) {
    const id = String(meeting.circuit_key);
    // A circuit hosts several meetings (e.g. testing and the GP); the first one describes it.
    if (!circuits.has(id)) circuits.set(id, { type: "circuits", id, data: circuitOf(meeting) });
  }
  const byMeeting = meetings.map((meeting) => ({
    type: "meetings",
    id: String(meeting.meeting_key),
    data: meeting,
  }));
  return [...uniqueById(byMeeting), ...circuits.values()];
}

function circuitOf(meeting: Meeting): Record<string, unknown> {
  const circuit: Record<string, unknown> = {};
  for (const field of CIRCUIT_FIELDS) {
    if (meeting[field] !== undefined) circuit[field] = meeting[field];
  }
  return circuit;
}

export function sessionEntities(sessions: readonly Session[]): Entity[] {
  return uniqueById(
    sessions.map((session) => ({ type: "sessions", id: String(session.session_key), data: session })),
  );
}

export function weatherEntities(rows: readonly Weather[]): Entity[] {
  return uniqueById(
    rows.map((row) => ({ type: "weather", id: `${row.session_key}-${row.date}`, data: row })),
  );
}

/**
 * Race control rows carry no id of their own. The id is built from what identifies a message, so
 * the same message maps to the same entity every run and a later correction (say, its lap number)
 * is an update, not a second message.
 */
export function raceControlEntities(rows: readonly RaceControl[]): Entity[] {
  return uniqueById(rows.map((row) => ({ type: "race_control", id: raceControlId(row), data: row })));
}

export function raceControlId(row: RaceControl): string {
  const messageHash = createHash("sha256")
    .update(row.message ?? "")
    .digest("hex")
    .slice(0, 12);
  const parts = [row.session_key, row.date, row.category, row.driver_number].map((part) => part ?? "none");
  return [...parts, messageHash].join("-");
}

/** One run hands the store one version per entity; if OpenF1 repeats a row, the last one wins. */
function uniqueById(entities: readonly Entity[]): Entity[] {
  return [...new Map(entities.map((entity) => [entity.id, entity])).values()];
}
