import {
  AGE_BRACKETS,
  COUNTRIES,
  DURATIONS,
  MEN,
  mixedCategory,
  PHENOTYPES,
  SURNAMES,
  WOMEN,
} from "./profiles.ts";
import { between, HOUR_MS, hash32, pick, round, type Stream, stream } from "./seed.ts";

/** A vELO rating's band: `category` is a name such as "Amethyst", `number` its rank (1 = Diamond). */
export interface MixedCategory {
  readonly category: string;
  readonly number: number;
}
export interface RaceRating {
  readonly rating: number;
  readonly date: number;
  readonly mixed: MixedCategory;
}
/** `rating` (and the rest) is null for a rider without enough races in the window (a guess at the shape). */
export type MaxRating = (RaceRating & { readonly expires: number }) | NullMaxRating;
export interface NullMaxRating {
  readonly rating: null;
  readonly date: null;
  readonly expires: null;
}

/** A rider as `GET /public/riders/{id}` answers (shared/providers/zwiftracing.md, the rider table). */
export interface Rider {
  readonly riderId: number;
  readonly name: string;
  readonly gender: "M" | "F";
  readonly country: string;
  readonly age: string;
  readonly height: number;
  readonly weight: number;
  readonly zpCategory: string;
  readonly zpFTP: number;
  readonly power: Readonly<Record<string, number>>;
  readonly race: {
    readonly last: RaceRating;
    readonly current: RaceRating;
    readonly max30: MaxRating;
    readonly max90: MaxRating;
    readonly finishes: number;
    readonly dnfs: number;
    readonly wins: number;
    readonly podiums: number;
  };
  readonly handicaps: {
    readonly profile: Readonly<Record<"flat" | "rolling" | "hilly" | "mountainous", number>>;
  };
  readonly phenotype: {
    readonly value: string;
    readonly bias: number;
    readonly scores: Readonly<Record<"sprinter" | "puncheur" | "pursuiter" | "climber" | "tt", number>>;
  };
  readonly club: { readonly id: number; readonly name: string };
}

export interface Club {
  readonly id: number;
  readonly name: string;
  /** Active members' riderIds, ascending and not contiguous. */
  readonly memberIds: readonly number[];
}

const CLUB_SPECS = [
  { id: 1001, name: "Pacer Demo Club", members: 2_500, firstRiderId: 10_007 },
  { id: 1002, name: "Lowlands Tempo", members: 40, firstRiderId: 2_000_113 },
  { id: 1003, name: "Quiet Sunday Riders", members: 0, firstRiderId: 3_000_001 },
] as const;

function memberIdsOf(spec: (typeof CLUB_SPECS)[number]): number[] {
  const ids: number[] = [];
  let riderId: number = spec.firstRiderId;
  for (let i = 0; i < spec.members; i++) {
    ids.push(riderId);
    riderId += 1 + (hash32(spec.id, i) % 97);
  }
  return ids;
}

export const CLUBS: ReadonlyMap<number, Club> = new Map(
  CLUB_SPECS.map((spec) => [spec.id, { id: spec.id, name: spec.name, memberIds: memberIdsOf(spec) }]),
);
const CLUB_OF_RIDER = new Map<number, Club>(
  [...CLUBS.values()].flatMap((club) => club.memberIds.map((riderId) => [riderId, club] as const)),
);
/** Every rider the fake knows (all are club members), ascending: events draw their fields from these. */
export const ALL_RIDER_IDS: readonly number[] = [...CLUB_OF_RIDER.keys()].sort((a, b) => a - b);

/** A club page holds at most this many riders, as ZwiftRacing's does. */
export const CLUB_PAGE_SIZE = 1_000;

/** Members with riderId > `afterRiderId`, at most one page, as riders at `hour`. */
export function clubPage(clubId: number, afterRiderId: number, hour: number) {
  const club = CLUBS.get(clubId);
  if (club === undefined) return undefined;
  const page = club.memberIds.filter((id) => id > afterRiderId).slice(0, CLUB_PAGE_SIZE);
  return { name: club.name, riders: page.map((id) => riderOf(club, id, hour)) };
}

/** The rider as of `hour` (UTC hours since the epoch), or undefined if the fake has no such rider. */
export function riderAt(riderId: number, hour: number): Rider | undefined {
  const club = CLUB_OF_RIDER.get(riderId);
  return club && riderOf(club, riderId, hour);
}

/** About one rider in this many races, and so changes, in any given hour. */
const RACES_ONE_HOUR_IN = 20;
/** ... and each races at least once in this many hours, so the search below ends. */
const RACES_AT_LEAST_EVERY_H = 240;
/** 2024-01-01T00:00Z in hours: race counts grow from here. */
const COUNTING_FROM_HOUR = 473_352;

/**
 * The hour of the rider's latest race at or before `hour`. Everything that varies over time (rating,
 * power, counts) is seeded by it, so between two hours most riders stay byte-for-byte the same.
 */
function lastRaceHour(riderId: number, hour: number): number {
  for (let h = hour; ; h--) {
    if (hash32(riderId, h, 7) % RACES_ONE_HOUR_IN === 0) return h;
    if (h % RACES_AT_LEAST_EVERY_H === riderId % RACES_AT_LEAST_EVERY_H) return h;
  }
}

