import { hash32, pick, stream } from "../zwiftracing/seed.ts";

/**
 * The runners every race-timing fake draws from, so that the fakes tell one story: the same person
 * registered on RunSignUp and on Race Roster (their email cased differently there), timed by
 * ChronoTrack or Copernico. Deterministic: person `i` is the same in every fake, process and run.
 */

export interface Person {
  readonly index: number;
  readonly firstName: string;
  readonly lastName: string;
  /** As the person typed it on RunSignUp (lower case); other fakes may case it differently. */
  readonly email: string;
  /** YYYY-MM-DD. */
  readonly birthDate: string;
  readonly gender: "M" | "F";
  readonly city: string;
  readonly region: string;
  readonly country: string;
}

const FIRST_F = [
  "Ana",
  "Maria",
  "Sofia",
  "Emma",
  "Olivia",
  "Chloe",
  "Ines",
  "Lucia",
  "Hannah",
  "Mei",
] as const;
const FIRST_M = [
  "Lucas",
  "Mateo",
  "Noah",
  "Liam",
  "Hugo",
  "David",
  "Pablo",
  "Ethan",
  "Kenji",
  "Omar",
] as const;
const LAST = [
  "Silva",
  "Garcia",
  "Smith",
  "Brown",
  "Martin",
  "Lopez",
  "Walker",
  "Young",
  "King",
  "Wright",
  "Scott",
  "Green",
  "Baker",
  "Adams",
  "Nelson",
  "Hill",
  "Campbell",
  "Mitchell",
  "Roberts",
  "Carter",
] as const;
const PLACES = [
  ["Portland", "OR", "US"],
  ["Boulder", "CO", "US"],
  ["Austin", "TX", "US"],
  ["Toronto", "ON", "CA"],
  ["Vancouver", "BC", "CA"],
  ["Valencia", "VC", "ES"],
] as const;

/** Person `index` (0-based) of the shared pool. */
export function person(index: number): Person {
  const next = stream(index, 0x7ace);
  const gender = next() < 0.5 ? "F" : "M";
  const firstName = pick(next, gender === "F" ? FIRST_F : FIRST_M);
  const lastName = pick(next, LAST);
  const [city, region, country] = pick(next, PLACES);
  const year = 1960 + (hash32(index, 1) % 45);
  const month = 1 + (hash32(index, 2) % 12);
  const day = 1 + (hash32(index, 3) % 28);
  return {
    index,
    firstName,
    lastName,
    email: `${firstName}.${lastName}.${index}@example.com`.toLowerCase(),
    birthDate: `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`,
    gender,
    city,
    region,
    country,
  };
}

/** The people of `[from, to)`. */
export const people = (from: number, to: number): Person[] =>
  Array.from({ length: Math.max(0, to - from) }, (_, i) => person(from + i));

/**
 * Who registered where, for the demo race ("Harbour Run": a 5K and a 10K). RunSignUp holds
 * people 0–149 and Race Roster 140–239, so people 140–149 are registered on both (Race Roster
 * has their email in another case); Haku holds 240–299 for a race of its own. Even people run the
 * 5K, odd ones the 10K.
 */
export const REGISTERED = {
  runsignup: { from: 0, to: 150 },
  raceroster: { from: 140, to: 240 },
  haku: { from: 240, to: 300 },
} as const;

export const distanceOf = (p: Person): "5K" | "10K" => (p.index % 2 === 0 ? "5K" : "10K");

/** The email as typed on a second platform: same address, another case ("Ana.Silva.140@Example.com"). */
export const recasedEmail = (email: string): string =>
  email.replace(/(^|[.@])([a-z])/g, (_, lead: string, letter: string) => `${lead}${letter.toUpperCase()}`);

/**
 * A finisher's chip time for a distance, in ms: deterministic per person, 5K in 17–40 min, 10K in
 * 35–80 min; the gun time adds the seconds it took to reach the start line.
 */
export function finishTimes(p: Person, distance: "5K" | "10K"): { chipMs: number; gunMs: number } {
  const next = stream(p.index, distance === "5K" ? 5 : 10);
  const [low, high] = distance === "5K" ? [17, 40] : [35, 80];
  const chipMs = Math.round((low + (high - low) * next()) * 60_000);
  return { chipMs, gunMs: chipMs + Math.round(next() * 90_000) };
}

/** The demo race's start: the next full hour two days after `nowMs`, so it is "near" but not today. */
export const demoRaceStart = (nowMs: number): number => (Math.floor(nowMs / 3_600_000) + 48) * 3_600_000;
