import { findProvider, findSyncType, freshnessTargetMs } from "#catalog/index.ts";
import type { ZwiftWorkload } from "../../local/fakes/zwiftracing/workload.ts";
import { integer, poisson, type Random, seededRandom, uniform } from "./random.ts";
import type { Action, ReadAction, SeedJob, SeedPlan, Workload, WorkloadOptions } from "./types.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Every run starts here (a Monday, UTC midnight): the same seed gives the same day. */
export const ZWIFT_CLUB_START_MS = Date.UTC(2027, 2, 1);
export const CLUB = { id: 2_001, name: "Pacer Sim Club", members: 75 } as const;

/** The workload's shape: per simulated day, and per event. */
export const ZWIFT_CLUB_RATES = {
  /** Listed events first seen less than 6 h before their start, per day. */
  nearPerDay: 3,
  /** Listed events first seen 6 to 48 h before their start, per day. */
  farPerDay: 20,
  /** Events only seen in results (club members race events the club does not follow), per day. */
  unlistedPerDay: 17,
  /** Event-page reads per listed event while it is upcoming (mean), more as it nears. */
  pageReadsPerEvent: 8,
  /** Results-page reads per listed event after it ends. */
  resultsReadsPerEvent: 2,
  riderListReadsPerDay: 30,
  manualRiderAddsPerDay: 4,
} as const;

/** The signups targets by time to the start (what a reader of an event page expects). */
export function signupsTargetMs(timeToStartMs: number): number {
  if (timeToStartMs < HOUR) return MINUTE;
  if (timeToStartMs < 6 * HOUR) return 5 * MINUTE;
  if (timeToStartMs < 12 * HOUR) return 15 * MINUTE;
  if (timeToStartMs < 24 * HOUR) return 30 * MINUTE;
  return HOUR;
}

type WorkloadEvent = ZwiftWorkload["events"][number];

/**
 * One ZwiftRacing club (75 riders, experimental endpoints on, standard tier): about 3 near and 20
 * far events listed a day, 17 more seen only in results (so about 5 events finish every 3 h),
 * signups growing as each event nears; members opening event pages more often as the start nears,
 * results pages after the end, the rider list, and a few riders added by hand.
 */
export function zwiftClubWorkload({ seed, hours }: WorkloadOptions): Workload {
  const random = seededRandom(seed);
  const startMs = ZWIFT_CLUB_START_MS;
  const endMs = startMs + hours * HOUR;
  const memberIds = clubMembers(random);
  const outsiderIds = Array.from({ length: 400 }, (_, i) => 6_000_011 + i * 13);
  const events = makeEvents(random, startMs, endMs, memberIds, outsiderIds);
  const actions = [
    ...eventReads(random, events, startMs, endMs),
    ...riderListReads(random, startMs, endMs),
    ...manualAdds(random, startMs, endMs, outsiderIds),
  ].sort((a, b) => a.at - b.at);
  const listed = events.filter((e) => e.listed && e.startAt >= startMs && e.startAt < endMs);
  return {
    name: "zwift-club",
    startMs,
    endMs,
    fakeWorkloads: {
      zwiftracing: { club: { id: CLUB.id, name: CLUB.name, memberIds }, events } satisfies ZwiftWorkload,
    },
    connections: [
      {
        key: "zr",
        provider: "zwiftracing",
        settings: { clubId: CLUB.id, experimental: true },
        // The seed plan fetches signups on its own slots: the events list fans none out.
        seedSettings: { signups: "onDemand" },
      },
    ],
    actions,
    seed: seedPlan(events, startMs),
    description: {
      clubMembers: memberIds.length,
      eventsStarting: listed.length,
      nearEvents: listed.filter((e) => e.startAt - e.announcedAt < 6 * HOUR).length,
      eventsFinishing: events.filter((e) => e.endAt >= startMs && e.endAt < endMs).length,
      reads: actions.filter((a) => a.kind === "read").length,
      manualTriggers: actions.filter((a) => a.kind === "manual").length,
    },
  };
}

function clubMembers(random: Random): number[] {
  const ids: number[] = [];
  let id = 5_000_001;
  for (let i = 0; i < CLUB.members; i++) {
    ids.push(id);
    id += integer(random, 1, 97);
  }
  return ids;
}

