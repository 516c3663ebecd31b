import { describe, expect, it } from "vitest";
import {
  eventEntity,
  genderOf,
  isoDate,
  isoDateTime,
  registrantFromDetail,
  registrantFromSummary,
  splitFullName,
  summaryDigest,
} from "#providers/haku/mapping.ts";
import { eventSchema, registrationSchema, summarySchema } from "#providers/haku/schemas.ts";
import { EVENT_ID, hakuEvent, registration, summary } from "./fixtures.ts";

const parsedSummary = (overrides: Record<string, unknown> = {}) =>
  summarySchema.parse(summary("7001", overrides));

describe("Haku mapping", () => {
  it("maps an event to a RaceEvent with UTC start and end from its mixed datetime formats", () => {
    // Prepare
    const event = eventSchema.parse(hakuEvent(EVENT_ID));

    // Act
    const entity = eventEntity(event);

    // Assess
    expect(entity).toEqual({
      type: "events",
      id: EVENT_ID,
      data: {
        eventId: EVENT_ID,
        name: "Lakeside Trail Half",
        startsAt: "2026-05-02T08:00:00.000Z",
        endsAt: "2026-05-02T12:00:00.000Z",
        distance: "Half Marathon",
      },
    });
  });

  it("falls back to the id for a nameless event, and leaves out dates it cannot read", () => {
    // Prepare
    const event = eventSchema.parse(
      hakuEvent("77", { name: null, event_date: "May 2nd", event_end_date: null }),
    );

    // Act
    const { data } = eventEntity(event);

    // Assess
    expect(data).toEqual({ eventId: "77", name: "77", distance: "Half Marathon" });
  });

  it.each([
    ["2026-05-02 08:00:00", "2026-05-02T08:00:00.000Z"],
    ["2026-05-02T08:00:00", "2026-05-02T08:00:00.000Z"],
    ["2026-05-02T08:00:00Z", "2026-05-02T08:00:00.000Z"],
    ["2026-05-02T08:00:00.250Z", "2026-05-02T08:00:00.250Z"],
    ["2026-05-02T10:00:00+02:00", "2026-05-02T08:00:00.000Z"],
    ["2026-05-02", "2026-05-02T00:00:00.000Z"],
    ["02/05/2026", undefined],
    ["", undefined],
    [null, undefined],
  ])("reads the datetime %j as %j", (input, expected) => {
    expect(isoDateTime(input)).toBe(expected);
  });

  it.each([
    ["1991-07-04", "1991-07-04"],
    ["1991-07-04 00:00:00", "1991-07-04"],
    ["1991-07-04T00:00:00Z", "1991-07-04"],
    ["1991-02-30", undefined],
    ["07/04/1991", undefined],
  ])("reads the birth date %j as %j, never shifting it by a zone", (input, expected) => {
    expect(isoDate(input)).toBe(expected);
  });

  it("maps a registration's detail: names, birth date, bib and chip from its event category", () => {
    // Prepare
    const detail = registrationSchema.parse(registration("7001"));

    // Act
    const registrant = registrantFromDetail(EVENT_ID, detail, parsedSummary());

    // Assess
    expect(registrant).toEqual({
      registrationId: "7001",
      eventId: EVENT_ID,
      firstName: "Ana Maria",
      lastName: "Silva7001",
      email: "ana.7001@example.com",
      birthDate: "1991-07-04",
      gender: "F",
      bib: "1042",
      chip: "HK00A1B2",
      city: "Portland",
      region: "OR",
      country: "US",
      team: "Lakeside Striders",
      cancelled: false,
      modifiedAt: "2026-03-02T11:00:00.000Z",
    });
  });

  it("takes the bib from the active category that has one, and numbers as strings", () => {
    // Prepare
    const detail = registrationSchema.parse(
      registration("7001", {
        event_categories: [
          { id: 1, name: "10K", is_active: false, tag_number: 9, chip_number: null },
          { id: 2, name: "Half", is_active: true, tag_number: null, chip_number: null },
          { id: 3, name: "Half", is_active: true, tag_number: 1043, chip_number: 55 },
        ],
      }),
    );

    // Act
    const registrant = registrantFromDetail(EVENT_ID, detail, parsedSummary());

    // Assess
    expect(registrant).toMatchObject({ bib: "1043", chip: "55" });
  });

  it("leaves out what a sparse detail does not say, falling back to the summary's email and gender", () => {
    // Prepare
    const detail = registrationSchema.parse({
      registration_number: 7001,
      participant: { first_name: " Li " },
    });

    // Act
    const registrant = registrantFromDetail(EVENT_ID, detail, parsedSummary({ gender: "M" }));

    // Assess
    expect(registrant).toEqual({
      registrationId: "7001",
      eventId: EVENT_ID,
      firstName: "Li",
      email: "ana.7001@example.com",
      gender: "M",
      team: "Lakeside Striders",
      cancelled: false,
    });
  });

  it("maps a cancelled summary alone, splitting the full name when nothing is stored", () => {
    // Prepare
    const cancelled = parsedSummary({ is_cancelled: true, team: null });

    // Act
    const registrant = registrantFromSummary(EVENT_ID, cancelled);

    // Assess
    expect(registrant).toEqual({
      registrationId: "7001",
      eventId: EVENT_ID,
      firstName: "Ana",
      lastName: "Maria Silva7001",
      email: "ana.7001@example.com",
      gender: "F",
      cancelled: true,
    });
  });

  it("keeps a stored registrant's names and bib when it maps its cancellation from the summary", () => {
    // Prepare
    const stored = {
      registrationId: "7001",
      eventId: EVENT_ID,
      firstName: "Ana Maria",
      lastName: "Silva7001",
      bib: "1042",
      birthDate: "1991-07-04",
      cancelled: false,
    };

    // Act
    const registrant = registrantFromSummary(EVENT_ID, parsedSummary({ is_cancelled: true }), stored);

    // Assess
    expect(registrant).toMatchObject({
      firstName: "Ana Maria",
      lastName: "Silva7001",
      bib: "1042",
      cancelled: true,
    });
  });

  it.each([
    ["M", "M"],
    ["male", "M"],
    ["Female", "F"],
    ["f", "F"],
    ["Non-Binary", "X"],
    ["unknown", undefined],
    [null, undefined],
  ])("reads the gender %j as %j", (input, expected) => {
    expect(genderOf(input)).toBe(expected);
  });

  it.each([
    ["Ana Silva", ["Ana", "Silva"]],
    ["  Mary  Ann   Lee ", ["Mary", "Ann Lee"]],
    ["Cher", ["Cher", undefined]],
    [null, [undefined, undefined]],
  ])("splits the full name %j at its first space", (input, expected) => {
    expect(splitFullName(input)).toEqual(expected);
  });

  it("digests a summary the same whatever its key order, and differently when a value changes", () => {
    // Prepare
    const one = parsedSummary();
    const reordered = summarySchema.parse(Object.fromEntries(Object.entries(summary("7001")).reverse()));

    // Act
    const digests = [
      summaryDigest(one),
      summaryDigest(reordered),
      summaryDigest(parsedSummary({ email: "x@y.z" })),
    ];

    // Assess
    expect(digests[0]).toBe(digests[1]);
    expect(digests[2]).not.toBe(digests[0]);
  });
});
