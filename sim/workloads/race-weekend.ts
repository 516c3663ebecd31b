import { findProvider, findSyncType, freshnessTargetMs } from "#catalog/index.ts";
import { DEMO_EVENT_ID as CHRONOTRACK_EVENT } from "../../local/fakes/chronotrack/data.ts";
import type { ChronoTrackWorkload } from "../../local/fakes/chronotrack/index.ts";
import { buildCalendar } from "../../local/fakes/openf1/data.ts";
import type { OpenF1Workload } from "../../local/fakes/openf1/index.ts";
import { DEMO_EVENTS, DEMO_RACE_ID } from "../../local/fakes/runsignup/data.ts";
import { integer, type Random, seededRandom, uniform } from "./random.ts";
import type { ControlAction, ReadAction, SeedJob, SeedPlan, Workload, WorkloadOptions } from "./types.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A Friday, UTC midnight: practice that afternoon, the race on Sunday. */
export const RACE_WEEKEND_START_MS = Date.UTC(2027, 2, 5);
/** The Grand Prix: Sunday 15:00 UTC (the fake places practice and qualifying around it). */
const GRAND_PRIX_START_MS = RACE_WEEKEND_START_MS + 2 * DAY + 15 * HOUR;
/** The Harbour Run (RunSignUp registrations, ChronoTrack timing): Sunday 09:00 UTC. */
const HARBOUR_RUN_START_MS = RACE_WEEKEND_START_MS + 2 * DAY + 9 * HOUR;

const RSU_5K = String(DEMO_EVENTS[0].eventId);
const CT_5K_RACE = `${CHRONOTRACK_EVENT}1`;

export const RACE_WEEKEND_RATES = {
  /** New RunSignUp registrations per day until the start. */
  registrationsPerDay: 60,
  /** Race-page reads (the unified participants) per day until the start. */
  racePageReadsPerDay: 40,
  /** Results-page reads in the four hours from the start. */
  resultsReads: 60,
  /** Runners who finish, reported every 5 minutes from 15 minutes after the start. */
  finishers: 60,
  /** F1 live-page readers per session, arriving while it runs. */
  liveReadersPerSession: 15,
} as const;

/**
 * Race timing and an F1 weekend in one tenant: a RunSignUp + ChronoTrack race (registrations
 * arriving over the days before it, results on race day) and an OpenF1 race weekend (practice,
 * qualifying and the race at the fake's realistic times), with readers of the race page, its
 * results and the F1 live pages during sessions.
 */
export function raceWeekendWorkload({ seed, hours }: WorkloadOptions): Workload {
  const random = seededRandom(seed);
  const startMs = RACE_WEEKEND_START_MS;
  const endMs = startMs + hours * HOUR;
  const sessions = buildCalendar(new Date(startMs), GRAND_PRIX_START_MS)
    .sessions.map((s) => ({
      name: s.session_name,
      startAt: Date.parse(s.date_start),
      endAt: Date.parse(s.date_end),
    }))
    .filter((s) => s.endAt > startMs && s.startAt < endMs);
  const actions = [
    ...registrations(random, startMs, Math.min(endMs, HARBOUR_RUN_START_MS)),
    ...finishers(endMs),
    ...raceReads(random, startMs, endMs),
    ...liveReads(random, sessions, endMs),
  ].sort((a, b) => a.at - b.at);
  return {
    name: "race-weekend",
    startMs,
    endMs,
    fakeWorkloads: {
      openf1: { raceStartMs: GRAND_PRIX_START_MS } satisfies OpenF1Workload,
      chronotrack: { raceStartMs: HARBOUR_RUN_START_MS } satisfies ChronoTrackWorkload,
    },
    connections: [
      { key: "rsu", provider: "runsignup" },
      { key: "ct", provider: "chronotrack" },
      { key: "f1", provider: "openf1" },
    ],
    actions,
    seed: seedPlan(startMs),
    setup: async ({ connectionIds, call }) => {
      const feed = { connectionId: connectionIds.rsu ?? "", eventId: RSU_5K };
      const created = await call("POST", "/events", {
        name: "Harbour Run (simulated)",
        startsAt: new Date(HARBOUR_RUN_START_MS).toISOString(),
        registration: [feed],
        scoring: {
          connectionId: connectionIds.ct,
          eventId: CHRONOTRACK_EVENT,
          races: { [`${feed.connectionId}:${feed.eventId}`]: CT_5K_RACE },
        },
      });
      const eventId = (created.body as { eventId?: string } | undefined)?.eventId;
      if (created.status !== 201 || eventId === undefined)
        throw new Error(`POST /events answered ${created.status}: ${JSON.stringify(created.body)}`);
      return { eventId };
    },
    description: {
      sessions: sessions.map((s) => s.name).join(", "),
      registrations: actions.filter((a) => a.kind === "control" && a.fake === "runsignup").length,
      reads: actions.filter((a) => a.kind === "read").length,
    },
  };
}

function registrations(random: Random, startMs: number, untilMs: number): ControlAction[] {
  const count = Math.round((RACE_WEEKEND_RATES.registrationsPerDay * Math.max(0, untilMs - startMs)) / DAY);
  return Array.from({ length: count }, (_, i) => ({
    kind: "control" as const,
    at: Math.round(uniform(random, startMs, untilMs)),
    fake: "runsignup",
    method: "POST" as const,
    path: "/_fake/participants",
    body: {
      eventId: Number(RSU_5K),
      firstName: `Runner${i + 1}`,
      lastName: `Sim${integer(random, 100, 999)}`,
    },
  }));
}

