import { ALL_RIDER_IDS, type Rider, riderAt } from "./riders.ts";
import { HOUR_MS, hash32, hourOf, pick, round, stream } from "./seed.ts";

/** An event as the experimental `/api/events` lists give it, and the head of a results answer. */
export interface FakeEvent {
  readonly eventId: string;
  /** Start, epoch seconds. */
  readonly time: number;
  readonly title: string;
  readonly type: string;
  readonly subType: string;
  /** km */
  readonly distance: number;
  readonly elevation: number;
  readonly routeId: string;
}

/**
 * One schedule in absolute time: an event every 2 hours at half past, numbered from 2025-01-01. So an
 * event listed as upcoming keeps its id and time, and later finishes and has results. Lists are
 * cut at whole hours of the fake's clock, so repeated calls within an hour see the same events.
 */
const EVERY_MS = 2 * HOUR_MS;
const FIRST_START_MS = Date.UTC(2025, 0, 1, 0, 30);
/** Ids climb by 1–7 per event: increasing, not contiguous, like Zwift's (e.g. "4613373"). */
const ID_BASE = 4_600_000;
const ID_STEP = 7;
const UPCOMING_HORIZON_MS = 48 * HOUR_MS;
/** `/api/events` lists recently finished events only; this many at most. */
export const FINISHED_KEPT = 200;

const ROUTES = [
  { routeId: "3356878261", title: "Pacer Club Race", distance: 16.22, elevation: 0 },
  { routeId: "2474227587", title: "Lowlands Flat Race", distance: 28.4, elevation: 142 },
  { routeId: "1917017591", title: "Tempo Tuesday Crit", distance: 19.8, elevation: 118 },
  { routeId: "3742187716", title: "Volcano Circuit Points Race", distance: 24.5, elevation: 96 },
  { routeId: "2927651296", title: "Hilly Sunday Classic", distance: 33.1, elevation: 412 },
] as const;
const SUBTYPES = ["Scratch", "Points", "Scratch"] as const;

const eventIdOf = (index: number) => ID_BASE + index * ID_STEP + (hash32(index, 11) % ID_STEP);
const startMsOf = (index: number) => FIRST_START_MS + index * EVERY_MS;
const endMsOf = (index: number) => startMsOf(index) + (25 + (hash32(index, 13) % 50)) * 60_000;

function eventAt(index: number): FakeEvent {
  const next = stream(index, 17);
  const route = pick(next, ROUTES);
  return {
    eventId: String(eventIdOf(index)),
    time: startMsOf(index) / 1_000,
    title: route.title,
    type: "Race",
    subType: pick(next, SUBTYPES),
    distance: route.distance,
    elevation: route.elevation,
    routeId: route.routeId,
  };
}

const hourStartMs = (nowMs: number) => hourOf(nowMs) * HOUR_MS;
/** Events that start from the next whole hour on, for 48 hours: all still ahead all hour long. */
const firstUpcomingIndex = (nowMs: number) =>
  Math.max(0, Math.ceil((hourStartMs(nowMs) + HOUR_MS - FIRST_START_MS) / EVERY_MS));
/** The latest event that had ended when the current hour began. */
function lastFinishedIndex(nowMs: number): number {
  let index = Math.floor((hourStartMs(nowMs) - FIRST_START_MS) / EVERY_MS);
  while (index >= 0 && endMsOf(index) > hourStartMs(nowMs)) index--;
  return index;
}

export function upcomingEvents(nowMs: number): FakeEvent[] {
  const first = firstUpcomingIndex(nowMs);
  const events: FakeEvent[] = [];
  for (let index = first; startMsOf(index) < hourStartMs(nowMs) + HOUR_MS + UPCOMING_HORIZON_MS; index++)
    events.push(eventAt(index));
  return events;
}

/** Finished events, latest first, `skip` then at most `limit` of them. */
export function finishedEvents(nowMs: number, skip: number, limit: number): FakeEvent[] {
  const last = lastFinishedIndex(nowMs);
  const events: FakeEvent[] = [];
  for (let offset = skip; offset < Math.min(skip + limit, FINISHED_KEPT); offset++) {
    if (last - offset < 0) break;
    events.push(eventAt(last - offset));
  }
  return events;
}

type EventState = "finished" | "upcoming" | "running";

/** The schedule index of an event id the fake has listed or will list, with its state now. */
function lookup(eventId: string, nowMs: number): { index: number; state: EventState } | undefined {
  if (!/^\d{1,12}$/.test(eventId)) return undefined;
  const index = Math.floor((Number(eventId) - ID_BASE) / ID_STEP);
  if (index < 0 || String(eventIdOf(index)) !== eventId) return undefined;
  if (index <= lastFinishedIndex(nowMs)) return { index, state: "finished" };
  if (startMsOf(index) >= hourStartMs(nowMs) + HOUR_MS + UPCOMING_HORIZON_MS) return undefined;
  return { index, state: index >= firstUpcomingIndex(nowMs) ? "upcoming" : "running" };
}

