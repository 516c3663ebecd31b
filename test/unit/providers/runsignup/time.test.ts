import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { wallClockText, zonedIso } from "#providers/runsignup/time.ts";

describe("zonedIso", () => {
  it.each([
    ["3/7/2026 08:00", "2026-03-07T08:00:00-08:00"],
    ["3/8/2026 08:00", "2026-03-08T08:00:00-07:00"],
    ["10/31/2026 23:30", "2026-10-31T23:30:00-07:00"],
    ["11/1/2026 08:00", "2026-11-01T08:00:00-08:00"],
  ])("reads %s in Los Angeles with the offset of that day, across DST changes", (text, iso) => {
    // Act
    const result = zonedIso(text, "America/Los_Angeles");

    // Assess
    expect(result).toBe(iso);
    expect(Date.parse(result ?? "")).toBe(Date.parse(iso));
  });

  it("reads the hour repeated when clocks go back as its first occurrence, and a skipped one after the change", () => {
    // Act
    const repeated = zonedIso("11/1/2026 01:30", "America/Los_Angeles");
    const skipped = zonedIso("3/8/2026 02:30", "America/Los_Angeles");

    // Assess
    expect(repeated).toBe("2026-11-01T01:30:00-07:00");
    expect(skipped).toBe("2026-03-08T03:30:00-07:00");
  });

  it("gives zones with half-hour offsets and zones east of UTC their own offsets", () => {
    // Act
    const results = [zonedIso("4/18/2026 08:00", "Asia/Kolkata"), zonedIso("7/1/2026 9:05", "Europe/Madrid")];

    // Assess
    expect(results).toEqual(["2026-04-18T08:00:00+05:30", "2026-07-01T09:05:00+02:00"]);
  });

  it("refuses what is not a wall-clock time, or a zone Intl does not know", () => {
    // Act
    const results = [
      zonedIso("2026-04-18 08:00", "America/Chicago"),
      zonedIso("2/30/2026 08:00", "America/Chicago"),
      zonedIso("4/18/2026 25:00", "America/Chicago"),
      zonedIso("4/18/2026 08:00", "Mars/Olympus_Mons"),
    ];

    // Assess
    expect(results).toEqual([undefined, undefined, undefined, undefined]);
  });

  it("round-trips any instant's wall clock in a DST zone back to the same instant (to the minute)", () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) }), (epochMs) => {
        // Prepare: the earlier instant of a repeated hour is the one a wall clock names.
        const minute = Math.floor(epochMs / 60_000) * 60_000;
        const text = wallClockText(minute, "America/New_York");

        // Act
        const back = Date.parse(zonedIso(text, "America/New_York") ?? "");

        // Assess
        expect(back === minute || back === minute - 3_600_000).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
