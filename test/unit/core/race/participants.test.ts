import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type OwnedValue,
  PARTICIPANT_FIELDS,
  type ParticipantField,
  type SourceRegistration,
  unify,
} from "#core/race/participants.ts";
import type { Registrant } from "#providers/race/shapes.ts";

const registration = (provider: string, registrant: Partial<Registrant> & { registrationId: string }) =>
  ({ provider, registrant: { eventId: "5K", ...registrant } }) satisfies SourceRegistration;

const ana = {
  firstName: "Ana",
  lastName: "Silva",
  email: "ana.silva.140@example.com",
  birthDate: "1988-04-12",
  gender: "F" as const,
};

describe("unify", () => {
  it("makes one participant of a runner registered on two platforms with the email cased differently", () => {
    const list = unify([
      registration("runsignup", { registrationId: "500140", ...ana, modifiedAt: "2026-11-01T10:00:00Z" }),
      registration("raceroster", {
        registrationId: "88",
        ...ana,
        email: "Ana.Silva.140@Example.com",
        modifiedAt: "2026-11-02T10:00:00Z",
      }),
      registration("runsignup", { registrationId: "500141", firstName: "Noah", lastName: "King" }),
    ]);

    expect(list).toHaveLength(2);
    const one = list.find((p) => p.fields.firstName === "Ana");
    expect(one?.sources).toEqual(["raceroster:5K:88", "runsignup:5K:500140"]);
    // The casing differs, the address does not: no conflict; the newest registration's casing is kept.
    expect(one?.conflicts).toEqual([]);
    expect(one?.fields.email).toBe("Ana.Silva.140@Example.com");
  });

  it("keeps a parent and a child who share an email apart when their birth dates differ", () => {
    const list = unify([
      registration("runsignup", {
        registrationId: "1",
        firstName: "Maria",
        lastName: "Lopez",
        email: "lopez@example.com",
        birthDate: "1980-01-01",
      }),
      registration("runsignup", {
        registrationId: "2",
        firstName: "Lucia",
        lastName: "Lopez",
        email: "lopez@example.com",
        birthDate: "2014-06-01",
      }),
    ]);

    expect(list).toHaveLength(2);
  });

  it("decides on the bib before the email: two bibs are two people, the same bib is one", () => {
    const sameEmail = { email: "team@example.com", firstName: "A", lastName: "B" };
    const twoBibs = unify([
      registration("runsignup", { registrationId: "1", ...sameEmail, bib: "101" }),
      registration("haku", { registrationId: "x", ...sameEmail, bib: "102" }),
    ]);
    const oneBib = unify([
      registration("runsignup", { registrationId: "1", firstName: "Hugo", lastName: "Adams", bib: "7" }),
      registration("haku", {
        registrationId: "x",
        firstName: "H.",
        lastName: "Adams",
        bib: "7",
        email: "h@example.com",
      }),
    ]);

    expect(twoBibs).toHaveLength(2);
    expect(oneBib).toHaveLength(1);
  });

  it("matches on name and birth date when neither bib nor email is shared, accents and case aside", () => {
    const list = unify([
      registration("runsignup", {
        registrationId: "1",
        firstName: "José",
        lastName: "Núñez",
        birthDate: "1990-02-03",
      }),
      registration("haku", {
        registrationId: "h",
        firstName: "jose",
        lastName: "NUNEZ",
        birthDate: "1990-02-03",
      }),
    ]);

    expect(list).toHaveLength(1);
    expect(list[0]?.conflicts.map((c) => c.field).sort()).toEqual(["firstName", "lastName"]);
  });

  it("resolves a conflict by the field's rule and records it", () => {
    const records = [
      registration("runsignup", {
        registrationId: "1",
        ...ana,
        city: "Portland",
        modifiedAt: "2026-11-05T00:00:00Z",
      }),
      registration("raceroster", {
        registrationId: "2",
        ...ana,
        city: "Vancouver",
        modifiedAt: "2026-11-06T00:00:00Z",
      }),
    ];

    const newest = unify(records)[0];
    const preferRunSignUp = unify(records, {
      rules: { city: { kind: "prefer", providers: ["runsignup"] } },
    })[0];

    expect(newest?.fields.city).toBe("Vancouver");
    expect(newest?.conflicts).toEqual([
      {
        field: "city",
        values: [
          { source: "raceroster:5K:2", value: "Vancouver" },
          { source: "runsignup:5K:1", value: "Portland" },
        ],
        chosen: "Vancouver",
        resolvedBy: "newest",
      },
    ]);
    expect(preferRunSignUp?.fields.city).toBe("Portland");
    expect(preferRunSignUp?.origins.city).toEqual({ kind: "registration", source: "runsignup:5K:1" });
  });

  it("keeps a bib set in Pacer when a later sync carries none or another, and records the disagreement", () => {
    const first = unify([registration("runsignup", { registrationId: "1", ...ana })]);
    const id = first[0]?.participantId as string;
    const owned = { [id]: { bib: { value: "512", by: "timer@club", at: "2026-11-10T00:00:00Z" } } };

    const blank = unify([registration("runsignup", { registrationId: "1", ...ana, bib: "" })], { owned })[0];
    const other = unify(
      [
        registration("runsignup", {
          registrationId: "1",
          ...ana,
          bib: "77",
          modifiedAt: "2026-11-20T00:00:00Z",
        }),
      ],
      { owned },
    )[0];

    expect(blank?.fields.bib).toBe("512");
    expect(other?.fields.bib).toBe("512");
    expect(other?.origins.bib).toEqual({ kind: "pacer", by: "timer@club", at: "2026-11-10T00:00:00Z" });
    expect(other?.conflicts).toEqual([
      {
        field: "bib",
        values: [
          { source: "pacer", value: "512" },
          { source: "runsignup:5K:1", value: "77" },
        ],
        chosen: "512",
        resolvedBy: "owned",
      },
    ]);
  });

  it("marks a participant cancelled only when every registration of theirs is", () => {
    const list = unify([
      registration("runsignup", { registrationId: "1", ...ana, cancelled: true }),
      registration("raceroster", { registrationId: "2", ...ana }),
      registration("runsignup", {
        registrationId: "3",
        firstName: "Omar",
        lastName: "Hill",
        cancelled: true,
      }),
    ]);

    expect(list.map((p) => [p.fields.firstName, p.cancelled]).sort()).toEqual([
      ["Ana", false],
      ["Omar", true],
    ]);
  });
});

