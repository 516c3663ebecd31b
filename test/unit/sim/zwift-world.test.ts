import { describe, expect, it } from "vitest";
import { signedUpCount, type ZwiftWorkload } from "../../../local/fakes/zwiftracing/index.ts";
import { workloadWorld } from "../../../local/fakes/zwiftracing/workload.ts";

const HOUR = 3_600_000;
const T0 = Date.UTC(2027, 2, 1);

const workload: ZwiftWorkload = {
  club: { id: 2001, name: "Sim Club", memberIds: [5_000_001, 5_000_002, 5_000_010] },
  events: [
    {
      eventId: "4700001",
      title: "Far",
      listed: true,
      announcedAt: T0,
      startAt: T0 + 20 * HOUR,
      endAt: T0 + 21 * HOUR,
      distanceKm: 20,
      fieldIds: [5_000_001, 6_000_011, 6_000_024, 6_000_037, 6_000_050],
    },
    {
      eventId: "4700008",
      title: "Unlisted",
      listed: false,
      announcedAt: T0 + 2 * HOUR,
      startAt: T0 + 2 * HOUR,
      endAt: T0 + 3 * HOUR,
      distanceKm: 30,
      fieldIds: [5_000_002, 6_000_011],
    },
  ],
};

describe("the fake ZwiftRacing's workload world", () => {
  it("serves the workload's club and its members as riders", () => {
    const world = workloadWorld(workload);
    expect(world.clubPage(2001, 0, 0)?.riders.map((r) => r.riderId)).toEqual([
      5_000_001, 5_000_002, 5_000_010,
    ]);
    expect(world.clubPage(1001, 0, 0)).toBeUndefined();
    expect(world.riderAt(6_000_024, 0)?.club.name).toBe("Independent");
    expect(world.riderAt(123, 0)).toBeUndefined();
  });

  it("lists an event as upcoming from its listing to its start, and unlisted ones never", () => {
    const world = workloadWorld(workload);
    expect(world.upcomingEvents(T0 - 1)).toEqual([]);
    expect(world.upcomingEvents(T0 + 3 * HOUR).map((e) => e.eventId)).toEqual(["4700001"]);
    expect(world.upcomingEvents(T0 + 20 * HOUR)).toEqual([]);
  });

  it("has results once an event has ended, listed or not, latest end first", () => {
    const world = workloadWorld(workload);
    expect(world.eventResults("4700001", T0 + 20.5 * HOUR)).toBeUndefined();
    expect(world.eventResults("4700001", T0 + 21 * HOUR)?.results).toHaveLength(5);
    expect(world.finishedEvents(T0 + 22 * HOUR, 0, 25).map((e) => e.eventId)).toEqual(["4700001", "4700008"]);
  });

  it("grows an event's signups from a few at its listing to the whole field at its start", () => {
    const event = workload.events[0] as ZwiftWorkload["events"][number];
    const world = workloadWorld(workload);
    const riders = (at: number) =>
      (world.eventSignups("4700001", at) as { riders: unknown[] }[]).reduce(
        (n, pen) => n + pen.riders.length,
        0,
      );
    expect(signedUpCount(event, T0)).toBe(1);
    expect(riders(T0 + 10 * HOUR)).toBeGreaterThanOrEqual(riders(T0));
    expect(riders(T0 + 20 * HOUR)).toBe(5);
  });
});
