import { describe, expect, it } from "vitest";
import { raceWeekendWorkload } from "../../../sim/workloads/race-weekend.ts";
import {
  signupsTargetMs,
  ZWIFT_CLUB_START_MS,
  zwiftClubWorkload,
} from "../../../sim/workloads/zwift-club.ts";

const HOUR = 3_600_000;

describe("zwiftClubWorkload", () => {
  it("is the same workload for the same seed, and another for another seed", () => {
    // Act
    const a = zwiftClubWorkload({ seed: 7, hours: 24 });
    const b = zwiftClubWorkload({ seed: 7, hours: 24 });
    const c = zwiftClubWorkload({ seed: 8, hours: 24 });

    // Assess
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a.actions)).not.toBe(JSON.stringify(c.actions));
  });

  it("has a club of 75, about 3 near and 20 far events a day, and about 5 finishing every 3 h", () => {
    const workload = zwiftClubWorkload({ seed: 1, hours: 24 });
    const club = workload.fakeWorkloads.zwiftracing as {
      club: { memberIds: number[] };
      events: { listed: boolean; announcedAt: number; startAt: number; endAt: number }[];
    };
    const day = (at: number) => at >= workload.startMs && at < workload.endMs;
    const listedToday = club.events.filter((e) => e.listed && day(e.announcedAt));
    const near = listedToday.filter((e) => e.startAt - e.announcedAt < 6 * HOUR);

    expect(club.club.memberIds).toHaveLength(75);
    expect(near.length).toBeGreaterThanOrEqual(1);
    expect(near.length).toBeLessThanOrEqual(6);
    expect(listedToday.length - near.length).toBeGreaterThanOrEqual(14);
    expect(listedToday.length - near.length).toBeLessThanOrEqual(26);
    expect(club.events.filter((e) => day(e.endAt)).length / 8).toBeGreaterThanOrEqual(3.5);
  });

  it("reads event pages more often as the start nears", () => {
    const workload = zwiftClubWorkload({ seed: 3, hours: 48 });
    const pageReads = workload.actions.filter((a) => a.kind === "read" && a.dataKind === "signups");
    const events = (workload.fakeWorkloads.zwiftracing as { events: { eventId: string; startAt: number }[] })
      .events;
    const startOf = new Map(events.map((e) => [e.eventId, e.startAt]));
    const toStart = pageReads.map((read) => {
      const params = read.kind === "read" && read.subject.params !== "any" ? read.subject.params : {};
      return (startOf.get(params.eventId ?? "") ?? 0) - read.at;
    });
    const lastSixHours = toStart.filter((ms) => ms <= 6 * HOUR).length;
    expect(lastSixHours / toStart.length).toBeGreaterThan(0.5);
  });

  it("keeps its actions in time order, inside the run", () => {
    const workload = zwiftClubWorkload({ seed: 2, hours: 6 });
    const times = workload.actions.map((a) => a.at);
    expect([...times].sort((x, y) => x - y)).toEqual(times);
    expect(times.every((at) => at >= workload.startMs && at < workload.endMs)).toBe(true);
  });

  it("plans the seed's slots as the design documents did", () => {
    const workload = zwiftClubWorkload({ seed: 1, hours: 24 });
    const at = (hour: number, minute: number) => ZWIFT_CLUB_START_MS + hour * HOUR + minute * 60_000;
    const kinds = (hour: number, minute: number) =>
      workload.seed.jobsAt(at(hour, minute)).map((j) => j.syncType);

    expect(kinds(0, 0)).toEqual(["clubMembers", "riderStats", "events", "results"]);
    expect(kinds(5, 0)).toEqual(["riderStats"]);
    expect(kinds(3, 30)[0]).toBe("events");
    expect(kinds(3, 45)).toEqual(["results"]);
    expect(kinds(4, 30)).toEqual([]);
    expect(kinds(2, 20)).toEqual(["clubMembers"]);
    expect(workload.seed.nextSlot(at(5, 0))).toBe(at(5, 10));
  });
});

describe("signupsTargetMs", () => {
  it("tightens as the event nears, as the issue says", () => {
    expect(signupsTargetMs(30 * HOUR)).toBe(HOUR);
    expect(signupsTargetMs(13 * HOUR)).toBe(30 * 60_000);
    expect(signupsTargetMs(7 * HOUR)).toBe(15 * 60_000);
    expect(signupsTargetMs(2 * HOUR)).toBe(5 * 60_000);
    expect(signupsTargetMs(10 * 60_000)).toBe(60_000);
  });
});

describe("raceWeekendWorkload", () => {
  it("is deterministic from its seed and covers practice, qualifying and the race in three days", () => {
    const a = raceWeekendWorkload({ seed: 5, hours: 72 });
    const b = raceWeekendWorkload({ seed: 5, hours: 72 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(String(a.description.sessions)).toMatch(/Practice 1.*Qualifying.*Race|Race/);
    expect(a.actions.some((x) => x.kind === "control" && x.fake === "chronotrack")).toBe(true);
    expect(a.actions.some((x) => x.kind === "read" && x.dataKind === "f1-live")).toBe(true);
  });
});
