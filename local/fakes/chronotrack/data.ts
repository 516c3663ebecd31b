import { demoRaceStart, distanceOf, type Person, people } from "../race/people.ts";

/**
 * The fake's events and races, in ChronoTrack's documented field names with its string values
 * (shared/providers/chronotrack.md: "all values may arrive as strings"): the demo "Harbour Run"
 * (event 90001, a 5K and a 10K starting at `demoRaceStart`) and last year's edition (89001), whose
 * results are already in.
 */

export const DEMO_EVENT_ID = "90001";
export const OLDER_EVENT_ID = "89001";

export type Distance = "5K" | "10K";

export interface FakeRace {
  readonly raceId: string;
  readonly name: Distance;
  readonly startMs: number;
}

export interface FakeEvent {
  readonly eventId: string;
  readonly name: string;
  readonly startMs: number;
  readonly races: readonly FakeRace[];
}

const HOUR_MS = 3_600_000;
const YEAR_MS = 364 * 24 * HOUR_MS;
/** Last year's edition: the first 40 people of the pool finished it. */
export const OLDER_FINISHERS = 40;

/** The events, as of the fake's start (the demo race's start follows it). */
export function fakeEvents(startedAtMs: number): FakeEvent[] {
  const start = demoRaceStart(startedAtMs);
  const edition = (eventId: string, name: string, startMs: number): FakeEvent => ({
    eventId,
    name,
    startMs,
    races: [
      { raceId: `${eventId}1`, name: "5K", startMs },
      { raceId: `${eventId}2`, name: "10K", startMs },
    ],
  });
  return [
    edition(OLDER_EVENT_ID, "Harbour Run 2025", start - YEAR_MS),
    edition(DEMO_EVENT_ID, "Harbour Run", start),
  ];
}

const unixSeconds = (ms: number): string => String(Math.floor(ms / 1_000));

/** An `event` row. */
export function eventRow(event: FakeEvent) {
  return {
    event_id: event.eventId,
    event_name: event.name,
    event_description: `${event.name}: a 5K and a 10K along the harbour`,
    event_start_time: unixSeconds(event.startMs),
    event_end_time: unixSeconds(event.startMs + 4 * HOUR_MS),
    event_site_uri: `https://example.com/harbour-run/${event.eventId}`,
    location_country: "US",
    organization_name: "Harbour Runners",
  };
}

/** An `event_race` row. */
export function raceRow(race: FakeRace) {
  return {
    race_id: race.raceId,
    race_name: race.name,
    race_type: "running",
    race_course_distance: race.name === "5K" ? "5" : "10",
    race_pref_distance_unit: "km",
    race_planned_start_time: unixSeconds(race.startMs),
    race_planned_end_time: unixSeconds(race.startMs + 3 * HOUR_MS),
    race_age_ref_time: unixSeconds(race.startMs),
  };
}

export const raceOfDistance = (event: FakeEvent, distance: Distance): FakeRace | undefined =>
  event.races.find((race) => race.name === distance);

/** Last year's finishers, as entries would hold them: bibs 1–40, the race their distance. */
export function olderFinishers(): { bib: string; person: Person; distance: Distance }[] {
  return people(0, OLDER_FINISHERS).map((person) => ({
    bib: String(person.index + 1),
    person,
    distance: distanceOf(person),
  }));
}
