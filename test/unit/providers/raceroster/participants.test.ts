import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { racerosterModule } from "#providers/raceroster/index.ts";
import type { Page, ProviderRequest } from "#providers/types.ts";
import {
  drain,
  failure,
  idsOf,
  json,
  participant,
  queryOf,
  runOf,
  storedEvent,
  storeOf,
  stubFetch,
} from "./fixtures.ts";

/** Participants per event id, answered in the assumed `{data, metadata}` shape, offset/limit paged. */
function participantsRoute(byEvent: Readonly<Record<string, number>>, firstId = 1) {
  return (request: ProviderRequest) => {
    const eventId = request.path.split("/")[2] ?? "";
    const count = byEvent[eventId];
    if (count === undefined) return json(404, { message: "Event not found" });
    const { offset = "0", limit = "100" } = queryOf(request);
    const rows = Array.from({ length: count }, (_, i) =>
      participant(firstId + i, { subEventId: Number(`${eventId}1`) }),
    );
    const page = rows.slice(Number(offset), Number(offset) + Number(limit));
    return json(200, { data: page, metadata: { offset: Number(offset), limit: Number(limit) } });
  };
}

const registrants = (pages: readonly Page[]) => idsOf(pages, "registrants");

describe("participants", () => {
  it("reads one event's participants 100 at a time, checkpointing after each full page", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(participantsRoute({ 7301: 230 }));

    // Act
    const pages = await drain({ syncType: "participants", fetch, params: { eventId: "7301" } });

    // Assess
    expect(requests.map((r) => [r.path, r.query])).toEqual([
      ["/events/7301/participants", "offset=0&limit=100"],
      ["/events/7301/participants", "offset=100&limit=100"],
      ["/events/7301/participants", "offset=200&limit=100"],
    ]);
    expect(pages.map((p) => p.checkpoint)).toEqual([
      { eventId: "7301", offset: 100 },
      { eventId: "7301", offset: 200 },
      undefined,
    ]);
    expect(registrants(pages)).toHaveLength(230);
    expect(registrants(pages)[0]).toBe("7301.73011:1");
  });

  it("without an eventId, reads every stored event's parent once, in ascending order", async () => {
    // Prepare
    const store = storeOf([storedEvent(7401, 74011), storedEvent(7301, 73011), storedEvent(7301, 73012)]);
    const { fetch, requests } = stubFetch(participantsRoute({ 7301: 3, 7401: 2 }));

    // Act
    const pages = await drain({ syncType: "participants", fetch, store });

    // Assess
    expect(requests.map((r) => r.path)).toEqual(["/events/7301/participants", "/events/7401/participants"]);
    expect(pages.map((p) => p.checkpoint)).toEqual([{ eventId: "7401", offset: 0 }, undefined]);
    expect(registrants(pages)).toEqual([
      "7301.73011:1",
      "7301.73011:2",
      "7301.73011:3",
      "7401.74011:1",
      "7401.74011:2",
    ]);
  });

  it("resumes at its checkpoint's event and offset, asking nothing it had asked before", async () => {
    // Prepare
    const store = storeOf([storedEvent(7201, 72011), storedEvent(7301, 73011), storedEvent(7401, 74011)]);
    const { fetch, requests } = stubFetch(participantsRoute({ 7201: 5, 7301: 150, 7401: 1 }));

    // Act
    await drain({ syncType: "participants", fetch, store, checkpoint: { eventId: "7301", offset: 100 } });

    // Assess
    expect(requests.map((r) => `${r.path}?${r.query}`)).toEqual([
      "/events/7301/participants?offset=100&limit=100",
      "/events/7401/participants?offset=0&limit=100",
    ]);
  });

  it("passes over a stored event Race Roster no longer knows", async () => {
    // Prepare
    const store = storeOf([storedEvent(7201, 72011), storedEvent(7301, 73011)]);
    const { fetch } = stubFetch(participantsRoute({ 7301: 2 }));

    // Act
    const pages = await drain({ syncType: "participants", fetch, store });

    // Assess
    expect(registrants(pages)).toEqual(["7301.73011:1", "7301.73011:2"]);
  });

  it("fails on an unknown event asked for by its eventId", async () => {
    // Prepare
    const { fetch } = stubFetch(participantsRoute({}));

    // Act
    const error = await failure({ syncType: "participants", fetch, params: { eventId: "9999" } });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_REJECTED", status: 404 });
    expect((error as Error).message).toMatch(/event 9999 not found/);
  });

  it("makes no call when no event is stored", async () => {
    // Prepare
    const { fetch, requests, tokenRequests } = stubFetch(participantsRoute({}));

    // Act
    const pages = await drain({ syncType: "participants", fetch });

    // Assess
    expect([pages, requests, tokenRequests]).toEqual([[], [], []]);
  });

  it("fails as malformed on an answer without the assumed data key, naming it", async () => {
    // Prepare
    const { fetch } = stubFetch(() => json(200, { participants: [participant(1)], metadata: {} }));

    // Act
    const error = await failure({ syncType: "participants", fetch, params: { eventId: "7301" } });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_MALFORMED" });
    expect((error as Error).message).toContain('"data"');
  });

  it("never loses or repeats a registrant, however many there are and wherever a run resumes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 450 }),
        fc.integer({ min: 0, max: 4 }),
        async (count, stopAfter) => {
          // Prepare: a first leg stops after `stopAfter` pages; a second resumes from its checkpoint.
          const store = storeOf([storedEvent(7301, 73011), storedEvent(7401, 74011)]);
          const route = participantsRoute({ 7301: count, 7401: 7 });
          const first = stubFetch(route);
          const seen: string[] = [];
          let checkpoint: Page["checkpoint"];
          let pages = 0;
          for await (const page of racerosterModule.sync(
            runOf({ syncType: "participants", fetch: first.fetch, store }),
          )) {
            seen.push(...registrants([page]));
            checkpoint = page.checkpoint;
            if (++pages > stopAfter) break;
          }

          // Act
          const second = stubFetch(route);
          const rest =
            checkpoint === undefined
              ? []
              : await drain({ syncType: "participants", fetch: second.fetch, store, checkpoint });

          // Assess
          const all = [...seen, ...registrants(rest)];
          expect(all).toHaveLength(count + 7);
          expect(new Set(all).size).toBe(count + 7);
          const asked = [...first.requests, ...second.requests].map((r) => `${r.path}?${r.query}`);
          expect(new Set(asked).size).toBe(asked.length);
        },
      ),
      { numRuns: 40 },
    );
  });
});
