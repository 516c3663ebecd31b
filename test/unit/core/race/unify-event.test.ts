import { describe, expect, it } from "vitest";
import type { OwnedValues, RaceEventRecord } from "#core/race/types.ts";
import { unifyEvent } from "#core/race/unify-event.ts";
import { NamespacedEntities } from "./fakes.ts";

const EVENT: RaceEventRecord = {
  tenantId: "club",
  eventId: "ev-00000000000000000001",
  name: "Harbour Run",
  startsAt: "2026-12-06T08:00:00Z",
  registration: [
    { connectionId: "c-rsu", provider: "runsignup", eventId: "61001" },
    { connectionId: "c-rr", provider: "raceroster", eventId: "7301.73011" },
  ],
  scoring: {
    connectionId: "c-ct",
    provider: "chronotrack",
    eventId: "90001",
    races: { "c-rsu:61001": "900011" },
  },
  createdAt: "2026-11-01T00:00:00Z",
  updatedAt: "2026-11-01T00:00:00Z",
  version: 1,
};

const ana = { firstName: "Ana", lastName: "Silva", birthDate: "1988-04-12" };

function setup(owned: OwnedValues = {}) {
  const entities = new NamespacedEntities();
  entities.seed("club", "runsignup", {
    registrationId: "500140",
    eventId: "61001",
    ...ana,
    email: "ana@example.com",
  });
  entities.seed("club", "raceroster", {
    registrationId: "88",
    eventId: "7301.73011",
    ...ana,
    email: "Ana@Example.com",
  });
  entities.seed("club", "runsignup", {
    registrationId: "500141",
    eventId: "61001",
    firstName: "Noah",
    lastName: "King",
  });
  // Another event of the same provider, and another tenant: neither feeds this event.
  entities.seed("club", "runsignup", {
    registrationId: "9",
    eventId: "61002",
    firstName: "Mei",
    lastName: "Young",
  });
  entities.seed("rival", "runsignup", {
    registrationId: "7",
    eventId: "61001",
    firstName: "Eve",
    lastName: "Spy",
  });
  const deps = {
    entities,
    events: { owned: async () => owned },
    clock: () => Date.parse("2026-12-01T00:00:00Z"),
  };
  return { deps, entities };
}

describe("unifyEvent", () => {
  it("stores one list of the event's registrations and the scoring records its provider will receive", async () => {
    const { deps, entities } = setup();

    const counts = await unifyEvent(deps, "club", EVENT);

    const list = entities.list("club", "events/ev-00000000000000000001", "participants");
    expect(list.map((p) => (p as { fields: { firstName: string } }).fields.firstName).sort()).toEqual([
      "Ana",
      "Noah",
    ]);
    const scoring = entities.list("club", "chronotrack", "participants");
    expect(scoring).toHaveLength(2);
    expect(scoring).toContainEqual(
      expect.objectContaining({ firstName: "Ana", scoringEventId: "90001", scoringRaceId: "900011" }),
    );
    expect(counts).toMatchObject({ pulled: 3, participants: 2, merged: 1, conflicts: 0, removed: 0 });
  });

  it("changes nothing when run again on the same registrations", async () => {
    const { deps, entities } = setup();
    await unifyEvent(deps, "club", EVENT);
    entities.writes.length = 0;

    const again = await unifyEvent(deps, "club", EVENT);

    expect(entities.writes).toEqual([]);
    expect(again).toMatchObject({ written: 0, unchanged: 4, removed: 0 });
  });

  it("takes a cancelled runner off the scoring list but keeps them in the event's list", async () => {
    const { deps, entities } = setup();
    await unifyEvent(deps, "club", EVENT);
    entities.seed("club", "runsignup", {
      registrationId: "500141",
      eventId: "61001",
      firstName: "Noah",
      lastName: "King",
      cancelled: true,
    });

    const counts = await unifyEvent(deps, "club", EVENT);

    expect(entities.list("club", "chronotrack", "participants")).toHaveLength(1);
    expect(entities.list("club", "events/ev-00000000000000000001", "participants")).toContainEqual(
      expect.objectContaining({ cancelled: true }),
    );
    expect(counts.removed).toBe(1);
  });

  it("pushes a value set in Pacer, not the registrations'", async () => {
    const first = setup();
    await unifyEvent(first.deps, "club", EVENT);
    const noah = first.entities
      .list("club", "chronotrack", "participants")
      .find((p) => p.firstName === "Noah");
    const owned = {
      [String(noah?.participantId)]: { bib: { value: "512", by: "timer", at: "2026-11-30T00:00:00Z" } },
    };
    const { deps, entities } = setup(owned);

    await unifyEvent(deps, "club", EVENT);

    expect(entities.list("club", "chronotrack", "participants")).toContainEqual(
      expect.objectContaining({ firstName: "Noah", bib: "512" }),
    );
  });
});
