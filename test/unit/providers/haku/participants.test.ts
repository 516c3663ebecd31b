import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PermitUnavailableError } from "#core/errors.ts";
import { hakuModule } from "#providers/haku/index.ts";
import type { Checkpoint, Entity, Page, ProviderRequest } from "#providers/types.ts";
import {
  drain,
  EVENT_ID,
  entitiesOf,
  failure,
  json,
  queryOf,
  registration,
  runOf,
  storedEvent,
  storeOf,
  stubFetch,
  summary,
} from "./fixtures.ts";

/** Haku as the participants sync sees it: per event, its summaries (in list order) and details. */
function hakuOf(events: Record<string, readonly ReturnType<typeof summary>[]>, envelope = false) {
  return (request: ProviderRequest) => {
    const [, , eventId = "", what, number] = request.path.split("/");
    const rows = events[decodeURIComponent(eventId)];
    if (rows === undefined) return json(404, { message: "Event not found" });
    if (what === "participants") {
      const query = queryOf(request);
      const page = Number(query.get("page"));
      const perPage = Number(query.get("per_page"));
      const slice = rows.slice((page - 1) * perPage, page * perPage);
      return json(200, envelope ? { participants: slice } : slice);
    }
    const row = rows.find((r) => r.registration_number === number);
    return row
      ? json(200, registration(row.registration_number))
      : json(404, { message: "Registration not found" });
  };
}

const summaries = (count: number, from = 1) =>
  Array.from({ length: count }, (_, i) => summary(String(7000 + from + i)));
const isList = (r: ProviderRequest) => r.path.endsWith("/participants");
const isDetail = (r: ProviderRequest) => r.path.includes("/registrations/");
const detailNumbers = (requests: readonly ProviderRequest[]) =>
  requests.filter(isDetail).map((r) => r.path.split("/").at(-1));
const stored = (pages: readonly Page[]) => pages.flatMap((p) => p.entities);
const oneEvent = { syncType: "participants", params: { eventId: EVENT_ID } } as const;

