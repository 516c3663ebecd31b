import { describe, expect, it } from "vitest";
import { catalog } from "#catalog/index.ts";
import { connectionSchedulePlan } from "#core/schedule-plan.ts";
import {
  convertAwsCron,
  parseScheduleExpression,
  yearMatches,
} from "../../../../local/aws/schedule-expression.ts";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe("convertAwsCron", () => {
  it.each([
    ["15 0 * * ? *", "15 0 * * *"],
    ["0 12 ? * MON-FRI *", "0 12 * * MON-FRI"],
    ["0 8 ? * 2-6 *", "0 8 * * 1-5"],
    ["0 8 ? * 1,7 *", "0 8 * * 0,6"],
    ["0 10 ? * 6#3 *", "0 10 * * 5#3"],
    ["0 10 ? * 5L *", "0 10 * * 4L"],
    ["0 10 ? * L *", "0 10 * * 6"],
    ["0/15 * * * ? *", "0/15 * * * *"],
    ["0 0 L * ? *", "0 0 L * *"],
  ])("AWS %s → %s (days of week from 1 = SUN to 0 = SUN)", (aws, expected) => {
    expect(convertAwsCron(aws).expression).toBe(expected);
  });

  it("keeps the year field apart", () => {
    expect(convertAwsCron("0 0 1 1 ? 2030-2032").years).toBe("2030-2032");
  });

  it("refuses what cron-parser cannot express", () => {
    expect(() => convertAwsCron("0 0 15W * ? *")).toThrow(/W/);
    expect(() => convertAwsCron("0 0 * * *")).toThrow(/6 fields/);
    expect(() => convertAwsCron("0 0 ? * 8 *")).toThrow(/1-7/);
  });
});

describe("yearMatches", () => {
  it.each([
    ["*", 2031, true],
    ["2030", 2030, true],
    ["2030", 2031, false],
    ["2030-2032", 2032, true],
    ["2030,2035", 2035, true],
    ["2030/5", 2035, true],
    ["2030/5", 2036, false],
  ])("%s matches %i: %s", (field, year, expected) => {
    expect(yearMatches(field, year)).toBe(expected);
  });
});

describe("parseScheduleExpression", () => {
  it("fires a cron schedule at its next UTC occurrence, not at creation", () => {
    const recurrence = parseScheduleExpression("cron(15 0 * * ? *)", at("2030-05-01T10:00:00Z"));

    expect(iso(recurrence.next(at("2030-05-01T10:00:00Z")))).toBe("2030-05-02T00:15:00.000Z");
    expect(iso(recurrence.next(at("2030-05-02T00:15:00Z")))).toBe("2030-05-03T00:15:00.000Z");
  });

  it("fires a rate schedule one rate after its start, then every rate", () => {
    const start = at("2030-05-01T10:00:30Z");
    const recurrence = parseScheduleExpression("rate(1 hour)", start);

    expect(iso(recurrence.next(start))).toBe("2030-05-01T11:00:30.000Z");
    expect(iso(recurrence.next(at("2030-05-01T11:00:30Z")))).toBe("2030-05-01T12:00:30.000Z");
    expect(iso(recurrence.next(at("2030-05-01T11:30:00Z")))).toBe("2030-05-01T12:00:30.000Z");
  });

  it("reads rate units in singular and plural", () => {
    const start = at("2030-01-01T00:00:00Z");

    expect(parseScheduleExpression("rate(1 minute)", start).next(start)).toBe(start + 60_000);
    expect(parseScheduleExpression("rate(5 minutes)", start).next(start)).toBe(start + 300_000);
    expect(parseScheduleExpression("rate(2 days)", start).next(start)).toBe(start + 172_800_000);
  });

  it("skips to the years the year field allows, and ends after the last", () => {
    const recurrence = parseScheduleExpression("cron(0 9 1 1 ? 2031-2032)", at("2030-06-01T00:00:00Z"));

    expect(iso(recurrence.next(at("2030-06-01T00:00:00Z")))).toBe("2031-01-01T09:00:00.000Z");
    expect(iso(recurrence.next(at("2031-01-01T09:00:00Z")))).toBe("2032-01-01T09:00:00.000Z");
    expect(recurrence.next(at("2032-01-01T09:00:00Z"))).toBeUndefined();
  });

  it("refuses expressions Scheduler would not take", () => {
    expect(() => parseScheduleExpression("at(2030-01-01)", 0)).toThrow(/unsupported/);
    expect(() => parseScheduleExpression("at(2030-02-30T00:00:00)", 0)).toThrow(/invalid date/);
    expect(() => parseScheduleExpression("rate(0 minutes)", 0)).toThrow(/invalid/);
    expect(() => parseScheduleExpression("cron(99 * * * ? *)", 0)).toThrow();
  });

  it("fires a one-time at() schedule once, at its time in UTC by default", () => {
    const recurrence = parseScheduleExpression("at(2030-05-01T12:30:00)", at("2030-05-01T10:00:00Z"));

    expect(iso(recurrence.next(at("2030-05-01T10:00:00Z")))).toBe("2030-05-01T12:30:00.000Z");
    expect(recurrence.next(at("2030-05-01T12:30:00Z"))).toBeUndefined();
  });

  it("reads an at() time as wall-clock time in its time zone, summer time included", () => {
    const summer = parseScheduleExpression("at(2030-07-01T09:00:00)", 0, "Europe/Amsterdam");
    const winter = parseScheduleExpression("at(2030-01-15T09:00:00)", 0, "America/New_York");

    expect(iso(summer.next(0))).toBe("2030-07-01T07:00:00.000Z");
    expect(iso(winter.next(0))).toBe("2030-01-15T14:00:00.000Z");
  });

  it("fires a cron schedule at its occurrences in its time zone (office hours)", () => {
    // Prepare: 09:00 on weekdays in Amsterdam; 2030-03-29 is a Friday, summer time starts on the 31st.
    const recurrence = parseScheduleExpression("cron(0 9 ? * MON-FRI *)", 0, "Europe/Amsterdam");

    // Act
    const friday = recurrence.next(at("2030-03-29T00:00:00Z"));
    const monday = recurrence.next(friday ?? 0);

    // Assess: 08:00 UTC in winter time, 07:00 UTC in summer time.
    expect(iso(friday)).toBe("2030-03-29T08:00:00.000Z");
    expect(iso(monday)).toBe("2030-04-01T07:00:00.000Z");
  });

  it("matches the year field in the schedule's time zone", () => {
    // 00:30 on 1 January in Tokyo is still the last day of the old year in UTC.
    const recurrence = parseScheduleExpression("cron(30 0 1 1 ? 2031)", 0, "Asia/Tokyo");

    expect(iso(recurrence.next(at("2030-06-01T00:00:00Z")))).toBe("2030-12-31T15:30:00.000Z");
  });

  it("parses every schedule a connection to any catalog provider creates", () => {
    const plans = catalog.providers.flatMap((provider) =>
      // Every setting a sync type may require is on, so every cadence is planned.
      connectionSchedulePlan(provider, {
        connectionId: "c-00000000000000000001",
        tenantId: "default",
        settings: Object.fromEntries(provider.syncTypes.map((s) => [s.requiresSetting ?? "", true])),
      }),
    );
    expect(plans.length).toBeGreaterThan(0);
    for (const def of plans) {
      expect(() => parseScheduleExpression(def.expression, Date.now()), def.expression).not.toThrow();
    }
  });
});
