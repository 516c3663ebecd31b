import { describe, expect, it } from "vitest";
import { ValidationError } from "#core/errors.ts";
import { createEvent, getEvent, listEvents } from "#core/race/events.ts";
import { ACME, eventBody, setup } from "./events-fakes.ts";

/** The message a refused create answers with. */
async function refusal(body: unknown): Promise<string> {
  const { deps, events } = setup();
  const error = await createEvent(deps, "acme", body).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  expect(events.records.size).toBe(0);
  return (error as Error).message;
}

describe("createEvent", () => {
  it("records the event with each feed's provider and answers its view", async () => {
    const { deps, events } = setup();

    const view = await createEvent(
      deps,
      "acme",
      eventBody({
        endsAt: "2026-05-03T14:00:00+02:00",
        registration: [
          { connectionId: ACME.signup, eventId: "500" },
          { connectionId: ACME.roster, eventId: "ev.77" },
        ],
        scoring: { connectionId: ACME.timing, eventId: "9001", races: { [`${ACME.roster}:ev.77`]: "10k" } },
        rules: { email: { kind: "prefer", providers: ["roster"] } },
        providerOrder: ["signup", "roster"],
      }),
    );

    expect(view).toEqual({
      eventId: "ev-00000000000000000001",
      name: "Harbour 10K",
      startsAt: "2026-05-03T08:00:00+02:00",
      endsAt: "2026-05-03T14:00:00+02:00",
      registration: [
        { connectionId: ACME.signup, provider: "signup", eventId: "500" },
        { connectionId: ACME.roster, provider: "roster", eventId: "ev.77" },
      ],
      scoring: {
        connectionId: ACME.timing,
        provider: "timing",
        eventId: "9001",
        races: { [`${ACME.roster}:ev.77`]: "10k" },
        results: { eventId: "9001" },
      },
      rules: { email: { kind: "prefer", providers: ["roster"] } },
      providerOrder: ["signup", "roster"],
      topics: [
        "events/ev-00000000000000000001/participants",
        "events/ev-00000000000000000001/results",
        "events/ev-00000000000000000001/publications",
      ],
      createdAt: "2026-04-01T09:00:00.000Z",
      updatedAt: "2026-04-01T09:00:00.000Z",
      version: 1,
    });
    expect(events.records.get("acme#ev-00000000000000000001")).toMatchObject({
      tenantId: "acme",
      registration: [{ provider: "signup" }, { provider: "roster" }],
    });
  });

  it("shows what was not set as null or empty, and never the tenant", async () => {
    const { deps } = setup();

    const view = await createEvent(deps, "acme", eventBody());

    expect(view).toMatchObject({ endsAt: null, scoring: null, rules: {}, providerOrder: [] });
    expect(view).not.toHaveProperty("tenantId");
  });

  it("mints ev- and 20 hex digits by default, and lists the tenant's events soonest first", async () => {
    const { deps } = setup();
    const random = { ...deps, newId: undefined };

    const later = await createEvent(random, "acme", eventBody({ startsAt: "2026-09-01T08:00:00Z" }));
    const sooner = await createEvent(random, "acme", eventBody({ startsAt: "2026-06-01T08:00:00Z" }));

    expect(later.eventId).toMatch(/^ev-[0-9a-f]{20}$/);
    expect((await listEvents(deps, "acme")).events.map((e) => e.eventId)).toEqual([
      sooner.eventId,
      later.eventId,
    ]);
    expect(await getEvent(deps, "acme", later.eventId)).toEqual(later);
  });
});

describe("createEvent refuses, naming the field", () => {
  it.each([
    [{ ...eventBody(), name: undefined }, "name: required"],
    [eventBody({ name: "   " }), "name: must not be blank"],
    [eventBody({ name: "x".repeat(201) }), "name: "],
    [eventBody({ startsAt: "2026-05-03T08:00:00" }), "startsAt: expected ISO 8601 with Z or an offset"],
    [eventBody({ startsAt: "2026-13-45T08:00:00Z" }), "startsAt: not a real time"],
    [eventBody({ endsAt: "2026-05-03T06:00:00Z" }), "endsAt: must be after startsAt"],
    [eventBody({ registration: [] }), "registration: "],
    [
      eventBody({
        registration: Array.from({ length: 21 }, (_, i) => ({ connectionId: ACME.signup, eventId: `${i}` })),
      }),
      "registration: ",
    ],
    [
      eventBody({
        registration: [
          { connectionId: ACME.signup, eventId: "500" },
          { connectionId: "c-1", eventId: "5" },
        ],
      }),
      "registration[1].connectionId: expected c- and 20 lowercase hex digits",
    ],
    [
      eventBody({ registration: [{ connectionId: ACME.signup, eventId: "5 00" }] }),
      "registration[0].eventId: expected a letter or digit",
    ],
    [eventBody({ registration: [{ connectionId: ACME.signup }] }), "registration[0].eventId: required"],
    [
      eventBody({ registration: [{ connectionId: ACME.signup, eventId: "500", extra: 1 }] }),
      "registration[0].extra: not a known field",
    ],
    [eventBody({ venue: "harbour" }), "venue: not a known field"],
    [
      eventBody({
        registration: [
          { connectionId: ACME.signup, eventId: "500" },
          { connectionId: ACME.signup, eventId: "500" },
        ],
      }),
      "registration[1]: the same feed as an earlier one",
    ],
    [
      eventBody({
        scoring: { connectionId: ACME.timing, eventId: "9", races: { [`${ACME.roster}:1`]: "10k" } },
      }),
      `scoring.races.${ACME.roster}:1: names no registration feed of the event`,
    ],
    [eventBody({ rules: { shoeSize: { kind: "newest" } } }), "rules.shoeSize: not a known field"],
    [eventBody({ rules: { email: { kind: "loudest" } } }), 'rules.email.kind: expected {"kind":"newest"} or'],
    [
      eventBody({ rules: { email: { kind: "prefer", providers: ["timing"] } } }),
      "rules.email.providers[0]: not a registration provider (known: signup, roster)",
    ],
    [eventBody({ providerOrder: ["signup", "signup"] }), "providerOrder[1]: listed twice"],
  ])("%j → %s", async (body, message) => {
    expect(await refusal(body)).toContain(message);
  });

  it("a body that is no object", async () => {
    expect(await refusal([1, 2])).toMatch(/^body: /);
  });
});

describe("createEvent checks each connection's provider role", () => {
  it("refuses a scoring connection as a feed, and a registration one as the scoring target", async () => {
    const asFeed = await refusal(eventBody({ registration: [{ connectionId: ACME.timing, eventId: "1" }] }));
    const asScoring = await refusal(eventBody({ scoring: { connectionId: ACME.roster, eventId: "1" } }));

    expect(asFeed).toBe(
      "registration[0].connectionId: a connection to timing, not a registration provider (registration: signup, roster)",
    );
    expect(asScoring).toBe(
      "scoring.connectionId: a connection to roster, not a scoring provider (scoring: timing)",
    );
  });

  it("refuses a connection to a provider that has no race role", async () => {
    expect(
      await refusal(eventBody({ registration: [{ connectionId: ACME.openf1, eventId: "1" }] })),
    ).toContain("registration[0].connectionId: a connection to openf1, not a registration provider");
  });

  it("refuses a connection the tenant does not have", async () => {
    expect(
      await refusal(eventBody({ registration: [{ connectionId: "c-ffffffffffffffffffff", eventId: "1" }] })),
    ).toBe('registration[0].connectionId: no connection "c-ffffffffffffffffffff"');
  });
});