function makeEvents(
  random: Random,
  startMs: number,
  endMs: number,
  memberIds: readonly number[],
  outsiderIds: readonly number[],
): WorkloadEvent[] {
  const days = (endMs - startMs) / DAY;
  const drafts: { announcedAt: number; startAt: number; listed: boolean }[] = [];
  // Listings began before the run: the upcoming list is already full at its start.
  const draw = (count: number, from: number, leadMs: [number, number], listed: boolean) => {
    for (let i = 0; i < count; i++) {
      const announcedAt = uniform(random, from, endMs);
      const startAt = announcedAt + uniform(random, leadMs[0], leadMs[1]);
      if (startAt > startMs) drafts.push({ announcedAt, startAt, listed });
    }
  };
  const rates = ZWIFT_CLUB_RATES;
  draw(Math.round(rates.farPerDay * (days + 2)), startMs - 2 * DAY, [6 * HOUR, 48 * HOUR], true);
  draw(Math.round(rates.nearPerDay * (days + 0.25)), startMs - 6 * HOUR, [HOUR / 2, 6 * HOUR], true);
  draw(Math.round(rates.unlistedPerDay * (days + 0.25)), startMs - 6 * HOUR, [0, 0], false);
  drafts.sort((a, b) => a.startAt - b.startAt);
  return drafts.map((draft, index) => {
    const clubRiders = pickSome(random, memberIds, integer(random, 2, 10));
    const others = pickSome(random, outsiderIds, integer(random, 18, 50));
    const minuteStart = Math.round(draft.startAt / MINUTE) * MINUTE;
    return {
      eventId: String(4_700_000 + index * 7 + integer(random, 0, 6)),
      title: `Sim Race ${index + 1}`,
      listed: draft.listed,
      announcedAt: Math.min(Math.round(draft.announcedAt), minuteStart),
      startAt: minuteStart,
      endAt: minuteStart + integer(random, 25, 75) * MINUTE,
      distanceKm: Math.round(uniform(random, 15, 45) * 10) / 10,
      fieldIds: shuffle(random, [...clubRiders, ...others]),
    };
  });
}

/** Event pages while upcoming (denser toward the start), then results pages after the end. */
function eventReads(
  random: Random,
  events: readonly WorkloadEvent[],
  startMs: number,
  endMs: number,
): ReadAction[] {
  const reads: ReadAction[] = [];
  const resultsTarget = syncTarget("eventResults");
  for (const event of events.filter((e) => e.listed)) {
    const from = Math.max(event.announcedAt, startMs);
    const span = event.startAt - from;
    const count = span > 0 ? poisson(random, ZWIFT_CLUB_RATES.pageReadsPerEvent) : 0;
    for (let i = 0; i < count; i++) {
      // Cubed: most readers come in the last hours.
      const toStart = span * random() ** 3;
      const at = Math.round(event.startAt - toStart);
      if (at >= endMs) continue;
      reads.push({
        kind: "read",
        at,
        provider: "zwiftracing",
        dataKind: "signups",
        read: { entityType: "signups", query: { prefix: `${event.eventId}:` } },
        subject: { connection: "zr", syncType: "signups", params: { eventId: event.eventId } },
        targetMs: signupsTargetMs(event.startAt - at),
        availableSince: event.announcedAt,
        ws: { topic: "zwiftracing/signups", dwellMs: integer(random, 1, 5) * MINUTE },
      });
    }
    for (let i = 0; i < ZWIFT_CLUB_RATES.resultsReadsPerEvent; i++) {
      const at = Math.round(event.endAt + uniform(random, 5 * MINUTE, 3 * HOUR));
      if (at < startMs || at >= endMs) continue;
      reads.push({
        kind: "read",
        at,
        provider: "zwiftracing",
        dataKind: "results",
        read: { entityType: "results", query: { prefix: `${event.eventId}:` } },
        subject: { connection: "zr", syncType: "eventResults", params: { eventId: event.eventId } },
        targetMs: resultsTarget,
        availableSince: event.endAt,
        // The fake posts an event's results at its end and never changes them.
        settledAt: event.endAt,
      });
    }
  }
  return reads;
}