/** Distinct riders for an event, drawn by a stride that is coprime with the rider count. */
function fieldOf(index: number, salt: number, size: number): Rider[] {
  const strides = [7, 11, 13, 17, 19, 23, 29, 31, 37, 41].filter((s) => ALL_RIDER_IDS.length % s !== 0);
  const stride = strides[hash32(index, salt) % strides.length] ?? 1;
  const start = hash32(index, salt, 1) % ALL_RIDER_IDS.length;
  const hour = hourOf(startMsOf(index));
  const riders: Rider[] = [];
  for (let i = 0; i < Math.min(size, ALL_RIDER_IDS.length); i++) {
    const rider = riderAt(ALL_RIDER_IDS[(start + i * stride) % ALL_RIDER_IDS.length] ?? 0, hour);
    if (rider) riders.push(rider);
  }
  return riders;
}

/** `GET /public/results/{eventId}`, in the shape of the real fixture (event 4613373). */
export function eventResults(eventId: string, nowMs: number) {
  const found = lookup(eventId, nowMs);
  if (found?.state !== "finished") return undefined;
  const { index } = found;
  return resultsOf(eventAt(index), fieldOf(index, 23, 30 + (hash32(index, 29) % 91)), stream(index, 19));
}

/** An event's results answer: `field` finishing in an order their power and `next` decide. */
export function resultsOf(event: FakeEvent, field: readonly Rider[], next: () => number) {
  const paceS = (event.distance / 40) * 3_600;
  const timed = field
    .map((rider) => {
      const strength = (rider.power.wkg1200 ?? 3) / 5;
      return { rider, time: round(paceS * (1.35 - 0.4 * strength + 0.06 * next()), 3) };
    })
    .sort((a, b) => a.time - b.time);
  const winner = timed[0]?.time ?? 0;
  const inCategory = new Map<string, number>();
  const results = timed.map(({ rider, time }, i) => {
    const category = rider.zpCategory;
    inCategory.set(category, (inCategory.get(category) ?? 0) + 1);
    const ratingBefore = rider.race.current.rating;
    const ratingDelta = round(((timed.length / 2 - i) / timed.length) * 40, 2);
    const rating = round(ratingBefore + ratingDelta, 2);
    const max = (value: number | null) => Math.max(rating, value ?? rating);
    return {
      riderId: rider.riderId,
      name: rider.name,
      category,
      time,
      gap: round(time - winner, 3),
      position: i + 1,
      positionInCategory: inCategory.get(category) ?? 1,
      rating,
      ratingBefore,
      ratingDelta,
      ratingMax30: max(rider.race.max30.rating),
      ratingMax90: max(rider.race.max90.rating),
    };
  });
  return { ...event, results };
}

/** The results answer's shape. */
export type EventResults = ReturnType<typeof resultsOf>;

/**
 * `GET /public/zp/{eventId}/results`: ZwiftPower's rows, proxied. Only `zwid` is known to clients;
 * the other keys follow ZwiftPower's `[value, 0]` style and are a guess.
 */
export function zwiftPowerResults(eventId: string, nowMs: number) {
  return zwiftPowerOf(eventResults(eventId, nowMs), riderAt);
}

/** ZwiftPower's rows for a results answer (undefined: none), with riders' details from `riderAt`. */
export function zwiftPowerOf(
  zr: EventResults | undefined,
  riderAt: (riderId: number, hour: number) => Rider | undefined,
) {
  if (zr === undefined) return undefined;
  return {
    results: zr.results.map((row) => {
      const rider = riderAt(row.riderId, hourOf(zr.time * 1_000));
      return {
        zwid: row.riderId,
        name: row.name,
        pos: row.position,
        position_in_cat: row.positionInCategory,
        category: row.category,
        time: [row.time, 0],
        gap: row.gap,
        avg_wkg: [rider?.power.wkg1200 ?? 0, 0],
        weight: [rider?.weight ?? 0, 0],
        height: [rider?.height ?? 0, 0],
        flag: rider?.country ?? "",
      };
    }),
  };
}

/**
 * `GET /api/events/{eventId}/signups`, experimental. The facts give only an outline (pens with an
 * average rating, a rated-rider count and rider entries): this shape is a guess, kept small.
 */
export function eventSignups(eventId: string, nowMs: number) {
  const found = lookup(eventId, nowMs);
  if (found === undefined) return undefined;
  return signupsOf(fieldOf(found.index, 31, 20 + (hash32(found.index, 37) % 41)));
}

/** A signups answer: `field` in pens by category. */
export function signupsOf(field: readonly Rider[]) {
  const pens = new Map<string, Rider[]>();
  for (const rider of field) pens.set(rider.zpCategory, [...(pens.get(rider.zpCategory) ?? []), rider]);
  return [...pens.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([pen, riders]) => {
      const rated = riders.filter((rider) => rider.race.max90.rating !== null);
      const total = rated.reduce((sum, rider) => sum + rider.race.current.rating, 0);
      return {
        pen,
        averageRating: rated.length === 0 ? null : round(total / rated.length, 2),
        ratedRiders: rated.length,
        riders: riders.map((rider) => ({
          riderId: rider.riderId,
          name: rider.name,
          club: rider.club,
          rating: rider.race.max90.rating === null ? null : rider.race.current.rating,
          category: rider.race.current.mixed.category,
        })),
      };
    });
}
