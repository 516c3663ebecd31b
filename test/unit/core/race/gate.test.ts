import { describe, expect, it } from "vitest";
import { findProvider } from "#catalog/index.ts";
import { days, hours, minutes } from "#catalog/types.ts";
import { raceDayGate } from "#core/race/gate.ts";
import type { RaceEventRecord } from "#core/race/types.ts";

const runsignup = findProvider("runsignup");
if (!runsignup) throw new Error("runsignup missing from the catalog");
const START = Date.parse("2026-12-06T08:00:00Z");

const event = (startsAt: number, connectionId = "c-rsu"): RaceEventRecord => ({
  tenantId: "club",
  eventId: "ev-00000000000000000001",
  name: "Harbour Run",
  startsAt: new Date(startsAt).toISOString(),
  endsAt: new Date(startsAt + hours(4)).toISOString(),
  registration: [{ connectionId, provider: "runsignup", eventId: "61001" }],
  createdAt: "2026-11-01T00:00:00Z",
  updatedAt: "2026-11-01T00:00:00Z",
  version: 1,
});

function gateWith(events: RaceEventRecord[]) {
  return raceDayGate({ events: { list: async () => events } }, runsignup as NonNullable<typeof runsignup>);
}
const ask = (now: number, lastCompletedAt: number | undefined, syncType = "participants") => ({
  tenantId: "club",
  connectionId: "c-rsu",
  syncType,
  lastCompletedAt,
  now,
});

describe("raceDayGate", () => {
  it("lets a 15-minute schedule sync a far event's participants only every 4 h", async () => {
    const gate = gateWith([event(START)]);
    const now = START - days(10);

    expect(await gate(ask(now, now - minutes(15)))).toMatch(/next participants sync is due at/);
    expect(await gate(ask(now, now - hours(4)))).toBeUndefined();
  });

  it("runs every firing from 48 h before the start", async () => {
    const gate = gateWith([event(START)]);
    const now = START - hours(30);

    expect(await gate(ask(now, now - minutes(15)))).toBeUndefined();
    expect(await gate(ask(now, now - minutes(5)))).toMatch(/every 15 min now/);
  });

  it("keeps 4 h for a connection that feeds no event, and stops for one whose events all retired", async () => {
    const none = gateWith([event(START, "c-other")]);
    const retired = gateWith([event(START - days(20))]);

    expect(await none(ask(START, START - hours(4)))).toBeUndefined();
    expect(await none(ask(START, START - hours(1)))).toMatch(/due at/);
    expect(await retired(ask(START, undefined))).toMatch(/ended more than 7 days ago/);
  });

  it("follows the nearest of several events, and never holds back other sync types", async () => {
    const gate = gateWith([event(START + days(30)), event(START)]);

    const now = START - hours(1);

    expect(await gate(ask(now, now - minutes(16)))).toBeUndefined();
    expect(await gate(ask(now, now - minutes(1), "races"))).toBeUndefined();
  });
});