function riderListReads(random: Random, startMs: number, endMs: number): ReadAction[] {
  const count = Math.round((ZWIFT_CLUB_RATES.riderListReadsPerDay * (endMs - startMs)) / DAY);
  return Array.from({ length: count }, () => ({
    kind: "read" as const,
    at: Math.round(uniform(random, startMs, endMs)),
    provider: "zwiftracing",
    dataKind: "riders",
    read: { entityType: "riders", query: {} },
    subject: { connection: "zr", syncType: "riderStats", params: {} },
    targetMs: syncTarget("riderStats"),
    availableSince: startMs,
    ws: { topic: "zwiftracing/riders", dwellMs: integer(random, 1, 3) * MINUTE },
  }));
}

function manualAdds(
  random: Random,
  startMs: number,
  endMs: number,
  outsiderIds: readonly number[],
): Action[] {
  const count = Math.max(1, Math.round((ZWIFT_CLUB_RATES.manualRiderAddsPerDay * (endMs - startMs)) / DAY));
  return pickSome(random, outsiderIds, count).map((riderId) => ({
    kind: "manual" as const,
    at: Math.round(uniform(random, startMs, endMs)),
    provider: "zwiftracing",
    subject: { connection: "zr", syncType: "rider", params: { riderId: String(riderId) } },
  }));
}

/**
 * The design documents' plan, hand-rolled cron style: riders hourly (:00); near events' signups
 * every 15 min (:10, :25, :40, :55); the events list and far events' signups every 3 h (:30);
 * results every 3 h (:45); club members daily (02:20). Slot 0 is the first run after deploying:
 * members, riders, events and results at once. "Near" is what the cron knows at the slot: listed,
 * not started, starting within 6 h.
 */
function seedPlan(events: readonly WorkloadEvent[], startMs: number): SeedPlan {
  const listed = events.filter((e) => e.listed);
  const upcoming = (at: number) => listed.filter((e) => e.announcedAt <= at && e.startAt > at);
  const signups = (list: readonly WorkloadEvent[]): SeedJob[] =>
    list.map((e) => ({
      connection: "zr",
      syncType: "signups",
      params: { eventId: e.eventId },
      priority: "normal",
    }));
  const job = (syncType: string, priority: SeedJob["priority"]): SeedJob => ({
    connection: "zr",
    syncType,
    priority,
  });
  return {
    nextSlot: (afterMs) => {
      if (afterMs < startMs) return startMs;
      const minute = Math.floor(afterMs / MINUTE) * MINUTE;
      for (let at = minute + MINUTE; ; at += MINUTE) if (jobsAt(at).length > 0) return at;
    },
    jobsAt,
  };
  function jobsAt(at: number): SeedJob[] {
    if (at === startMs)
      return [
        job("clubMembers", "low"),
        job("riderStats", "normal"),
        job("events", "low"),
        job("results", "low"),
      ];
    const date = new Date(at);
    const minute = date.getUTCMinutes();
    const hour = date.getUTCHours();
    const jobs: SeedJob[] = [];
    if (minute === 0) jobs.push(job("riderStats", "normal"));
    if (minute % 15 === 10) jobs.push(...signups(upcoming(at).filter((e) => e.startAt - at <= 6 * HOUR)));
    if (minute === 30 && hour % 3 === 0) {
      jobs.push(job("events", "low"));
      jobs.push(...signups(upcoming(at).filter((e) => e.startAt - at > 6 * HOUR)));
    }
    if (minute === 45 && hour % 3 === 0) jobs.push(job("results", "low"));
    if (minute === 20 && hour === 2) jobs.push(job("clubMembers", "low"));
    return jobs;
  }
}

function syncTarget(syncTypeId: string): number {
  const provider = findProvider("zwiftracing");
  const syncType = provider && findSyncType(provider, syncTypeId);
  if (!syncType) throw new Error(`zwiftracing has no sync type ${syncTypeId}`);
  return freshnessTargetMs(syncType);
}

function pickSome<T>(random: Random, items: readonly T[], count: number): T[] {
  return shuffle(random, [...items]).slice(0, Math.min(count, items.length));
}

function shuffle<T>(random: Random, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}
