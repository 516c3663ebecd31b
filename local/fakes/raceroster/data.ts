import { z } from "zod";
import { demoRaceStart, distanceOf, people, REGISTERED, recasedEmail } from "../race/people.ts";

/**
 * The fake's data: three events in the shapes client code shows, and the demo race's
 * participants in the ASSUMED shape (shared/providers/raceroster.md: `{data: [row…], metadata}`,
 * camelCase rows). Built from the shared pool of runners (../race/people.ts).
 */

const DAY_MS = 86_400_000;

export const DEMO_EVENT_ID = 7301;
/** The demo race's sub-events: even people run the 5K, odd ones the 10K. */
export const SUB_EVENT_5K = 73011;
export const SUB_EVENT_10K = 73012;
/** First registration id; person `i` of the pool registered as REGISTRATION_BASE + i. */
const REGISTRATION_BASE = 880_000;

/** Race Roster's documented date form, e.g. "2026-03-12T18:00:00+00:00". */
export const isoWithOffset = (epochMs: number): string =>
  new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, "+00:00");

const subEvent = (
  subEventId: number,
  name: string,
  distance: number,
  distanceType: string,
  inMeters: number,
) => ({
  subEventId,
  name,
  distance,
  distanceType,
  subEventDistance: { inMeters, type: "running" },
});

/** The events, by start date: one past (outside a 7-day look-back), the demo race, one far ahead. */
export function eventsAt(startedAtMs: number) {
  return [
    {
      eventId: 7201,
      name: "Winter Trail Classic",
      url: "https://raceroster.com/events/2026/7201/winter-trail-classic",
      city: "North Vancouver",
      country: { code: "CA" },
      startDate: isoWithOffset(demoRaceStart(startedAtMs) - 40 * DAY_MS),
      subEvents: { data: [subEvent(72011, "15K Trail", 15, "km", 15_000)] },
    },
    {
      eventId: DEMO_EVENT_ID,
      name: "Harbour Run",
      url: "https://raceroster.com/events/2026/7301/harbour-run",
      city: "Vancouver",
      country: { code: "CA" },
      startDate: isoWithOffset(demoRaceStart(startedAtMs)),
      subEvents: {
        data: [
          subEvent(SUB_EVENT_5K, "5K", 5, "km", 5_000),
          subEvent(SUB_EVENT_10K, "10K", 10, "km", 10_000),
        ],
      },
    },
    {
      eventId: 7401,
      name: "Autumn Half Marathon",
      url: "https://raceroster.com/events/2026/7401/autumn-half-marathon",
      city: "Victoria",
      country: { code: "CA" },
      startDate: isoWithOffset(demoRaceStart(startedAtMs) + 180 * DAY_MS),
      subEvents: { data: [subEvent(74011, "Half Marathon", 13.1, "mi", 21_097)] },
    },
  ];
}
export type FakeEvent = ReturnType<typeof eventsAt>[number];

/** Race Roster's documented gender codes: 0 undisclosed, 1 male, 2 female, 8 Co-Ed, 9 non-binary. */
export const GENDER_CODES = [0, 1, 2, 8, 9] as const;

/** A participant row, in the assumed shape. */
export interface ParticipantRow {
  registrationId: number;
  eventId: number;
  subEventId: number;
  firstName: string;
  lastName: string;
  email: string | null;
  dateOfBirth: string | null;
  gender: (typeof GENDER_CODES)[number];
  bibNumber: string | null;
  city: string | null;
  province: string | null;
  country: string | null;
  status: "active" | "cancelled";
  cancelled: boolean;
  updatedAt: string;
}

/** What a test may set on a participant (`POST`/`PATCH /_fake/participants`). */
export const participantFields = z
  .object({
    subEventId: z.union([z.literal(SUB_EVENT_5K), z.literal(SUB_EVENT_10K)]),
    firstName: z.string().min(1).max(100),
    lastName: z.string().min(1).max(100),
    email: z.email().nullable(),
    dateOfBirth: z.iso.date().nullable(),
    gender: z.union(GENDER_CODES.map((code) => z.literal(code))),
    bibNumber: z.string().max(20).nullable(),
    city: z.string().max(100).nullable(),
    province: z.string().max(100).nullable(),
    country: z.string().max(3).nullable(),
  })
  .strict();
export const newParticipant = participantFields.partial({
  email: true,
  dateOfBirth: true,
  gender: true,
  bibNumber: true,
  city: true,
  province: true,
  country: true,
});
export const participantChange = participantFields.partial();

/** Every registration of the demo race, by registrationId: REGISTERED.raceroster's people at start. */
export class Registrations {
  readonly #rows = new Map<number, ParticipantRow>();
  #nextId: number;

  constructor(startedAtMs: number) {
    const { from, to } = REGISTERED.raceroster;
    const updatedAt = isoWithOffset(startedAtMs);
    for (const p of people(from, to)) {
      this.#rows.set(REGISTRATION_BASE + p.index, {
        registrationId: REGISTRATION_BASE + p.index,
        eventId: DEMO_EVENT_ID,
        subEventId: distanceOf(p) === "5K" ? SUB_EVENT_5K : SUB_EVENT_10K,
        firstName: p.firstName,
        lastName: p.lastName,
        email: recasedEmail(p.email),
        dateOfBirth: p.birthDate,
        gender: p.gender === "F" ? 2 : 1,
        // Bibs are the timer's to assign, nearer race day.
        bibNumber: null,
        city: p.city,
        province: p.region,
        country: p.country,
        status: "active",
        cancelled: false,
        updatedAt,
      });
    }
    this.#nextId = REGISTRATION_BASE + to;
  }

  /** One event's registrations, in registration order, `offset` then at most `limit`. */
  page(eventId: number, offset: number, limit: number): { rows: ParticipantRow[]; total: number } {
    const all = [...this.#rows.values()].filter((row) => row.eventId === eventId);
    return { rows: all.slice(offset, offset + limit).map((row) => ({ ...row })), total: all.length };
  }

  add(fields: z.output<typeof newParticipant>, nowMs: number): ParticipantRow {
    const row: ParticipantRow = {
      registrationId: this.#nextId++,
      eventId: DEMO_EVENT_ID,
      email: null,
      dateOfBirth: null,
      gender: 0,
      bibNumber: null,
      city: null,
      province: null,
      country: null,
      ...fields,
      status: "active",
      cancelled: false,
      updatedAt: isoWithOffset(nowMs),
    };
    this.#rows.set(row.registrationId, row);
    return { ...row };
  }

  /** The changed row, or undefined for an unknown registration. */
  change(registrationId: number, fields: z.output<typeof participantChange>, nowMs: number) {
    const row = this.#rows.get(registrationId);
    if (row === undefined) return undefined;
    Object.assign(row, fields, { updatedAt: isoWithOffset(nowMs) });
    return { ...row };
  }

  /** Race Roster keeps a cancelled registration, marked so. */
  cancel(registrationId: number, nowMs: number): ParticipantRow | undefined {
    const row = this.#rows.get(registrationId);
    if (row === undefined) return undefined;
    Object.assign(row, { status: "cancelled", cancelled: true, updatedAt: isoWithOffset(nowMs) });
    return { ...row };
  }
}
