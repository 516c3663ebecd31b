import { describe, expect, it } from "vitest";
import { NotFoundError, ValidationError } from "#core/errors.ts";
import {
  createEvent,
  deleteEvent,
  getEvent,
  listEvents,
  listParticipants,
  updateEvent,
  updateParticipant,
} from "#core/race/events.ts";
import { aParticipant, eventBody, GLOBEX_SIGNUP, setup } from "./events-fakes.ts";

const PARTICIPANT = "p-0000000000000000000a";

/** acme's event, with one participant in its list. */
async function acmeEvent() {
  const world = setup();
  const view = await createEvent(world.deps, "acme", eventBody());
  world.storeParticipants("acme", view.eventId, [aParticipant(PARTICIPANT, { eventId: view.eventId })]);
  return { ...world, id: view.eventId };
}

/** The NotFoundError an attempt fails with, its message with the ids made alike. */
async function notFound(attempt: Promise<unknown>, ids: readonly string[]): Promise<string> {
  const error = await attempt.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NotFoundError);
  return ids.reduce((message, id) => message.replaceAll(id, "<id>"), (error as Error).message);
}

describe("another tenant's event", () => {
  it("is not listed", async () => {
    const { deps } = await acmeEvent();

    expect(await listEvents(deps, "globex")).toEqual({ events: [] });
  });

  it("reads, patches, deletes and lists participants as a missing one would, changing nothing", async () => {
    const { deps, events, unified, id } = await acmeEvent();
    const missing = "ev-ffffffffffffffffffff";
    const ids = [id, missing];

    const messages = new Set<string>();
    for (const [tenant, eventId] of [
      ["globex", id],
      ["acme", missing],
    ] as const) {
      messages.add(await notFound(getEvent(deps, tenant, eventId), ids));
      messages.add(await notFound(updateEvent(deps, tenant, eventId, { version: 1, name: "Mine now" }), ids));
      messages.add(await notFound(deleteEvent(deps, tenant, eventId), ids));
      messages.add(await notFound(listParticipants(deps, tenant, eventId), ids));
      messages.add(
        await notFound(updateParticipant(deps, tenant, eventId, PARTICIPANT, { fields: { bib: "1" } }), ids),
      );
    }

    expect(messages).toEqual(new Set(['no event "<id>"']));
    expect(await events.get("acme", id)).toMatchObject({ name: "Harbour 10K", version: 1 });
    expect(await events.owned("acme", id)).toEqual({});
    expect(unified).toEqual([]);
  });

  it("answers an id that is no event id as not found, without a read", async () => {
    const { deps } = setup();
    const reads: string[] = [];
    const spying = {
      ...deps,
      events: {
        ...deps.events,
        get: async (_t: string, eventId: string) => {
          reads.push(eventId);
          return undefined;
        },
      },
    };

    await expect(getEvent(spying, "acme", "../ev-1")).rejects.toThrow(NotFoundError);
    expect(reads).toEqual([]);
  });
});

describe("another tenant's connection", () => {
  it("cannot be referenced: refused exactly as a missing connection, on create and on patch", async () => {
    const { deps, events, id } = await acmeEvent();
    const theirs = { registration: [{ connectionId: GLOBEX_SIGNUP, eventId: "500" }] };
    const nobody = { registration: [{ connectionId: "c-ffffffffffffffffffff", eventId: "500" }] };
    const message = async (attempt: Promise<unknown>) => {
      const error = await attempt.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ValidationError);
      return (error as Error).message
        .replace(GLOBEX_SIGNUP, "<id>")
        .replace("c-ffffffffffffffffffff", "<id>");
    };

    const messages = new Set([
      await message(createEvent(deps, "acme", eventBody(theirs))),
      await message(createEvent(deps, "acme", eventBody(nobody))),
      await message(updateEvent(deps, "acme", id, { version: 1, ...theirs })),
      await message(updateEvent(deps, "acme", id, { version: 1, ...nobody })),
      await message(
        createEvent(deps, "acme", eventBody({ scoring: { connectionId: GLOBEX_SIGNUP, eventId: "1" } })),
      ),
    ]);

    expect(messages).toEqual(
      new Set([
        'registration[0].connectionId: no connection "<id>"',
        'scoring.connectionId: no connection "<id>"',
      ]),
    );
    expect(events.records.size).toBe(1);
    expect((await events.get("acme", id))?.version).toBe(1);
  });

  it("is usable by its own tenant", async () => {
    const { deps } = setup();

    const view = await createEvent(
      deps,
      "globex",
      eventBody({ registration: [{ connectionId: GLOBEX_SIGNUP, eventId: "500" }] }),
    );

    expect(view.registration).toEqual([{ connectionId: GLOBEX_SIGNUP, provider: "signup", eventId: "500" }]);
    expect((await listEvents(deps, "acme")).events).toEqual([]);
  });
});
