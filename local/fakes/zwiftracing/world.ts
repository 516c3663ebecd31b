import {
  type EventResults,
  eventResults,
  eventSignups,
  type FakeEvent,
  finishedEvents,
  upcomingEvents,
  zwiftPowerOf,
} from "./events.ts";
import { clubPage, type Rider, riderAt } from "./riders.ts";

/**
 * What the fake ZwiftRacing serves: its clubs, riders and events at any moment. The demo's world
 * is fixed (./riders.ts, ./events.ts); the simulator's is made from its workload (./workload.ts).
 */
export interface ZwiftWorld {
  /** Members with riderId > `afterRiderId`, one page, as riders at `hour`; undefined: no such club. */
  clubPage(
    clubId: number,
    afterRiderId: number,
    hour: number,
  ): { readonly name: string; readonly riders: readonly Rider[] } | undefined;
  riderAt(riderId: number, hour: number): Rider | undefined;
  upcomingEvents(nowMs: number): FakeEvent[];
  /** Finished events, latest first, `skip` then at most `limit`. */
  finishedEvents(nowMs: number, skip: number, limit: number): FakeEvent[];
  /** An event's results once it has finished; undefined before, or for an unknown event. */
  eventResults(eventId: string, nowMs: number): EventResults | undefined;
  /** An upcoming or running event's signups per pen; undefined for an unknown one. */
  eventSignups(eventId: string, nowMs: number): unknown[] | undefined;
}

/** The demo's world: three clubs, an event every two hours at half past. */
export const DEMO_WORLD: ZwiftWorld = {
  clubPage,
  riderAt,
  upcomingEvents,
  finishedEvents,
  eventResults,
  eventSignups,
};

/** `GET /public/zp/{eventId}/results` in any world. */
export function zwiftPowerResultsIn(world: ZwiftWorld, eventId: string, nowMs: number) {
  return zwiftPowerOf(world.eventResults(eventId, nowMs), world.riderAt);
}
