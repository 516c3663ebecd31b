import { describe, expect, it } from "vitest";
import { chronotrackModule } from "#providers/chronotrack/index.ts";
import type { Entity, ProviderRequest } from "#providers/types.ts";
import {
  drain,
  EVENT_ID,
  failure,
  idsOf,
  json,
  memoryLedger,
  runOf,
  storedParticipant,
  storeOf,
  stubFetch,
} from "./fixtures.ts";

const pushRun = { syncType: "participants", params: { eventId: EVENT_ID } } as const;

/** ChronoTrack as the module assumes it takes writes: creates answer a new entry id, updates echo. */
function writable() {
  let next = 7_000_001;
  return (request: ProviderRequest) => {
    if (request.method === "POST") return json(200, { entry: { entry_id: String(next++) } });
    const entryId = request.path.split("/")[2];
    return json(200, { entry: { entry_id: entryId } });
  };
}

const link = (participantId: string, entryId: string): Entity => ({
  type: "entryLinks",
  id: participantId,
  data: { participantId, eventId: EVENT_ID, entryId },
});

describe("participants (push)", () => {
  it("creates an entry per participant of the event, with the documented entry field names", async () => {
    // Prepare: p3 belongs to another scoring event.
    const store = storeOf([
      storedParticipant("p2", {
        firstName: "Liam",
        lastName: "Brown",
        gender: "M",
        bib: "102",
        team: "Harbour RC",
      }),
      storedParticipant("p1"),
      storedParticipant("p3", { scoringEventId: "89001" }),
    ]);
    const { fetch, requests } = stubFetch(writable());

    // Act
    const pages = await drain({ ...pushRun, fetch, store });

    // Assess
    expect(requests.map((r) => [r.method, r.path, r.headers?.["content-type"]])).toEqual([
      ["POST", "/event/90001/entry", "application/json"],
      ["POST", "/event/90001/entry", "application/json"],
    ]);
    expect(JSON.parse(requests[0]?.body ?? "null")).toEqual({
      entry_external_id: "p1",
      race_id: "900011",
      entry_bib: "101",
      athlete_first_name: "Ana",
      athlete_last_name: "Silva",
      athlete_sex: "F",
      location_city: "Portland",
      location_region: "OR",
      location_country: "US",
    });
    expect(JSON.parse(requests[1]?.body ?? "null")).toMatchObject({
      entry_external_id: "p2",
      team_name: "Harbour RC",
    });
    expect(pages).toEqual([
      { entities: [link("p1", "7000001")], checkpoint: { after: "p1" } },
      { entities: [link("p2", "7000002")] },
    ]);
  });

  it("makes no call on a second push of unchanged participants", async () => {
    // Prepare
    const pushed = memoryLedger();
    const participants = [storedParticipant("p1"), storedParticipant("p2")];
    const first = stubFetch(writable());
    const links = (
      await drain({ ...pushRun, fetch: first.fetch, store: storeOf(participants), pushed })
    ).flatMap((p) => p.entities);
    const second = stubFetch(writable());

    // Act
    const pages = await drain({
      ...pushRun,
      fetch: second.fetch,
      store: storeOf([...participants, ...links]),
      pushed,
    });

    // Assess
    expect(first.requests).toHaveLength(2);
    expect(second.requests).toEqual([]);
    expect(pages).toEqual([]);
  });

  it("updates the entry a changed participant became, and only that one", async () => {
    // Prepare
    const pushed = memoryLedger();
    const before = [storedParticipant("p1"), storedParticipant("p2")];
    await drain({ ...pushRun, fetch: stubFetch(writable()).fetch, store: storeOf(before), pushed });
    const after = [storedParticipant("p1", { lastName: "Silva-Young" }), storedParticipant("p2")];
    const { fetch, requests } = stubFetch(writable());

    // Act
    const pages = await drain({
      ...pushRun,
      fetch,
      store: storeOf([...after, link("p1", "7000001"), link("p2", "7000002")]),
      pushed,
    });

    // Assess
    expect(requests.map((r) => [r.method, r.path])).toEqual([["PUT", "/entry/7000001"]]);
    expect(JSON.parse(requests[0]?.body ?? "null")).toMatchObject({ athlete_last_name: "Silva-Young" });
    expect(idsOf(pages, "entryLinks")).toEqual(["p1"]);
  });

  it("pushes nothing when only a field ChronoTrack is not sent changed", async () => {
    // Prepare
    const pushed = memoryLedger();
    await drain({
      ...pushRun,
      fetch: stubFetch(writable()).fetch,
      store: storeOf([storedParticipant("p1")]),
      pushed,
    });
    const { fetch, requests } = stubFetch(writable());

    // Act
    await drain({
      ...pushRun,
      fetch,
      store: storeOf([storedParticipant("p1", { email: "Ana.Silva.0@Example.com" }), link("p1", "7000001")]),
      pushed,
    });

    // Assess
    expect(requests).toEqual([]);
  });

  it("resumes after its checkpoint's participant", async () => {
    // Prepare
    const store = storeOf(["p1", "p2", "p3"].map((id) => storedParticipant(id)));
    const { fetch, requests } = stubFetch(writable());

    // Act
    const pages = await drain({ ...pushRun, fetch, store, checkpoint: { after: "p2" } });

    // Assess
    expect(requests).toHaveLength(1);
    expect(JSON.parse(requests[0]?.body ?? "null")).toMatchObject({ entry_external_id: "p3" });
    expect(idsOf(pages, "entryLinks")).toEqual(["p3"]);
  });

  it("creates the entry again when ChronoTrack no longer has the linked one", async () => {
    // Prepare
    const store = storeOf([storedParticipant("p1"), link("p1", "7000009")]);
    const { fetch, requests } = stubFetch((request) =>
      request.method === "PUT"
        ? json(404, { error: "Entry not found" })
        : json(200, { entry: { entry_id: "7000010" } }),
    );

    // Act
    const pages = await drain({ ...pushRun, fetch, store });

    // Assess
    expect(requests.map((r) => [r.method, r.path])).toEqual([
      ["PUT", "/entry/7000009"],
      ["POST", "/event/90001/entry"],
    ]);
    expect(pages[0]?.entities).toEqual([link("p1", "7000010")]);
  });

  it("remembers a push only once its page was taken, so a lost page is pushed again", async () => {
    // Prepare
    const pushed = memoryLedger();
    const store = storeOf([storedParticipant("p1"), storedParticipant("p2")]);
    const { fetch } = stubFetch(writable());

    // Act: the worker stops after storing the first page (no next() is asked for).
    const pages = chronotrackModule.sync(runOf({ ...pushRun, fetch, store, pushed }))[Symbol.asyncIterator]();
    await pages.next();
    await pages.return?.(undefined);

    // Assess
    expect([...pushed.remembered.keys()]).toEqual([]);
  });

  it("fails on a create answered without an entry id, as nothing could be updated later", async () => {
    // Prepare
    const { fetch } = stubFetch(() => json(200, {}));

    // Act
    const error = await failure({ ...pushRun, fetch, store: storeOf([storedParticipant("p1")]) });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_MALFORMED" });
    expect(error.message).toContain("entry_id");
  });

  it("pushes nothing unless the connection is experimental", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(writable());

    // Act
    const error = await failure({
      ...pushRun,
      fetch,
      store: storeOf([storedParticipant("p1")]),
      settings: { eventIds: [EVENT_ID] },
    });

    // Assess
    expect(error).toMatchObject({ code: "VALIDATION_ERROR" });
    expect(error.message).toContain("experimental");
    expect(requests).toEqual([]);
  });
});