describe("participants", () => {
  it("fetches one detail per new registration, each as a page whose checkpoint names the next row", async () => {
    // Prepare
    const { fetch, apiCalls } = stubFetch(hakuOf({ [EVENT_ID]: summaries(3) }));

    // Act
    const pages = await drain({ ...oneEvent, fetch });

    // Assess
    expect(apiCalls().map((r) => r.path)).toEqual([
      `/events/${EVENT_ID}/participants`,
      `/events/${EVENT_ID}/registrations/7001`,
      `/events/${EVENT_ID}/registrations/7002`,
      `/events/${EVENT_ID}/registrations/7003`,
    ]);
    expect(Object.fromEntries(queryOf(apiCalls()[0]))).toEqual({
      page: "1",
      per_page: "100",
      sort_column: "updated_at",
      sort_direction: "desc",
    });
    expect(pages.map((p) => p.checkpoint)).toEqual([
      { eventId: EVENT_ID, page: 1, row: 1 },
      { eventId: EVENT_ID, page: 1, row: 2 },
      undefined,
    ]);
    expect(entitiesOf(pages, "registrants").map((e) => e.id)).toEqual(
      ["7001", "7002", "7003"].map((n) => `${EVENT_ID}:${n}`),
    );
    expect(entitiesOf(pages, "registrants")[0]?.data).toMatchObject({ bib: "1042", birthDate: "1991-07-04" });
  });

  it("makes no detail call for a registration whose summary is unchanged since it was mapped", async () => {
    // Prepare: a first run stored every registrant and summary digest.
    const haku = hakuOf({ [EVENT_ID]: summaries(3) });
    const first = await drain({ ...oneEvent, fetch: stubFetch(haku).fetch });
    const { fetch, apiCalls } = stubFetch(haku);

    // Act
    const pages = await drain({ ...oneEvent, fetch, store: storeOf(stored(first)) });

    // Assess
    expect(apiCalls().filter(isDetail)).toEqual([]);
    expect(pages).toEqual([{ entities: [] }]);
  });

  it("fetches the detail again only for the registration whose summary changed", async () => {
    // Prepare
    const before = summaries(3);
    const first = await drain({ ...oneEvent, fetch: stubFetch(hakuOf({ [EVENT_ID]: before })).fetch });
    const after = before.map((s) =>
      s.registration_number === "7002" ? { ...s, email: "new@example.com" } : s,
    );
    const { fetch, apiCalls } = stubFetch(hakuOf({ [EVENT_ID]: after }));

    // Act
    await drain({ ...oneEvent, fetch, store: storeOf(stored(first)) });

    // Assess
    expect(detailNumbers(apiCalls())).toEqual(["7002"]);
  });

  it("maps a cancelled registration from its summary alone, keeping the bib an earlier detail gave", async () => {
    // Prepare
    const before = summaries(2);
    const first = await drain({ ...oneEvent, fetch: stubFetch(hakuOf({ [EVENT_ID]: before })).fetch });
    const after = before.map((s) => (s.registration_number === "7001" ? { ...s, is_cancelled: true } : s));
    const { fetch, apiCalls } = stubFetch(hakuOf({ [EVENT_ID]: after }));

    // Act
    const pages = await drain({ ...oneEvent, fetch, store: storeOf(stored(first)) });

    // Assess
    expect(apiCalls().filter(isDetail)).toEqual([]);
    expect(entitiesOf(pages, "registrants").map((e) => e.data)).toEqual([
      expect.objectContaining({
        registrationId: "7001",
        cancelled: true,
        bib: "1042",
        firstName: "Ana Maria",
      }),
    ]);
    expect(entitiesOf(pages, "registrationSummaries").map((e) => e.id)).toEqual([`${EVENT_ID}:7001`]);
  });

  it("resumes at its checkpoint's row: one list call again, and no detail call repeated", async () => {
    // Prepare
    const { fetch, apiCalls } = stubFetch(hakuOf({ [EVENT_ID]: summaries(4) }));
    const checkpoint = { eventId: EVENT_ID, page: 1, row: 2 };

    // Act
    const pages = await drain({ ...oneEvent, fetch, checkpoint });

    // Assess
    expect(apiCalls().filter(isList)).toHaveLength(1);
    expect(detailNumbers(apiCalls())).toEqual(["7003", "7004"]);
    expect(pages.at(-1)?.checkpoint).toBeUndefined();
  });

  it("pages the list 100 summaries at a time, with the next list page in the checkpoint", async () => {
    // Prepare: the first 100 are stored unchanged, the 50 after them are new.
    const rows = summaries(150);
    const first = await drain({
      ...oneEvent,
      fetch: stubFetch(hakuOf({ [EVENT_ID]: rows.slice(0, 100) })).fetch,
    });
    const { fetch, apiCalls } = stubFetch(hakuOf({ [EVENT_ID]: rows }));

    // Act
    const pages = await drain({ ...oneEvent, fetch, store: storeOf(stored(first)) });

    // Assess
    expect(
      apiCalls()
        .filter(isList)
        .map((r) => queryOf(r).get("page")),
    ).toEqual(["1", "2"]);
    expect(apiCalls().filter(isDetail)).toHaveLength(50);
    expect(pages[0]).toEqual({ entities: [], checkpoint: { eventId: EVENT_ID, page: 2, row: 0 } });
  });

  it("without an eventId, syncs every stored event in id order, moving the checkpoint to the next one", async () => {
    // Prepare
    const { fetch, apiCalls } = stubFetch(hakuOf({ a1: summaries(1), b2: summaries(1, 5) }));
    const store = storeOf([storedEvent("b2"), storedEvent("a1")]);

    // Act
    const pages = await drain({ syncType: "participants", fetch, store });

    // Assess
    expect(apiCalls().map((r) => r.path)).toEqual([
      "/events/a1/participants",
      "/events/a1/registrations/7001",
      "/events/b2/participants",
      "/events/b2/registrations/7005",
    ]);
    expect(pages.map((p) => p.checkpoint)).toEqual([{ eventId: "b2", page: 1, row: 0 }, undefined]);
  });

  it("keeps to the connection's eventIds among the stored events", async () => {
    // Prepare
    const { fetch, apiCalls } = stubFetch(hakuOf({ a1: summaries(1), b2: summaries(1) }));
    const store = storeOf([storedEvent("a1"), storedEvent("b2")]);

    // Act
    await drain({ syncType: "participants", fetch, store, settings: { eventIds: ["b2"] } });

    // Assess
    expect(
      apiCalls()
        .filter(isList)
        .map((r) => r.path),
    ).toEqual(["/events/b2/participants"]);
  });

  it("accepts the list wrapped as {participants: [...]}", async () => {
    // Prepare
    const { fetch } = stubFetch(hakuOf({ [EVENT_ID]: summaries(2) }, true));

    // Act
    const pages = await drain({ ...oneEvent, fetch });

    // Assess
    expect(entitiesOf(pages, "registrants")).toHaveLength(2);
  });

  it("names the event Haku does not know", async () => {
    // Prepare
    const { fetch } = stubFetch(hakuOf({}));

    // Act
    const error = await failure({ ...oneEvent, fetch });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_REJECTED", status: 404 });
    expect(String((error as Error).message)).toContain(`event ${EVENT_ID} not found`);
  });

  it("refuses an eventId param that is not a Haku id, before any call", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(hakuOf({}));

    // Act
    const error = await failure({ syncType: "participants", fetch, params: { eventId: "../events" } });

    // Assess
    expect(error).toMatchObject({ code: "VALIDATION_ERROR" });
    expect(requests).toEqual([]);
  });
});

