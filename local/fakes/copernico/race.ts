import { finishTimes, type Person, people, person } from "../race/people.ts";
import { hash32 } from "../zwiftracing/seed.ts";

/**
 * The fake's races: what Pacer pushed to them, who has finished, and the preset export's rows.
 * One demo race, the shared story's "Harbour Run" (local/fakes/race/people.ts): a 5K and a 10K.
 */

export interface DemoEvent {
  readonly uuid: string;
  readonly name: "5K" | "10K";
}

export interface DemoRace {
  /** The Sportmaniacs race UUID the push addresses. */
  readonly uuid: string;
  /** The Copernico race slug the preset export addresses. */
  readonly slug: string;
  readonly year: number;
  readonly events: readonly DemoEvent[];
}

export const DEMO_RACE: DemoRace = {
  uuid: "5fbe1dc5-deb8-40dd-8a08-2375ac1f13d5",
  slug: "harbour-run-2026",
  year: 2026,
  events: [
    { uuid: "9d7a3c10-0005-4b2e-9a61-1f0c5e2a0005", name: "5K" },
    { uuid: "9d7a3c10-0010-4b2e-9a61-1f0c5e2a0010", name: "10K" },
  ],
};

/** The account and preset the fake's export answers for. */
export const DEMO_PRESET = { login: "timer@example.com", name: "Pacer" } as const;

/** One registration as pushed: the documented fields and whatever extras came with them. */
export type Registration = Readonly<Record<string, unknown>> & { readonly id: string };

interface Entry {
  registration: Registration;
  finish?: { gunMs: number; chipMs: number };
}

/** The people of the shared pool, by who they are, so a pushed runner keeps their finish time. */
const POOL = new Map(people(0, 300).map((p) => [identity(p.firstName, p.lastName, p.birthDate), p]));

function identity(name: unknown, surname: unknown, birthdate: unknown): string {
  return `${String(name).toLowerCase()}|${String(surname).toLowerCase()}|${String(birthdate)}`;
}

/** The pool's person a registration is, or a stand-in seeded by its id (same id, same times). */
function personOf(registration: Registration): Person {
  const known = POOL.get(identity(registration.name, registration.surname, registration.birthdate));
  if (known !== undefined) return known;
  return person(100_000 + (hash32(...[...registration.id].map((c) => c.charCodeAt(0))) % 1_000_000));
}

/** Registrations per race (by lower-case UUID), each by its id. */
export class RaceBook {
  readonly #races = new Map<string, Map<string, Entry>>();

  constructor(readonly race: DemoRace = DEMO_RACE) {
    this.#races.set(race.uuid, new Map());
  }

  has(raceUuid: string): boolean {
    return this.#races.has(raceUuid.toLowerCase());
  }

  /** Creates or updates each by `id`; an update keeps the runner's finish. */
  register(raceUuid: string, registrations: readonly Registration[]): { created: number; updated: number } {
    const entries = this.#entries(raceUuid);
    let created = 0;
    let updated = 0;
    for (const registration of registrations) {
      const entry = entries.get(registration.id);
      if (entry === undefined) {
        entries.set(registration.id, { registration });
        created++;
      } else {
        entry.registration = registration;
        updated++;
      }
    }
    return { created, updated };
  }

  registrations(raceUuid: string): Registration[] {
    return [...this.#entries(raceUuid).values()]
      .map((entry) => entry.registration)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /**
   * The next `count` runners still on the course, by dorsal, finish (with the shared pool's
   * `finishTimes`). Only runners with a dorsal and an event of the race can finish. Returns
   * their dorsals.
   */
  finish(raceUuid: string, count: number): string[] {
    const running = [...this.#entries(raceUuid).values()]
      .filter((entry) => entry.finish === undefined && dorsalOf(entry) !== undefined && this.#eventOf(entry))
      .sort((a, b) => byDorsal(dorsalOf(a) ?? "", dorsalOf(b) ?? ""))
      .slice(0, Math.max(0, count));
    for (const entry of running) {
      const event = this.#eventOf(entry);
      if (event !== undefined) entry.finish = finishTimes(personOf(entry.registration), event.name);
    }
    return running.map((entry) => dorsalOf(entry) ?? "");
  }

  /** The export's rows of an event's finishers, with the column keys of the facts' integration. */
  exportRows(eventName: string): Record<string, unknown>[] | undefined {
    const event = this.race.events.find((e) => e.name === eventName);
    if (event === undefined) return undefined;
    const finishers = [...this.#entries(this.race.uuid).values()]
      .filter((entry) => entry.finish !== undefined && this.#eventOf(entry) === event)
      .sort((a, b) => (a.finish?.gunMs ?? 0) - (b.finish?.gunMs ?? 0));
    const genderRanks = new Map<string, number>();
    const categoryRanks = new Map<string, number>();
    return finishers.map((entry, index) => {
      const { registration } = entry;
      const gender = typeof registration.gender === "string" ? registration.gender : "";
      const category = categoryOf(gender, registration.birthdate, this.race.year);
      genderRanks.set(gender, (genderRanks.get(gender) ?? 0) + 1);
      categoryRanks.set(category, (categoryRanks.get(category) ?? 0) + 1);
      return {
        dorsal: dorsalOf(entry),
        name: doubleEncoded(registration.name),
        surname: doubleEncoded(registration.surname),
        birthdate: registration.birthdate ?? null,
        gender,
        category,
        status: "finished",
        "times.official_:::finish:::": entry.finish?.gunMs,
        "times.real_:::finish:::": entry.finish?.chipMs,
        "rankings_:::full-1:::": index + 1,
        "rankings.gen_:::full-1:::": genderRanks.get(gender),
        "rankings.cat_:::full-1:::": categoryRanks.get(category),
      };
    });
  }

  #entries(raceUuid: string): Map<string, Entry> {
    const entries = this.#races.get(raceUuid.toLowerCase());
    if (entries === undefined) throw new Error(`no race ${raceUuid}`);
    return entries;
  }

  #eventOf(entry: Entry): DemoEvent | undefined {
    const eventId = entry.registration.eventId;
    return typeof eventId === "string"
      ? this.race.events.find((e) => e.uuid === eventId.toLowerCase())
      : undefined;
  }
}

function dorsalOf(entry: Entry): string | undefined {
  const { dorsal } = entry.registration;
  if (typeof dorsal === "number") return String(dorsal);
  return typeof dorsal === "string" && dorsal !== "" ? dorsal : undefined;
}

/** Numeric dorsals by number, others after them by text. */
function byDorsal(a: string, b: string): number {
  const [x, y] = [Number(a), Number(b)];
  if (Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** "F40": gender initial and the age decade on 1 January of the race's year; "U20" below 20. */
function categoryOf(gender: string, birthdate: unknown, year: number): string {
  const initial = gender === "female" ? "F" : gender === "male" ? "M" : "X";
  const born = typeof birthdate === "string" ? Number(birthdate.slice(0, 4)) : Number.NaN;
  if (!Number.isFinite(born)) return `${initial}-Open`;
  const age = year - born - 1;
  return age < 20 ? `${initial}U20` : `${initial}${Math.floor(age / 10) * 10}`;
}

/** Copernico's text quirk: UTF-8 read as Latin-1 and encoded again ("Inés" → "InÃ©s"). */
function doubleEncoded(value: unknown): unknown {
  return typeof value === "string" ? Buffer.from(value, "utf8").toString("latin1") : value;
}