// Small pools, so that generated registrations collide on bibs, emails and names often.
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });
const registrationArb: fc.Arbitrary<SourceRegistration> = fc.record({
  provider: fc.constantFrom("runsignup", "raceroster", "haku"),
  registrant: fc.record({
    registrationId: fc.integer({ min: 1, max: 12 }).map(String),
    eventId: fc.constantFrom("5K", "10K"),
    firstName: maybe(fc.constantFrom("Ana", "ana", "Noah", "Mei", "José", "Jose")),
    lastName: maybe(fc.constantFrom("Silva", "King", "Núñez")),
    email: maybe(fc.constantFrom("a@example.com", "A@Example.com", "n@example.com", " ", "")),
    birthDate: maybe(fc.constantFrom("1988-04-12", "1990-02-03")),
    bib: maybe(fc.constantFrom("1", "2", "3", "")),
    city: maybe(fc.constantFrom("Portland", "Austin")),
    cancelled: maybe(fc.boolean()),
    modifiedAt: maybe(fc.constantFrom("2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z")),
  }),
});

describe("unify, for any registrations", () => {
  it("gives the same list whatever order the registrations come in", () => {
    fc.assert(
      fc.property(
        fc.array(registrationArb, { maxLength: 14 }),
        fc.infiniteStream(fc.nat()),
        (registrations, randoms) => {
          const shuffled = [...registrations]
            .map((r) => ({ r, key: randoms.next().value as number }))
            .sort((a, b) => a.key - b.key)
            .map(({ r }) => r);
          expect(unify(shuffled)).toEqual(unify(registrations));
        },
      ),
    );
  });

  it("never blanks or replaces a value set in Pacer, whatever a later sync carries", () => {
    const ownedArb = fc.dictionary(
      fc.constantFrom(...PARTICIPANT_FIELDS),
      fc
        .constantFrom("512", "Ana Maria", "1970-01-01")
        .map((value): OwnedValue => ({ value, by: "timer", at: "2026-11-10T00:00:00Z" })),
      { minKeys: 1 },
    );
    fc.assert(
      fc.property(
        fc.array(registrationArb, { minLength: 1, maxLength: 10 }),
        fc.array(registrationArb, { maxLength: 10 }),
        ownedArb,
        (before, later, edits) => {
          const participant = unify(before)[0];
          if (participant === undefined) return;
          const owned = { [participant.participantId]: edits };
          // The later sync: the same registrations, their values blanked or changed, plus others.
          const blanked = before.map((r) => ({
            ...r,
            registrant: {
              ...r.registrant,
              bib: "",
              email: "",
              firstName: " ",
              modifiedAt: "2027-01-01T00:00:00Z",
            },
          }));
          const after = unify([...blanked, ...later], { owned });
          const same = after.find((p) => p.participantId === participant.participantId);
          if (same === undefined) return; // matching split it from its first registration
          for (const [field, edit] of Object.entries(edits) as [ParticipantField, OwnedValue][]) {
            expect(same.fields[field]).toBe(edit.value);
          }
        },
      ),
    );
  });
});

