import { demoRaceStart, type Person, people, REGISTERED } from "../race/people.ts";
import { hash32 } from "../zwiftracing/seed.ts";

/**
 * The fake's race and its registrations: race 20261 "Harbour Run" in Los Angeles, a 5K and a
 * 10K, with the shared pool's RunSignUp people registered (even index: 5K, odd: 10K). Mutable
 * through the test-only control routes: a registration added, changed (its last_modified bumped)
 * or removed (moved to removed-participants).
 */

export const DEMO_RACE_ID = 20261;
export const DEMO_RACE_NAME = "Harbour Run";
export const DEMO_TIMEZONE = "America/Los_Angeles";
export const DEMO_EVENTS = [
  { eventId: 61001, name: "5K", distance: "5K", raceFee: "$35.00", processingFee: "$3.50", hours: 2 },
  { eventId: 61002, name: "10K", distance: "10K", raceFee: "$55.00", processingFee: "$4.95", hours: 3 },
] as const;
export type DemoEvent = (typeof DEMO_EVENTS)[number];

/** registration_id of person `index` of the pool. */
export const REGISTRATION_BASE = 500_000;

export interface Registration {
  readonly registrationId: number;
  readonly eventId: number;
  readonly userId: number;
  firstName: string;
  lastName: string;
  email: string | null;
  birthDate: string | null;
  gender: string | null;
  city: string | null;
  region: string | null;
  country: string | null;
  bib: number | null;
  chip: string | null;
  team: string | null;
  /** Unix seconds. */
  readonly registeredAt: number;
  lastModified: number;
}

export interface RemovedRegistration extends Registration {
  readonly removedReason: "cleared" | "removed" | "transferred" | "deferred";
}

/** What a control route may set on a registration (absent: unchanged; null: cleared). */
export type RegistrationFields = Partial<
  Pick<
    Registration,
    | "firstName"
    | "lastName"
    | "email"
    | "birthDate"
    | "gender"
    | "city"
    | "region"
    | "country"
    | "bib"
    | "chip"
    | "team"
  >
>;

const DAY_S = 86_400;

/** Person `p` registered for their distance; last_modified spread over the 60 days before `asOfS`. */
function registrationOf(p: Person, asOfS: number): Registration {
  const eventId = p.index % 2 === 0 ? DEMO_EVENTS[0].eventId : DEMO_EVENTS[1].eventId;
  const registeredAt = asOfS - 60 * DAY_S + (hash32(p.index, 21) % (55 * DAY_S));
  // A few changed their registration later (a new address, a team), never after the data moment.
  const edited = hash32(p.index, 22) % 4 === 0;
  const lastModified = edited
    ? Math.min(asOfS - 60, registeredAt + (hash32(p.index, 23) % (4 * DAY_S)))
    : registeredAt;
  return {
    registrationId: REGISTRATION_BASE + p.index,
    eventId,
    userId: 7_100_000 + p.index * 13,
    firstName: p.firstName,
    lastName: p.lastName,
    email: p.email,
    birthDate: p.birthDate,
    gender: p.gender,
    city: p.city,
    region: p.region,
    country: p.country,
    // Timers assign bibs; a handful were given one at registration (elite and charity entries).
    bib: p.index % 12 === 0 ? 100 + p.index : null,
    chip: null,
    team: p.index % 9 === 0 ? "Harbour Harriers" : null,
    registeredAt,
    lastModified,
  };
}

export class RaceData {
  /** The race's start, epoch ms: both events start then. */
  readonly startMs: number;
  readonly #active = new Map<number, Registration>();
  readonly #removed = new Map<number, RemovedRegistration>();
  #nextId: number;

  /** `dataNowMs`: the moment the data is as of (the fake's start, or a demo's frozen moment). */
  constructor(dataNowMs: number) {
    this.startMs = demoRaceStart(dataNowMs);
    const asOfS = Math.floor(dataNowMs / 1_000);
    const { from, to } = REGISTERED.runsignup;
    for (const p of people(from, to)) {
      const registration = registrationOf(p, asOfS);
      this.#active.set(registration.registrationId, registration);
    }
    this.#nextId = REGISTRATION_BASE + to;
  }

  event(eventId: number): DemoEvent | undefined {
    return DEMO_EVENTS.find((event) => event.eventId === eventId);
  }

  /** An event's registrations, by registration_id. */
  participants(eventId: number): Registration[] {
    return [...this.#active.values()]
      .filter((r) => r.eventId === eventId)
      .sort((a, b) => a.registrationId - b.registrationId);
  }

  removed(eventId: number): RemovedRegistration[] {
    return [...this.#removed.values()]
      .filter((r) => r.eventId === eventId)
      .sort((a, b) => a.registrationId - b.registrationId);
  }

  add(eventId: number, fields: RegistrationFields & { firstName: string; lastName: string }, nowS: number) {
    const registrationId = this.#nextId++;
    const registration: Registration = {
      registrationId,
      eventId,
      userId: 7_100_000 + (registrationId - REGISTRATION_BASE) * 13,
      email: null,
      birthDate: null,
      gender: null,
      city: null,
      region: null,
      country: null,
      bib: null,
      chip: null,
      team: null,
      ...fields,
      registeredAt: nowS,
      lastModified: nowS,
    };
    this.#active.set(registrationId, registration);
    return registration;
  }

  /** Changes a registration's fields and bumps its last_modified; undefined if it is not active. */
  change(registrationId: number, fields: RegistrationFields, nowS: number): Registration | undefined {
    const registration = this.#active.get(registrationId);
    if (registration === undefined) return undefined;
    Object.assign(registration, fields, { lastModified: nowS });
    return registration;
  }

  /** Moves a registration to removed-participants (reason "removed"). */
  remove(registrationId: number, nowS: number): RemovedRegistration | undefined {
    const registration = this.#active.get(registrationId);
    if (registration === undefined) return undefined;
    this.#active.delete(registrationId);
    const removed: RemovedRegistration = { ...registration, lastModified: nowS, removedReason: "removed" };
    this.#removed.set(registrationId, removed);
    return removed;
  }
}