function finishers(endMs: number): ControlAction[] {
  const actions: ControlAction[] = [];
  const steps = 18;
  for (let step = 1; step <= steps; step++) {
    const at = HARBOUR_RUN_START_MS + 15 * MINUTE + (step - 1) * 5 * MINUTE;
    if (at >= endMs) break;
    actions.push({
      kind: "control",
      at,
      fake: "chronotrack",
      method: "POST",
      path: `/_fake/events/${CHRONOTRACK_EVENT}/finishers`,
      body: { count: Math.round((RACE_WEEKEND_RATES.finishers * step) / steps) },
    });
  }
  return actions;
}

function raceReads(random: Random, startMs: number, endMs: number): ReadAction[] {
  const reads: ReadAction[] = [];
  const until = Math.min(endMs, HARBOUR_RUN_START_MS);
  const pageReads = Math.round((RACE_WEEKEND_RATES.racePageReadsPerDay * Math.max(0, until - startMs)) / DAY);
  for (let i = 0; i < pageReads; i++)
    reads.push({
      kind: "read",
      at: Math.round(uniform(random, startMs, until)),
      provider: "runsignup",
      dataKind: "registrations",
      read: { path: (_, context) => `/events/${encodeURIComponent(context.eventId ?? "")}/participants` },
      subject: { connection: "rsu", syncType: "participants", params: "any" },
      targetMs: syncTarget("runsignup", "participants"),
      availableSince: startMs,
    });
  for (let i = 0; i < RACE_WEEKEND_RATES.resultsReads; i++) {
    const at = Math.round(
      uniform(random, HARBOUR_RUN_START_MS + 15 * MINUTE, HARBOUR_RUN_START_MS + 4 * HOUR),
    );
    if (at >= endMs) continue;
    reads.push({
      kind: "read",
      at,
      provider: "chronotrack",
      dataKind: "race-results",
      read: { path: (_, context) => `/events/${encodeURIComponent(context.eventId ?? "")}/results` },
      subject: { connection: "ct", syncType: "results", params: "any" },
      targetMs: syncTarget("chronotrack", "results"),
      availableSince: HARBOUR_RUN_START_MS + 15 * MINUTE,
    });
  }
  return reads;
}

function liveReads(
  random: Random,
  sessions: readonly { name: string; startAt: number; endAt: number }[],
  endMs: number,
): ReadAction[] {
  const reads: ReadAction[] = [];
  for (const session of sessions) {
    for (let i = 0; i < RACE_WEEKEND_RATES.liveReadersPerSession; i++) {
      const at = Math.round(uniform(random, session.startAt, session.endAt));
      if (at >= endMs) continue;
      reads.push({
        kind: "read",
        at,
        provider: "openf1",
        dataKind: "f1-live",
        read: { entityType: "race_control", query: {} },
        subject: { connection: "f1", syncType: "race_control", params: "any" },
        targetMs: syncTarget("openf1", "race_control"),
        availableSince: session.startAt,
        ws: {
          topic: "openf1/race_control",
          dwellMs: Math.min(integer(random, 10, 30) * MINUTE, Math.max(MINUTE, session.endAt - at)),
        },
      });
    }
  }
  return reads;
}

/**
 * The fixed plan, hand-rolled cron style: RunSignUp participants and ChronoTrack results every
 * 15 min (:00, :15, :30, :45) all weekend; OpenF1 weather and race control every 30 s all day (a
 * firing a minute, split in two slots by the worker, as Scheduler's sub-minute schedules are),
 * sessions hourly (:05), meetings daily (00:15). Slot 0 is the first run after deploying.
 * Participants and results go as manual jobs: the worker's race-day gate skips scheduled ones
 * that are not due by Pacer's cadence, and the seed plan has no such gate.
 */
function seedPlan(startMs: number): SeedPlan {
  const job = (connection: string, syncType: string, params?: Record<string, string>): SeedJob => ({
    connection,
    syncType,
    priority: "normal",
    ...(params ? { params } : {}),
  });
  const participants = {
    ...job("rsu", "participants", { raceId: String(DEMO_RACE_ID), eventId: RSU_5K }),
    asManual: true,
  };
  const results = { ...job("ct", "results", { eventId: CHRONOTRACK_EVENT }), asManual: true };
  const jobsAt = (at: number): SeedJob[] => {
    if (at === startMs)
      return [
        job("rsu", "races"),
        job("ct", "events"),
        job("f1", "meetings"),
        job("f1", "sessions"),
        participants,
      ];
    const date = new Date(at);
    const minute = date.getUTCMinutes();
    const jobs: SeedJob[] = [job("f1", "weather"), job("f1", "race_control")];
    if (minute % 15 === 0) jobs.push(participants, results);
    if (minute === 5) jobs.push(job("f1", "sessions"));
    if (minute === 15 && date.getUTCHours() === 0) jobs.push(job("f1", "meetings"));
    return jobs;
  };
  return {
    nextSlot: (afterMs) => (afterMs < startMs ? startMs : (Math.floor(afterMs / MINUTE) + 1) * MINUTE),
    jobsAt,
  };
}

function syncTarget(providerId: string, syncTypeId: string): number {
  const provider = findProvider(providerId);
  const syncType = provider && findSyncType(provider, syncTypeId);
  if (!syncType) throw new Error(`${providerId} has no sync type ${syncTypeId}`);
  return freshnessTargetMs(syncType);
}
