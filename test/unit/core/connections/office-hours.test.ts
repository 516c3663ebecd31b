import { describe, expect, it } from "vitest";
import { createConnection, updateConnection } from "#core/connections/use-cases.ts";
import { ValidationError } from "#core/errors.ts";
import { clubBody, setup } from "./fakes.ts";

const amsterdam = { from: "07:00", to: "22:00", timeZone: "Europe/Amsterdam" };

describe("a connection's office hours", () => {
  it("confine its schedules to those hours, in its time zone", async () => {
    const { deps, schedules } = setup();

    const view = await createConnection(deps, "acme", clubBody({ activeHours: amsterdam }));

    const members = schedules.active.get(`${view.connectionId}.members`);
    expect(members?.expression).toMatch(/^cron\(\d+ 7-21 \* \* \? \*\)$/);
    expect(members?.timezone).toBe("Europe/Amsterdam");
    expect(view.activeHours).toEqual(amsterdam);
  });

  it("are refused with the field named when they are not whole hours, not a zone, or empty", async () => {
    const { deps, connections } = setup();
    const refused = (activeHours: unknown) => createConnection(deps, "acme", clubBody({ activeHours }));

    await expect(refused({ from: "7am", to: "22:00" })).rejects.toThrow(
      'activeHours.from: expected a whole hour "HH:00", e.g. "07:00"',
    );
    await expect(refused({ from: "07:30", to: "22:00" })).rejects.toThrow(ValidationError);
    await expect(refused({ from: "07:00", to: "22:00", timeZone: "Mars/Olympus" })).rejects.toThrow(
      'activeHours.timeZone: expected an IANA time zone, e.g. "Europe/Amsterdam"',
    );
    await expect(refused({ from: "00:00", to: "24:00" })).rejects.toThrow(
      "activeHours: from and to must differ (to run around the clock, leave activeHours out)",
    );
    expect(connections.records.size).toBe(0);
  });

  it("are set, and removed with null, by a patch that puts the schedules anew", async () => {
    const { deps, schedules } = setup();
    const { connectionId } = await createConnection(deps, "acme", clubBody());

    const confined = await updateConnection(deps, "acme", connectionId, {
      activeHours: { from: "22:00", to: "06:00" },
    });
    const night = schedules.active.get(`${connectionId}.members`)?.expression;
    const freed = await updateConnection(deps, "acme", connectionId, { activeHours: null });

    expect(confined.activeHours).toEqual({ from: "22:00", to: "06:00" });
    expect(night).toMatch(/^cron\(\d+ 0-5,22,23 \* \* \? \*\)$/);
    expect(freed.activeHours).toBeNull();
    expect(schedules.active.get(`${connectionId}.members`)?.expression).toMatch(
      /^cron\(\d+ \* \* \* \? \*\)$/,
    );
  });
});

describe("a connection's refreshOnRead", () => {
  it("is on unless the connection turns it off", async () => {
    const { deps, connections } = setup();

    const plain = await createConnection(deps, "acme", clubBody());
    const quiet = await createConnection(deps, "acme", clubBody({ refreshOnRead: false }));
    const loud = await updateConnection(deps, "acme", quiet.connectionId, { refreshOnRead: true });

    expect(plain.refreshOnRead).toBe(true);
    expect(quiet.refreshOnRead).toBe(false);
    expect((await connections.get("acme", quiet.connectionId))?.refreshOnRead).toBe(true);
    expect(loud.refreshOnRead).toBe(true);
  });
});
