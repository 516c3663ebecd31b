import { describe, expect, it } from "vitest";
import { eventEntities, registrantEntity } from "#providers/raceroster/mapping.ts";
import { eventSchema } from "#providers/raceroster/schemas.ts";
import { event, participant, subEvent } from "./fixtures.ts";

const where = "Race Roster /events/7301/participants row 0";

describe("eventEntities", () => {
  it("makes one event per sub-event, named by the sub-event, within the race of its parent", () => {
    // Prepare
    const payload = eventSchema.parse(event(7301, { name: "Harbour Run" }));

    // Act
    const entities = eventEntities(payload);

    // Assess
    expect(entities).toEqual([
      {
        type: "events",
        id: "7301.73011",
        data: {
          eventId: "7301.73011",
          raceId: "7301",
          name: "5K",
          raceName: "Harbour Run",
          startsAt: "2026-03-12T18:00:00+00:00",
          distance: "5 km",
        },
      },
      {
        type: "events",
        id: "7301.73012",
        data: {
          eventId: "7301.73012",
          raceId: "7301",
          name: "10K",
          raceName: "Harbour Run",
          startsAt: "2026-03-12T18:00:00+00:00",
          distance: "10 km",
        },
      },
    ]);
  });

  it("takes the distance from subEventDistance when the sub-event gives no distance, and none when neither does", () => {
    // Prepare
    const payload = eventSchema.parse(
      event(7401, {
        subEvents: {
          data: [
            { subEventId: 74011, name: "Half", subEventDistance: { inMeters: 21097, type: "running" } },
            { subEventId: 74012, name: "Kids dash" },
            subEvent(74013, "Mile", 1, "mi"),
          ],
        },
      }),
    );

    // Act
    const distances = eventEntities(payload).map((e) => e.data.distance);

    // Assess
    expect(distances).toEqual(["21097 m", undefined, "1 mi"]);
  });

  it("makes nothing of an event without sub-events", () => {
    // Prepare
    const payload = eventSchema.parse(event(7501, { subEvents: null }));

    // Act
    const entities = eventEntities(payload);

    // Assess
    expect(entities).toEqual([]);
  });
});

describe("registrantEntity", () => {
  it("maps an assumed participant row to a registrant of its sub-event", () => {
    // Prepare
    const row = participant(880140);

    // Act
    const entity = registrantEntity("7301", row, where);

    // Assess
    expect(entity).toEqual({
      type: "registrants",
      id: "7301.73011:880140",
      data: {
        registrationId: "880140",
        eventId: "7301.73011",
        firstName: "Ana",
        lastName: "Silva",
        email: "Ana.Silva.140@Example.com",
        birthDate: "1984-07-09",
        gender: "F",
        bib: "1402",
        city: "Vancouver",
        region: "BC",
        country: "CA",
        modifiedAt: "2026-03-01T10:00:00+00:00",
      },
    });
  });

  it.each([
    [0, undefined],
    [1, "M"],
    [2, "F"],
    [8, undefined],
    [9, "X"],
    ["1", "M"],
    [7, undefined],
  ])("reads the documented gender code %j as %j", (code, gender) => {
    // Prepare
    const row = participant(1, { gender: code });

    // Act
    const entity = registrantEntity("7301", row, where);

    // Assess
    expect(entity.data.gender).toBe(gender);
  });

  it("marks a registration cancelled by its flag or by a cancelling status word", () => {
    // Prepare
    const rows = [
      participant(1, { cancelled: true }),
      participant(2, { status: "Refunded" }),
      participant(3, { status: "active", cancelled: false }),
    ];

    // Act
    const cancelled = rows.map((row) => registrantEntity("7301", row, where).data.cancelled);

    // Assess
    expect(cancelled).toEqual([true, true, undefined]);
  });

  it("reads the alternative names, a country object, a birth datetime and a numeric bib", () => {
    // Prepare
    const row = {
      participantId: 42,
      subEventId: "73012",
      firstName: "  Noah ",
      lastName: "King",
      dateOfBirth: "1990-01-31T00:00:00+00:00",
      bibNumber: 17,
      state: "OR",
      country: { code: "US" },
      email: "",
    };

    // Act
    const entity = registrantEntity("7301", row, where);

    // Assess
    expect(entity).toEqual({
      type: "registrants",
      id: "7301.73012:42",
      data: {
        registrationId: "42",
        eventId: "7301.73012",
        firstName: "Noah",
        lastName: "King",
        birthDate: "1990-01-31",
        bib: "17",
        region: "OR",
        country: "US",
      },
    });
  });

  it("files a row that names no sub-event under its parent event", () => {
    // Prepare
    const { subEventId: _, ...row } = participant(5);

    // Act
    const entity = registrantEntity("7301", row, where);

    // Assess
    expect(entity.id).toBe("7301:5");
    expect(entity.data.eventId).toBe("7301");
  });

  it("refuses a row without an id, naming the assumed fields and the row", () => {
    // Prepare
    const { registrationId: _, ...row } = participant(5);

    // Act
    const act = () => registrantEntity("7301", row, where);

    // Assess
    expect(act).toThrow(expect.objectContaining({ code: "PROVIDER_MALFORMED" }));
    expect(act).toThrow(/row 0 has no registrationId or participantId/);
  });
});
