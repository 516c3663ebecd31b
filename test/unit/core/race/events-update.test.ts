import { describe, expect, it } from "vitest";
import { ConflictError, NotFoundError, ValidationError } from "#core/errors.ts";
import { createEvent, deleteEvent, getEvent, listEvents, updateEvent } from "#core/race/events.ts";
import { ACME, eventBody, setup } from "./events-fakes.ts";

async function withEvent(over: Record<string, unknown> = {}) {
  const world = setup();
  const view = await createEvent(world.deps, "acme", eventBody(over));
  return { ...world, id: view.eventId };
}

describe("updateEvent", () => {
  it("replaces the fields given, keeps the rest, and bumps the version", async () => {
    const { deps, advance, id } = await withEvent({ endsAt: "2026-05-03T14:00:00+02:00" });
    advance(60_000);

    const view = await updateEvent(deps, "acme", id, {
      version: 1,
      name: "Harbour 10K (new course)",
      registration: [
        { connectionId: ACME.signup, eventId: "500" },
        { connectionId: ACME.roster, eventId: "77" },
      ],
      scoring: { connectionId: ACME.timing, eventId: "9001" },
    });

    expect(view).toMatchObject({
      name: "Harbour 10K (new course)",
      startsAt: "2026-05-03T08:00:00+02:00",
      endsAt: "2026-05-03T14:00:00+02:00",
      registration: [
        { provider: "signup" },
        { connectionId: ACME.roster, provider: "roster", eventId: "77" },
      ],
      scoring: { connectionId: ACME.timing, provider: "timing", eventId: "9001", races: {} },
      createdAt: "2026-04-01T09:00:00.000Z",
      updatedAt: "2026-04-01T09:01:00.000Z",
      version: 2,
    });
    expect(await getEvent(deps, "acme", id)).toEqual(view);
  });

  it("removes the scoring target and the end with null", async () => {
    const { deps, id } = await withEvent({
      endsAt: "2026-05-03T14:00:00+02:00",
      scoring: { connectionId: ACME.timing, eventId: "9001" },
    });

    const view = await updateEvent(deps, "acme", id, { version: 1, scoring: null, endsAt: null });

    expect(view).toMatchObject({ scoring: null, endsAt: null, version: 2 });
  });

  it("refuses a change made from an older version with a conflict, changing nothing", async () => {
    const { deps, id } = await withEvent();
    await updateEvent(deps, "acme", id, { version: 1, name: "First" });

    const stale = updateEvent(deps, "acme", id, { version: 1, name: "Second" });

    await expect(stale).rejects.toThrow(ConflictError);
    await expect(stale).rejects.toThrow("the event is at version 2, not 1; read it again");
    expect(await getEvent(deps, "acme", id)).toMatchObject({ name: "First", version: 2 });
  });

  it("refuses with a conflict when another change lands between its read and its write", async () => {
    const { deps, events, id } = await withEvent();
    const read = events.get.bind(events);
    // Another writer gets there between this change's read and its write.
    events.get = async (tenantId, eventId) => {
      const record = await read(tenantId, eventId);
      events.touch(tenantId, eventId);
      return record;
    };

    await expect(updateEvent(deps, "acme", id, { version: 1, name: "Lost" })).rejects.toThrow(ConflictError);
    expect(await getEvent(deps, "acme", id)).toMatchObject({ name: "Harbour 10K" });
  });

  it.each([
    [{ name: "No version" }, "version: required"],
    [{ version: 1 }, "body: at least one of name, startsAt"],
    [
      { version: 1, startsAt: "2026-05-03T15:00:00+02:00", endsAt: "2026-05-03T14:00:00+02:00" },
      "endsAt: must be after startsAt",
    ],
    [{ version: 1, registration: [] }, "registration: "],
    [{ version: 1, tenantId: "globex" }, "tenantId: not a known field"],
  ])("refuses %j, naming the field: %s", async (patch, message) => {
    const { deps, id } = await withEvent();

    const attempt = updateEvent(deps, "acme", id, patch);

    await expect(attempt).rejects.toThrow(ValidationError);
    await expect(attempt).rejects.toThrow(message);
    expect((await getEvent(deps, "acme", id)).version).toBe(1);
  });

  it("checks the event as a whole: feeds replaced from under the scoring races are refused", async () => {
    const { deps, id } = await withEvent({
      scoring: { connectionId: ACME.timing, eventId: "9001", races: { [`${ACME.signup}:500`]: "10k" } },
    });

    const attempt = updateEvent(deps, "acme", id, {
      version: 1,
      registration: [{ connectionId: ACME.roster, eventId: "77" }],
    });

    await expect(attempt).rejects.toThrow(`scoring.races.${ACME.signup}:500: names no registration feed`);
  });
});

describe("deleteEvent", () => {
  it("removes the event and the values set for its participants, and leaves the others", async () => {
    const { deps, events, id } = await withEvent();
    const kept = await createEvent(deps, "acme", eventBody({ name: "Kept" }));
    await events.setOwned("acme", id, "p-0000000000000000000a", { bib: { value: "7", by: "u", at: "t" } });

    await deleteEvent(deps, "acme", id);

    await expect(getEvent(deps, "acme", id)).rejects.toThrow(NotFoundError);
    expect(await events.owned("acme", id)).toEqual({});
    expect((await listEvents(deps, "acme")).events.map((e) => e.eventId)).toEqual([kept.eventId]);
  });
});
