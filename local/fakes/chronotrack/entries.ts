import { z } from "zod";
import { ENTRY_WRITE } from "#providers/chronotrack/mapping.ts";
import { distanceOf, finishTimes, type Person, person } from "../race/people.ts";
import { hash32 } from "../zwiftracing/seed.ts";
import { type FakeEvent, raceOfDistance } from "./data.ts";

/**
 * The entries pushed to the fake, per event. ChronoTrack documents no write endpoint: the fake
 * takes the very shape Pacer's module assumes (ENTRY_WRITE in functions/providers/chronotrack/
 * mapping.ts: a JSON object of `event_entry` read field names plus an external reference), so it
 * is the one place that assumption is exercised; it says nothing of what ChronoTrack would take.
 * A create naming an external reference the event already holds updates that entry instead
 * (idempotent), and the answer is `{ entry: { entry_id, ... } }` either way.
 */

/** The body of a create or update: string fields only, as the module sends them. */
export const entryBody = z
  .record(z.string().regex(/^[a-z_]{1,40}$/), z.string().max(200))
  .refine((fields) => Object.keys(fields).length <= 30, "at most 30 fields");
export type EntryFields = z.output<typeof entryBody>;

export interface Entry {
  readonly entryId: string;
  readonly eventId: string;
  fields: EntryFields;
  finish?: { readonly raceId: string; readonly chipMs: number; readonly gunMs: number };
}

export type PushKind = "created" | "updated";

/** Why a push was refused: a status and ChronoTrack-like words. */
export class EntryRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const FIRST_ENTRY_ID = 7_000_001;
/** The shared pool's people who may be registered anywhere (RunSignUp, Race Roster, Haku). */
const POOL_SIZE = 300;

export class EntryBook {
  readonly #byEvent = new Map<string, Entry[]>();
  readonly #byId = new Map<string, Entry>();
  #nextId = FIRST_ENTRY_ID;
  #pool: readonly Person[] | undefined;

  /** Creates an entry, or updates the one holding the same external reference. */
  create(event: FakeEvent, fields: EntryFields): { entry: Entry; kind: PushKind } {
    checkRace(event, fields);
    const ref = fields[ENTRY_WRITE.externalRef];
    const entries = this.#byEvent.get(event.eventId) ?? [];
    const known =
      ref === undefined ? undefined : entries.find((e) => e.fields[ENTRY_WRITE.externalRef] === ref);
    if (known !== undefined) {
      known.fields = { ...fields };
      return { entry: known, kind: "updated" };
    }
    const entry: Entry = { entryId: String(this.#nextId++), eventId: event.eventId, fields: { ...fields } };
    entries.push(entry);
    this.#byEvent.set(event.eventId, entries);
    this.#byId.set(entry.entryId, entry);
    return { entry, kind: "created" };
  }

  /** Replaces an entry's fields, keeping its external reference when the update leaves it out. */
  update(entryId: string, fields: EntryFields, eventOf: (eventId: string) => FakeEvent | undefined): Entry {
    const entry = this.#byId.get(entryId);
    const event = entry && eventOf(entry.eventId);
    if (entry === undefined || event === undefined) throw new EntryRefusal(404, "Entry not found");
    checkRace(event, fields);
    const ref = entry.fields[ENTRY_WRITE.externalRef];
    entry.fields = { ...(ref === undefined ? {} : { [ENTRY_WRITE.externalRef]: ref }), ...fields };
    return entry;
  }

  entries(eventId: string): readonly Entry[] {
    return this.#byEvent.get(eventId) ?? [];
  }

  /**
   * Marks the next `count` entries not yet finished (in bib order; entries without a bib last)
   * as finished, with the shared pool's times for the person (./personOf); returns how many were.
   */
  finish(event: FakeEvent, count: number): number {
    const waiting = this.entries(event.eventId)
      .filter((entry) => entry.finish === undefined)
      .sort(byBib)
      .slice(0, count);
    for (const entry of waiting) {
      const who = this.personOf(entry);
      const race =
        event.races.find((r) => r.raceId === entry.fields.race_id) ?? raceOfDistance(event, distanceOf(who));
      if (race === undefined) continue;
      const { chipMs, gunMs } = finishTimes(who, race.name);
      entry.finish = { raceId: race.raceId, chipMs, gunMs };
    }
    return waiting.length;
  }

  /**
   * The pool person an entry is (same names and place), so a runner's time is the same whichever
   * scoring fake times them; else a stand-in numbered by the bib, or by a hash of the reference.
   */
  personOf(entry: Entry): Person {
    this.#pool ??= Array.from({ length: POOL_SIZE }, (_, i) => person(i));
    const f = entry.fields;
    const match = this.#pool.find(
      (p) =>
        p.firstName === f.athlete_first_name &&
        p.lastName === f.athlete_last_name &&
        (f.location_city === undefined || p.city === f.location_city),
    );
    if (match !== undefined) return match;
    const bib = f.entry_bib;
    const index =
      bib !== undefined && /^\d{1,6}$/.test(bib) ? Number(bib) : POOL_SIZE + (hash32(...codes(entry)) % 1e6);
    return person(index);
  }
}

function checkRace(event: FakeEvent, fields: EntryFields): void {
  const raceId = fields.race_id;
  if (raceId !== undefined && !event.races.some((race) => race.raceId === raceId))
    throw new EntryRefusal(400, `race ${raceId} is not a race of event ${event.eventId}`);
}

function byBib(a: Entry, b: Entry): number {
  const bibA = Number(a.fields.entry_bib ?? Number.NaN);
  const bibB = Number(b.fields.entry_bib ?? Number.NaN);
  if (Number.isFinite(bibA) && Number.isFinite(bibB) && bibA !== bibB) return bibA - bibB;
  if (Number.isFinite(bibA) !== Number.isFinite(bibB)) return Number.isFinite(bibA) ? -1 : 1;
  return Number(a.entryId) - Number(b.entryId);
}

/** The char codes of the entry's reference (else its id): what the hash fallback is made from. */
function codes(entry: Entry): number[] {
  const key = entry.fields[ENTRY_WRITE.externalRef] ?? entry.entryId;
  return [...key].map((c) => c.codePointAt(0) ?? 0);
}