function zpCategoryOf(ftpWkg: number, female: boolean, next: Stream): string {
  if (female && next() < 0.5) return "E";
  return ftpWkg >= 4 ? "A" : ftpWkg >= 3.2 ? "B" : ftpWkg >= 2.5 ? "C" : "D";
}

/** The rider `riderId` of `club` as of `hour`: any id makes a rider, the same one every time. */
export function riderOf(club: Club, riderId: number, hour: number): Rider {
  // Who the rider is: fixed.
  const me = stream(riderId, 1);
  const female = me() < 0.15;
  const name = `${pick(me, female ? WOMEN : MEN)} ${pick(me, SURNAMES)}`;
  const country = pick(me, COUNTRIES);
  const age = pick(me, AGE_BRACKETS);
  const height = Math.round(female ? between(me, 158, 181) : between(me, 167, 197));
  const weight = round(female ? between(me, 50, 75) : between(me, 60, 97), 1);
  const baseFtpWkg = 2 + 3 * me() ** 1.3;
  const sprint = me();
  const climb = me();
  const baseFinishes = Math.floor(between(me, 15, 400));
  const patchyHistory = me() < 0.03;
  const zpCategory = zpCategoryOf(baseFtpWkg, female, me);

  // How the rider is going: seeded by the latest race, so it changes only when they race.
  const raceHour = lastRaceHour(riderId, hour);
  const form = stream(riderId, raceHour);
  const ftpWkg = baseFtpWkg * (1 + (form() - 0.5) * 0.04);
  const wkg: Record<(typeof DURATIONS)[number], number> = {
    5: ftpWkg * (3.3 + 1.2 * sprint),
    15: ftpWkg * (2.6 + 0.8 * sprint),
    30: ftpWkg * (2 + 0.6 * sprint),
    60: ftpWkg * (1.6 + 0.3 * sprint),
    120: ftpWkg * (1.35 + 0.15 * climb),
    300: ftpWkg * (1.12 + 0.12 * climb),
    1200: ftpWkg * (1.02 + 0.04 * climb),
  };
  const power: Record<string, number> = {};
  for (const seconds of DURATIONS) power[`wkg${seconds}`] = round(wkg[seconds], 2);
  for (const seconds of DURATIONS) power[`w${seconds}`] = Math.round(wkg[seconds] * weight);
  power.CP = round(ftpWkg * weight * 0.98, 1);
  power.AWC = Math.round(between(form, 12_000, 28_000) * (0.8 + 0.4 * sprint));
  const compoundScore = wkg[5] * 12 + wkg[60] * 40 + wkg[300] * 60 + wkg[1200] * 70;
  power.compoundScore = round(compoundScore, 2);
  power.powerRating = round(compoundScore * 0.9, 2);

  const rating = round(250 + (ftpWkg - 2) * 450 + (form() - 0.5) * 80, 2);
  const date = raceHour * (HOUR_MS / 1_000) - 60 * Math.floor(between(form, 10, 50));
  const current = { rating, date, mixed: mixedCategory(rating) };
  const best = (extra: number, daysAgo: number, days: number): MaxRating => {
    if (patchyHistory) return { rating: null, date: null, expires: null };
    const value = round(rating + extra, 2);
    const at = date - daysAgo * 86_400;
    return { rating: value, date: at, expires: at + days * 86_400, mixed: mixedCategory(value) };
  };
  const bestGain = between(form, 0, 30);
  const finishes = baseFinishes + Math.max(0, Math.floor((raceHour - COUNTING_FROM_HOUR) / 100));
  const wins = Math.floor(finishes * 0.08 * sprint * (ftpWkg / 5));

  const scores = {
    sprinter: round(84 + 14 * sprint, 1),
    puncheur: round(85 + 6 * sprint + 6 * climb, 1),
    pursuiter: round(88 + 4 * (1 - sprint) + 3 * climb, 1),
    climber: round(80 + 16 * climb - (weight - 70) * 0.2, 1),
    tt: round(84 + 10 * (1 - sprint), 1),
  };
  const ranked = (Object.keys(scores) as (keyof typeof scores)[]).sort((a, b) => scores[b] - scores[a]);
  const [top = "sprinter", second = "puncheur"] = ranked;

  return {
    riderId,
    name,
    gender: female ? "F" : "M",
    country,
    age,
    height,
    weight,
    zpCategory,
    zpFTP: Math.round(ftpWkg * 0.98 * weight),
    power,
    race: {
      last: current,
      current,
      max30: best(bestGain, 3, 30),
      max90: best(bestGain + between(form, 0, 20), 40, 90),
      finishes,
      dnfs: Math.floor(finishes * 0.04 * (1 - climb)),
      wins,
      podiums: wins + Math.floor(finishes * 0.1 * sprint),
    },
    handicaps: {
      profile: {
        flat: round((weight - 75) * 1.6 + 20 * sprint, 2),
        rolling: round((weight - 75) * 0.6 + 10 * sprint, 2),
        hilly: round((75 - weight) * 0.9 + 15 * climb, 2),
        mountainous: round((75 - weight) * 1.8 + 30 * climb, 2),
      },
    },
    phenotype: { value: PHENOTYPES[top], bias: round(scores[top] - scores[second], 2), scores },
    club: { id: club.id, name: club.name },
  };
}
