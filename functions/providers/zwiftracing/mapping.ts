import type { Entity } from "#providers/types.ts";
import type { EventResults, Rider, SignupPen, ZrEvent } from "./schemas.ts";

/**
 * Every ZwiftRacing.app field mapping, in one place. Entity ids are Zwift ids as strings; ids of
 * rows that belong to a club or an event are `<clubId>:<riderId>` / `<eventId>:<riderId>`.
 *
 * Verified against a real payload or a maintained client: riders (also the bulk answer and a
 * club's `riders`), the club page `{ name, riders }`, event results (fixture of event 4613373).
 * UNVERIFIED (undocumented website endpoints, shapes reported by one integrator only):
 * - `/events/upcoming` and `/events`: a bare array of `{ eventId, time }`; `title` is assumed by
 *   analogy with the results payload.
 * - `/events/{eventId}/signups`: an array of `{ pen, riders: [{ riderId, name, rating?, race? }] }`;
 *   the key names are assumed; `rating` is the entry's own, else its `race.current.rating`.
 * - A club page as a bare array of riders (claimed by some integrator docs) is accepted too; it
 *   carries no club name.
 */

/** `members` entity id: one rider's membership of one club. */
export const memberId = (clubId: number, riderId: number): string => `${clubId}:${riderId}`;

/** The riderId of a stored `members` id of `clubId`, or undefined for another club's member. */
export function riderIdOfMember(clubId: number, id: string): number | undefined {
  const [club, rider] = id.split(":");
  if (club !== String(clubId) || rider === undefined || !/^\d+$/.test(rider)) return undefined;
  return Number(rider);
}

export function clubEntity(
  clubId: number,
  name: string | null | undefined,
  riders: readonly Rider[],
): Entity {
  // A bare-array page has no club name; a member's own `club` may still carry it.
  const known = name ?? riders.find((rider) => rider.club?.id === clubId)?.club?.name;
  return { type: "clubs", id: String(clubId), data: { clubId, name: known ?? null } };
}

/** A member summary: who the rider is and their current vELO standing, not the full stats. */
export function memberEntity(clubId: number, rider: Rider): Entity {
  const current = rider.race?.current;
  return {
    type: "members",
    id: memberId(clubId, rider.riderId),
    data: {
      riderId: rider.riderId,
      clubId,
      name: rider.name,
      gender: rider.gender ?? null,
      country: rider.country ?? null,
      zpCategory: rider.zpCategory ?? null,
      age: rider.age ?? null,
      rating: current?.rating ?? null,
      category: current?.mixed?.category ?? null,
    },
  };
}

/** The full rider, every documented field (the schema drops undocumented ones). */
export function riderEntity(rider: Rider): Entity {
  return { type: "riders", id: String(rider.riderId), data: rider };
}

export function resultEntities(eventId: string, payload: EventResults): Entity[] {
  const results: Entity[] = payload.results.map((row) => ({
    type: "results",
    id: `${eventId}:${row.riderId}`,
    data: { ...row, eventId },
  }));
  const { title, time, type, subType, distance, elevation, routeId } = payload;
  const summary = { title, time, type, subType, distance, elevation, routeId };
  const event: Entity = {
    type: "eventResults",
    id: eventId,
    data: { eventId, ...withNulls(summary), finishers: payload.results.length },
  };
  return [...uniqueById(results), event];
}

export type EventStatus = "upcoming" | "finished";

export function eventEntity(event: ZrEvent, status: EventStatus): Entity {
  return {
    type: "events",
    id: event.eventId,
    data: { eventId: event.eventId, time: event.time, title: event.title ?? null, status },
  };
}

export function signupEntities(eventId: string, pens: readonly SignupPen[]): Entity[] {
  const entities = pens.flatMap((pen) =>
    pen.riders.map((rider) => ({
      type: "signups",
      id: `${eventId}:${rider.riderId}`,
      data: {
        eventId,
        pen: pen.pen,
        riderId: rider.riderId,
        name: rider.name ?? null,
        rating: rider.rating ?? rider.race?.current?.rating ?? null,
      },
    })),
  );
  return uniqueById(entities);
}

/** Absent and null are one thing to a reader of the stored record: always the key, maybe null. */
function withNulls<T extends Record<string, unknown>>(record: T): { [K in keyof T]: T[K] | null } {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, v ?? null])) as {
    [K in keyof T]: T[K] | null;
  };
}

/** One run hands the store one version per entity; if ZR repeats a row, the last one wins. */
function uniqueById(entities: readonly Entity[]): Entity[] {
  return [...new Map(entities.map((entity) => [entity.id, entity])).values()];
}
