import { demoRaceStart, type Person, person, REGISTERED } from "../race/people.ts";
import { hash32 } from "../zwiftracing/seed.ts";

/**
 * The fake Haku organisation's events and registrations, in the field names of
 * shared/providers/haku.md (one integrator's adapter). Deterministic from the moment the data is
 * anchored at; registrations change only through the fake's test-only control routes.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The demo race: Haku's hex-ish event id (as in `register.hakuapp.com/?event=<hex id>`). */
export const DEMO_EVENT_ID = "5f3a9c1e7b2d40a8";
/** An event of last season, inactive, with a few registrations of its own. */
export const PAST_EVENT_ID = "4e2b8d0a6c1f3957";
/** Of the people Haku holds, these also ran the past event. */
const PAST_RUNNERS = 20;

export interface FakeEvent {
  readonly id: string;
  readonly name: string;
  readonly startMs: number;
  readonly endMs: number | undefined;
  readonly distance: string;
  readonly active: boolean;
  /** Haku's datetimes come in several formats (the facts): each event shows another. */
  readonly dateFormat: "space" | "date";
}

export interface FakeRegistration {
  readonly registrationNumber: string;
  readonly eventId: string;
  firstName: string;
  lastName: string;
  email: string;
  dob: string;
  gender: "Male" | "Female";
  city: string;
  state: string;
  country: string;
  bib: string | undefined;
  chip: string | undefined;
  team: string | undefined;
  readonly registeredAtMs: number;
  updatedAtMs: number;
  cancelledAtMs: number | undefined;
  readonly amount: string;
}

/** The organisation's data, anchored at `anchorMs` (the fake's start, or its frozen feed). */
export class HakuData {
  readonly events: readonly FakeEvent[];
  readonly #registrations = new Map<string, FakeRegistration>();
  #nextNumber = 900_001;

  constructor(anchorMs: number) {
    const start = demoRaceStart(anchorMs) + DAY_MS;
    const past = start - 120 * DAY_MS;
    this.events = [
      {
        id: DEMO_EVENT_ID,
        name: "Lakeside Trail Half",
        startMs: start,
        endMs: start + 4 * HOUR_MS,
        distance: "Half Marathon",
        active: true,
        dateFormat: "space",
      },
      {
        id: PAST_EVENT_ID,
        name: "Lakeside Winter 10K",
        startMs: past - (past % DAY_MS),
        endMs: undefined,
        distance: "10K",
        active: false,
        dateFormat: "date",
      },
    ];
    const { from, to } = REGISTERED.haku;
    for (let index = from; index < to; index++) {
      this.#add(registrationOf(person(index), DEMO_EVENT_ID, String(100_000 + index), start, index - from));
      if (index - from < PAST_RUNNERS)
        this.#add(registrationOf(person(index), PAST_EVENT_ID, String(200_000 + index), past, index - from));
    }
  }

  event(id: string): FakeEvent | undefined {
    return this.events.find((event) => event.id === id);
  }

  registration(registrationNumber: string): FakeRegistration | undefined {
    return this.#registrations.get(registrationNumber);
  }

  /** An event's registrations, most recently updated first (ties by number, for stable pages). */
  registrationsOf(eventId: string, direction: "asc" | "desc"): FakeRegistration[] {
    const sign = direction === "desc" ? -1 : 1;
    return [...this.#registrations.values()]
      .filter((r) => r.eventId === eventId)
      .sort(
        (a, b) =>
          sign * (a.updatedAtMs - b.updatedAtMs) || a.registrationNumber.localeCompare(b.registrationNumber),
      );
  }

  /** A new registration (test-only control), registered and updated at `nowMs`. */
  register(eventId: string, fields: NewRegistration, nowMs: number): FakeRegistration {
    const registrationNumber = String(this.#nextNumber++);
    const registration: FakeRegistration = {
      registrationNumber,
      eventId,
      city: "Portland",
      state: "OR",
      country: "US",
      dob: "1990-01-01",
      gender: "Female",
      bib: undefined,
      chip: undefined,
      team: undefined,
      ...fields,
      registeredAtMs: nowMs,
      updatedAtMs: nowMs,
      cancelledAtMs: undefined,
      amount: "65.00",
    };
    this.#add(registration);
    return registration;
  }

  #add(registration: FakeRegistration): void {
    this.#registrations.set(registration.registrationNumber, registration);
  }
}

export type NewRegistration = Pick<FakeRegistration, "firstName" | "lastName" | "email"> &
  Partial<Pick<FakeRegistration, "dob" | "gender" | "bib" | "chip" | "team" | "city" | "state" | "country">>;

function registrationOf(
  p: Person,
  eventId: string,
  registrationNumber: string,
  eventStartMs: number,
  ordinal: number,
): FakeRegistration {
  // Registered over the eight weeks before the event, in order; nobody has changed since.
  const registeredAtMs = eventStartMs - 56 * DAY_MS + ordinal * 9 * HOUR_MS;
  const bib = eventId === DEMO_EVENT_ID ? 1001 + ordinal : 501 + ordinal;
  return {
    registrationNumber,
    eventId,
    firstName: p.firstName,
    lastName: p.lastName,
    email: p.email,
    dob: p.birthDate,
    gender: p.gender === "F" ? "Female" : "Male",
    city: p.city,
    state: p.region,
    country: p.country,
    bib: String(bib),
    chip: `HK${(hash32(p.index, bib) % 0xffffff).toString(16).toUpperCase().padStart(6, "0")}`,
    team: p.index % 7 === 0 ? "Lakeside Striders" : undefined,
    registeredAtMs,
    updatedAtMs: registeredAtMs,
    cancelledAtMs: undefined,
    amount: eventId === DEMO_EVENT_ID ? "85.00" : "40.00",
  };
}