describe("unify, run again on a changed list", () => {
  const first = (provider: string, id: string, extra: Partial<Registrant> = {}) =>
    registration(provider, { registrationId: id, ...ana, ...extra });
  const previousOf = (list: ReturnType<typeof unify>) =>
    new Map(list.flatMap((p) => p.sources.map((s) => [s, p.participantId] as const)));

  it("keeps a participant's id and its values set in Pacer when the runner registers on another platform", () => {
    const before = unify([first("runsignup", "500003")]);
    const id = before[0]?.participantId as string;
    const owned = { [id]: { bib: { value: "512", by: "timer", at: "2026-11-30T00:00:00Z" } } };

    // "raceroster:…" sorts before "runsignup:…": without the earlier ids it would name the participant.
    const after = unify([first("runsignup", "500003"), first("raceroster", "77")], {
      owned,
      previous: previousOf(before),
    });

    expect(after).toHaveLength(1);
    expect(after[0]?.participantId).toBe(id);
    expect(after[0]?.fields.bib).toBe("512");
  });

  it("joins two earlier participants under the lesser id, with the values set in Pacer for both", () => {
    const before = unify([
      first("runsignup", "1", { email: "a@example.com", birthDate: "1980-01-01" }),
      first("haku", "h", {
        email: "b@example.com",
        birthDate: undefined,
        firstName: "Noah",
        lastName: "King",
      }),
    ]);
    const [low, high] = before.map((p) => p.participantId).sort();
    const owned = {
      [low as string]: { bib: { value: "7", by: "timer", at: "2026-11-30T00:00:00Z" } },
      [high as string]: { team: { value: "Harriers", by: "timer", at: "2026-11-30T00:00:00Z" } },
    };

    // A new registration carries both emails' people's key: the bib both share now.
    const joined = unify(
      [
        first("runsignup", "1", { email: "a@example.com", birthDate: "1980-01-01", bib: "7" }),
        first("haku", "h", { email: "b@example.com", firstName: "Noah", lastName: "King", bib: "7" }),
      ],
      { owned, previous: previousOf(before) },
    );

    expect(joined).toHaveLength(1);
    expect(joined[0]?.participantId).toBe(low);
    expect(joined[0]?.fields).toMatchObject({ bib: "7", team: "Harriers" });
  });

  it("gives the same list whatever order the registrations come in, with earlier ids too", () => {
    fc.assert(
      fc.property(
        fc.array(registrationArb, { maxLength: 12 }),
        fc.array(registrationArb, { maxLength: 6 }),
        (before, more) => {
          const previous = previousOf(unify(before));
          const all = [...before, ...more];
          expect(unify([...all].reverse(), { previous })).toEqual(unify(all, { previous }));
          // No two participants ever share an id.
          const ids = unify(all, { previous }).map((p) => p.participantId);
          expect(new Set(ids).size).toBe(ids.length);
        },
      ),
    );
  });
});
