import { z } from "zod";
import { type FakeEvent, resultsOf, signupsOf } from "./events.ts";
import { type Club, type Rider, riderOf } from "./riders.ts";
import { hourOf, stream } from "./seed.ts";
import type { ZwiftWorld } from "./world.ts";

/**
 * The simulator's ZwiftRacing (sim/workloads/zwift-club.ts makes it): one club, and events with
 * the moment each is first listed as upcoming, its start and end, and its final field in signup
 * order. Events not `listed` are never upcoming, yet have results once finished (club members race
 * events the club does not follow). Plain data: it crosses into the fake as FakeServerOptions.workload.
 */
export const ZwiftWorkloadSchema = z.object({
  club: z.object({
    id: z.number().int().positive(),
    name: z.string(),
    memberIds: z.array(z.number().int().positive()),
  }),
  events: z.array(
    z.object({
      eventId: z.string().regex(/^\d{1,12}$/),
      title: z.string(),
      listed: z.boolean(),
      announcedAt: z.number(),
      startAt: z.number(),
      endAt: z.number(),
      distanceKm: z.number().positive(),
      /** The final field, in the order its riders sign up. */
      fieldIds: z.array(z.number().int().positive()),
    }),
  ),
});
export type ZwiftWorkload = z.infer<typeof ZwiftWorkloadSchema>;
type WorkloadEvent = ZwiftWorkload["events"][number];

/** Riders who are not members of the club: a club of their own, never served as a club. */
const OUTSIDERS: Omit<Club, "memberIds"> = { id: 9_999, name: "Independent" };
/** A club page holds at most this many riders, as ZwiftRacing's does. */
const CLUB_PAGE_SIZE = 1_000;
/** Part of the final field signed up when an event is first listed; the rest sign up ever faster. */
const EARLY_SIGNUPS = 0.15;

/** The signups of an event at `nowMs`: they grow from a few at listing to the full field at the start. */
export function signedUpCount(
  event: Pick<WorkloadEvent, "announcedAt" | "startAt" | "fieldIds">,
  nowMs: number,
) {
  const span = Math.max(1, event.startAt - event.announcedAt);
  const progress = Math.min(1, Math.max(0, (nowMs - event.announcedAt) / span));
  return Math.ceil(event.fieldIds.length * (EARLY_SIGNUPS + (1 - EARLY_SIGNUPS) * progress ** 2));
}

/** The world a workload describes. */
export function workloadWorld(raw: unknown): ZwiftWorld {
  const workload = ZwiftWorkloadSchema.parse(raw);
  const club: Club = { ...workload.club, memberIds: [...workload.club.memberIds].sort((a, b) => a - b) };
  const members = new Set(club.memberIds);
  const outsiders: Club = {
    ...OUTSIDERS,
    memberIds: [...new Set(workload.events.flatMap((e) => e.fieldIds))].filter((id) => !members.has(id)),
  };
  const known = new Set(outsiders.memberIds);
  const byId = new Map(workload.events.map((event) => [event.eventId, event]));
  const riderAt = (riderId: number, hour: number): Rider | undefined =>
    members.has(riderId)
      ? riderOf(club, riderId, hour)
      : known.has(riderId)
        ? riderOf(outsiders, riderId, hour)
        : undefined;
  const fieldAt = (event: WorkloadEvent, count: number) =>
    event.fieldIds.slice(0, count).flatMap((id) => riderAt(id, hourOf(event.startAt)) ?? []);
  const byEnd = [...workload.events].sort((a, b) => b.endAt - a.endAt);

  return {
    clubPage: (clubId, afterRiderId, hour) => {
      if (clubId !== club.id) return undefined;
      const page = club.memberIds.filter((id) => id > afterRiderId).slice(0, CLUB_PAGE_SIZE);
      return { name: club.name, riders: page.map((id) => riderOf(club, id, hour)) };
    },
    riderAt,
    upcomingEvents: (nowMs) =>
      workload.events
        .filter((e) => e.listed && e.announcedAt <= nowMs && nowMs < e.startAt)
        .sort((a, b) => a.startAt - b.startAt)
        .map(fakeEvent),
    finishedEvents: (nowMs, skip, limit) =>
      byEnd
        .filter((e) => e.endAt <= nowMs)
        .slice(skip, skip + limit)
        .map(fakeEvent),
    eventResults: (eventId, nowMs) => {
      const event = byId.get(eventId);
      if (event === undefined || event.endAt > nowMs) return undefined;
      return resultsOf(fakeEvent(event), fieldAt(event, event.fieldIds.length), stream(Number(eventId), 19));
    },
    eventSignups: (eventId, nowMs) => {
      const event = byId.get(eventId);
      if (event === undefined || event.announcedAt > nowMs) return undefined;
      return signupsOf(fieldAt(event, signedUpCount(event, nowMs)));
    },
  };
}

function fakeEvent(event: WorkloadEvent): FakeEvent {
  return {
    eventId: event.eventId,
    time: Math.floor(event.startAt / 1_000),
    title: event.title,
    type: "Race",
    subType: "Scratch",
    distance: event.distanceKm,
    elevation: Math.round(event.distanceKm * 6),
    routeId: "3356878261",
  };
}
