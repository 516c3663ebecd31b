import { describe, expect, it } from "vitest";
import { NotFoundError, ValidationError } from "#core/errors.ts";
import { createEvent, listParticipants, updateParticipant } from "#core/race/events.ts";
import { aParticipant, eventBody, setup } from "./events-fakes.ts";

const ANA = "p-0000000000000000000a";
const BEN = "p-0000000000000000000b";

/** acme's event whose list holds Ana and Ben. */
async function withParticipants() {
  const world = setup();
  const { eventId } = await createEvent(world.deps, "acme", eventBody());
  world.storeParticipants("acme", eventId, [
    aParticipant(BEN, { eventId, fields: { firstName: "Ben", lastName: "Ott" } }),
    aParticipant(ANA, { eventId }),
  ]);
  return { ...world, eventId };
}

describe("listParticipants", () => {
  it("lists the event's unified participants by id", async () => {
    const { deps, eventId } = await withParticipants();

    const { participants } = await listParticipants(deps, "acme", eventId);

    expect(participants.map((p) => [p.participantId, p.fields.firstName])).toEqual([
      [ANA, "Ana"],
      [BEN, "Ben"],
    ]);
  });

  it("lists nothing for an event no unification has run for yet", async () => {
    const { deps } = setup();
    const { eventId } = await createEvent(deps, "acme", eventBody());

    expect(await listParticipants(deps, "acme", eventId)).toEqual({ participants: [], refresh: [] });
  });
});

describe("updateParticipant", () => {
  it("sets an owned value, by the caller and now, then re-unifies and answers the participant as rebuilt", async () => {
    const { deps, events, unified, eventId } = await withParticipants();

    const participant = await updateParticipant(
      deps,
      "acme",
      eventId,
      ANA,
      { fields: { bib: " 42 ", lastName: "Ruiz-Soto" } },
      "timer@acme",
    );

    expect(await events.owned("acme", eventId)).toEqual({
      [ANA]: {
        bib: { value: "42", by: "timer@acme", at: "2026-04-01T09:00:00.000Z" },
        lastName: { value: "Ruiz-Soto", by: "timer@acme", at: "2026-04-01T09:00:00.000Z" },
      },
    });
    expect(unified.map((u) => [u.tenantId, u.event.eventId])).toEqual([["acme", eventId]]);
    expect(participant).toMatchObject({
      participantId: ANA,
      fields: { firstName: "Ana", lastName: "Ruiz-Soto", bib: "42" },
      origins: {
        bib: { kind: "pacer", by: "timer@acme", at: "2026-04-01T09:00:00.000Z" },
        firstName: { kind: "registration", source: "signup:500:1" },
      },
    });
  });

  it("names the tenant as who set it when the caller has no subject", async () => {
    const { deps, events, eventId } = await withParticipants();

    await updateParticipant(deps, "acme", eventId, ANA, { fields: { bib: "42" } });

    expect((await events.owned("acme", eventId))[ANA]?.bib?.by).toBe("acme");
  });

  it("releases a field with null: the registrations' value comes back, the other owned values stay", async () => {
    const { deps, events, eventId, advance } = await withParticipants();
    await updateParticipant(deps, "acme", eventId, ANA, { fields: { bib: "42", team: "Harriers" } }, "timer");
    advance(60_000);

    const participant = await updateParticipant(
      deps,
      "acme",
      eventId,
      ANA,
      { fields: { bib: null } },
      "timer",
    );

    expect(participant.fields).toMatchObject({ bib: "101", team: "Harriers" });
    expect(participant.origins.bib).toEqual({ kind: "registration", source: "signup:500:1" });
    expect(await events.owned("acme", eventId)).toEqual({
      [ANA]: { team: { value: "Harriers", by: "timer", at: "2026-04-01T09:00:00.000Z" } },
    });
  });

  it("answers 404 for a participant not in the event's list, setting nothing and unifying nothing", async () => {
    const { deps, events, unified, eventId } = await withParticipants();

    for (const participantId of ["p-ffffffffffffffffffff", "not-a-participant"]) {
      const attempt = updateParticipant(deps, "acme", eventId, participantId, { fields: { bib: "1" } });
      await expect(attempt).rejects.toThrow(NotFoundError);
      await expect(attempt).rejects.toThrow(
        `no participant ${JSON.stringify(participantId)} in event ${eventId}`,
      );
    }
    expect(await events.owned("acme", eventId)).toEqual({});
    expect(unified).toEqual([]);
  });

  it.each([
    [{}, "fields: required"],
    [{ fields: {} }, "fields: at least one field"],
    [{ fields: { shoeSize: "44" } }, "fields.shoeSize: not a known field"],
    [{ fields: { bib: "" } }, "fields.bib: "],
    [{ fields: { bib: "   " } }, "fields.bib: must not be blank; null releases the field"],
    [{ fields: { bib: 42 } }, "fields.bib: "],
    [{ fields: { bib: "1" }, note: "x" }, "note: not a known field"],
    [{ fields: { gender: "male" } }, "fields.gender: expected M, F or X"],
    [{ fields: { birthDate: "3/4/1990" } }, "fields.birthDate: expected YYYY-MM-DD"],
  ])("refuses %j, naming the field: %s", async (body, message) => {
    const { deps, events, unified, eventId } = await withParticipants();

    const attempt = updateParticipant(deps, "acme", eventId, ANA, body);

    await expect(attempt).rejects.toThrow(ValidationError);
    await expect(attempt).rejects.toThrow(message);
    expect(await events.owned("acme", eventId)).toEqual({});
    expect(unified).toEqual([]);
  });
});
