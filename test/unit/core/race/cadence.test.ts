import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { days, hours, minutes } from "#catalog/types.ts";
import { participantsDue, participantsInterval, pushSlot, resultsDue } from "#core/race/cadence.ts";

const START = Date.parse("2026-12-06T08:00:00Z");
const race = { startsAt: START, endsAt: START + hours(4) };

describe("race-day cadence", () => {
  it("syncs participants every 4 h until 48 h before the start, then every 15 min until the end", () => {
    expect(participantsInterval(race, START - days(5))).toBe(hours(4));
    expect(participantsInterval(race, START - hours(49))).toBe(hours(4));
    expect(participantsInterval(race, START - hours(47))).toBe(minutes(15));
    expect(participantsInterval(race, START + hours(3))).toBe(minutes(15));
    expect(participantsInterval(race, START + days(2))).toBe(hours(4));
  });

  it("stops every automatic sync of an event more than 7 days after it ended", () => {
    const later = race.endsAt + days(7) + minutes(1);

    expect(participantsInterval(race, later)).toBeUndefined();
    expect(participantsDue(race, undefined, later)).toBe(false);
    expect(resultsDue(race, undefined, later)).toBe(false);
  });

  it("pulls results every 30 min while the event runs, once more after it ends, never before it starts", () => {
    expect(resultsDue(race, undefined, START - minutes(5))).toBe(false);
    expect(resultsDue(race, undefined, START + minutes(1))).toBe(true);
    expect(resultsDue(race, START + minutes(1), START + minutes(20))).toBe(false);
    expect(resultsDue(race, START + minutes(1), START + minutes(31))).toBe(true);
    // The end: one more pull for the final results, then none.
    expect(resultsDue(race, START + hours(3.9), race.endsAt + minutes(1))).toBe(true);
    expect(resultsDue(race, race.endsAt + minutes(1), race.endsAt + hours(2))).toBe(false);
  });

  it("assumes an event without an end lasts six hours", () => {
    const open = { startsAt: START };

    expect(resultsDue(open, START + hours(1), START + hours(5.9))).toBe(true);
    expect(resultsDue(open, START + hours(5.9), START + hours(6.5))).toBe(true);
    expect(resultsDue(open, START + hours(6.5), START + hours(7))).toBe(false);
  });

  it("runs a schedule firing every interval on each firing, despite a few seconds of jitter", () => {
    const near = START - hours(1);

    expect(participantsDue(race, near - minutes(15) + 5_000, near)).toBe(true);
    expect(participantsDue(race, near - minutes(5), near)).toBe(false);
  });

  it("debounces scoring pushes to one per 5-minute slot, and never delays a change by more than a slot", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: days(1) }), fc.integer({ min: 0, max: days(1) }), (a, b) => {
        const [first, second] = [pushSlot(START + a), pushSlot(START + b)];
        expect(first.at).toBeGreaterThan(START + a);
        expect(first.at - (START + a)).toBeLessThanOrEqual(minutes(5));
        // Two changes share a push exactly when their pushes go at the same moment.
        expect(first.slot === second.slot).toBe(first.at === second.at);
        if (first.slot !== second.slot)
          expect(Math.abs(first.at - second.at)).toBeGreaterThanOrEqual(minutes(5));
      }),
    );
  });
});