describe("participants over legs that stop for a permit", () => {
  /**
   * Runs the sync in legs, as the worker does: each leg's fetch refuses its `budget`-th API call
   * with PermitUnavailableError, and the next leg starts from the last stored page's checkpoint
   * with everything the earlier legs stored (and the events an events sync left).
   */
  async function runInLegs(events: Record<string, ReturnType<typeof summary>[]>, budgets: readonly number[]) {
    const haku = hakuOf(events);
    const kept = new Map<string, Entity>(Object.keys(events).map((id) => [`events:${id}`, storedEvent(id)]));
    const detailCalls: string[] = [];
    const listCallsPerLeg: number[] = [];
    let checkpoint: Checkpoint | undefined;
    for (let leg = 0; ; leg++) {
      const budget = budgets[leg] ?? Number.POSITIVE_INFINITY;
      let calls = 0;
      let lists = 0;
      const { fetch } = stubFetch((request) => {
        if (++calls >= budget) throw new PermitUnavailableError(1_000);
        if (isList(request)) lists++;
        if (isDetail(request)) detailCalls.push(request.path);
        return haku(request);
      });
      const run = runOf({ syncType: "participants", fetch, store: storeOf([...kept.values()]), checkpoint });
      try {
        for await (const page of hakuModule.sync(run)) {
          for (const entity of page.entities) kept.set(`${entity.type}:${entity.id}`, entity);
          checkpoint = page.checkpoint;
        }
        listCallsPerLeg.push(lists);
        return { kept, detailCalls, listCallsPerLeg };
      } catch (error) {
        if (!(error instanceof PermitUnavailableError)) throw error;
        listCallsPerLeg.push(lists);
      }
    }
  }

  it("never repeats a detail call, lists at most one page again per leg, and loses no registrant", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 230 }),
        fc.integer({ min: 0, max: 40 }),
        fc.array(fc.integer({ min: 2, max: 90 }), { maxLength: 6 }),
        async (first, second, budgets) => {
          // Prepare
          const events = { a1: summaries(first), b2: summaries(second, 500) };
          const expected = [
            ...events.a1.map((s) => `a1:${s.registration_number}`),
            ...events.b2.map((s) => `b2:${s.registration_number}`),
          ];

          // Act
          const { kept, detailCalls, listCallsPerLeg } = await runInLegs(events, budgets);

          // Assess
          const registrants = [...kept.values()].filter((e) => e.type === "registrants").map((e) => e.id);
          expect(registrants.sort()).toEqual(expected.sort());
          expect(new Set(detailCalls).size).toBe(detailCalls.length);
          expect(detailCalls).toHaveLength(first + second);
          const listPages = Math.floor(first / 100) + 1 + Math.floor(second / 100) + 1;
          const listCalls = listCallsPerLeg.reduce((a, b) => a + b, 0);
          expect(listCalls).toBeLessThanOrEqual(listPages + listCallsPerLeg.length - 1);
        },
      ),
      { numRuns: 40 },
    );
  });
});
