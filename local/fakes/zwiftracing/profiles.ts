import type { MixedCategory } from "./riders.ts";

/** The words riders are made of: names, countries, brackets, vELO bands. */

const VELO_BANDS: readonly (readonly [number, string])[] = [
  [2_200, "Diamond"],
  [1_900, "Ruby"],
  [1_650, "Emerald"],
  [1_450, "Sapphire"],
  [1_300, "Amethyst"],
  [1_150, "Platinum"],
  [1_000, "Gold"],
  [850, "Silver"],
  [650, "Bronze"],
];

/** The vELO band a rating falls in, as ZwiftRacing names them. */
export function mixedCategory(rating: number): MixedCategory {
  const band = VELO_BANDS.findIndex(([floor]) => rating >= floor);
  return band === -1
    ? { category: "Copper", number: VELO_BANDS.length + 1 }
    : { category: VELO_BANDS[band]?.[1] ?? "Copper", number: band + 1 };
}

export const MEN = [
  "Jan",
  "Pieter",
  "Luca",
  "Tom",
  "Mateo",
  "Lars",
  "Ben",
  "Sam",
  "Noah",
  "Ruben",
  "Jonas",
] as const;
export const WOMEN = [
  "Anna",
  "Sofie",
  "Emma",
  "Lotte",
  "Julia",
  "Mia",
  "Sara",
  "Nina",
  "Eva",
  "Lisa",
] as const;
export const SURNAMES = [
  "de Vries",
  "Jansen",
  "Smith",
  "Rossi",
  "Müller",
  "Dubois",
  "Berg",
  "Kowalski",
  "Novak",
  "Hughes",
  "García",
  "Peeters",
] as const;
export const COUNTRIES = [
  "nl",
  "be",
  "gb",
  "us",
  "de",
  "fr",
  "it",
  "es",
  "au",
  "ca",
  "dk",
  "no",
  "pl",
  "nz",
] as const;
export const AGE_BRACKETS = ["Jun", "Snr", "Mas", "Vet", "50+", "60+"] as const;
export const DURATIONS = [5, 15, 30, 60, 120, 300, 1200] as const;
export const PHENOTYPES = {
  sprinter: "Sprinter",
  puncheur: "Puncheur",
  pursuiter: "Pursuiter",
  climber: "Climber",
  tt: "Time Trialist",
} as const;
