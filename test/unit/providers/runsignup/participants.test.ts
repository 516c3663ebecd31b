import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runsignupModule } from "#providers/runsignup/index.ts";
import type { Checkpoint, ProviderRequest } from "#providers/types.ts";
import {
  drain,
  entitiesOf,
  failure,
  idsOf,
  json,
  NOW_S,
  participant,
  participantsBody,
  queryOf,
  removed,
  removedBody,
  runOf,
  storedEvent,
  storeOf,
  stubFetch,
} from "./fixtures.ts";

interface Served {
  readonly rows: Record<number, ReturnType<typeof participant>[]>;
  readonly removedRows?: Record<number, ReturnType<typeof removed>[]>;
  /** Rows RunSignUp hands back per call at most, whatever was asked (default: as asked). */
  readonly cap?: number;
}

/** A RunSignUp that honours event_id, after_registration_id, results_per_page and modified_after_timestamp. */
function rsuRoute({ rows, removedRows = {}, cap = Number.POSITIVE_INFINITY }: Served) {
  return (request: ProviderRequest) => {
    const query = queryOf(request);
    const eventId = Number(query.get("event_id"));
    const since = Number(query.get("modified_after_timestamp") ?? "0");
    const perPage = Math.min(Number(query.get("results_per_page") ?? "50"), cap);
    if (request.path.endsWith("/removed-participants")) {
      const page = Number(query.get("page") ?? "1");
      const list = (removedRows[eventId] ?? []).filter((r) => r.last_modified_ts >= since);
      return json(200, removedBody(list.slice((page - 1) * perPage, page * perPage), eventId));
    }
    const after = Number(query.get("after_registration_id") ?? "0");
    const list = (rows[eventId] ?? [])
      .filter((r) => r.registration_id > after && r.last_modified >= since)
      .slice(0, perPage);
    return json(200, participantsBody(list, eventId));
  };
}

const twoEvents = storeOf([storedEvent(61002), storedEvent(61001), storedEvent(70001, 99999)]);
const byPath = (requests: readonly ProviderRequest[]) =>
  requests.map((r) => `${r.path.split("/").at(-1)} ${queryOf(r).get("event_id")}`);

describe("participants", () => {
  it("maps a participant row to a registrant, every documented field", async () => {
    // Prepare
    const row = participant(500_000, { bib_num: 1042, chip_num: "A1B2", team_name: " Harbour Harriers " });
    const { fetch } = stubFetch(rsuRoute({ rows: { 61001: [row] } }));

    // Act
    const pages = await drain({
      syncType: "participants",
      fetch,
      params: { raceId: "20261", eventId: "61001" },
    });

    // Assess
    expect(entitiesOf(pages).find((e) => e.type === "registrants")).toEqual({
      type: "registrants",
      id: "61001:500000",
      data: {
        registrationId: "500000",
        eventId: "61001",
        firstName: "Ana",
        lastName: "Silva",
        email: "ana.silva.0@example.com",
        birthDate: "1984-06-02",
        gender: "F",
        city: "Portland",
        region: "OR",
        country: "US",
        bib: "1042",
        chip: "A1B2",
        team: "Harbour Harriers",
        modifiedAt: "2026-01-15T17:03:00.000Z",
      },
    });
  });

  it("reads a bib sent as a string, and leaves out what is null or empty", async () => {
    // Prepare
    const row = participant(7, {
      bib_num: "77",
      user: { first_name: "Noah", last_name: "King", email: null, dob: null, gender: "", address: null },
    });
    const { fetch } = stubFetch(rsuRoute({ rows: { 61001: [row] } }));

    // Act
    const pages = await drain({
      syncType: "participants",
      fetch,
      params: { raceId: "20261", eventId: "61001" },
    });

    // Assess
    expect(entitiesOf(pages)[0]?.data).toEqual({
      registrationId: "7",
      eventId: "61001",
      firstName: "Noah",
      lastName: "King",
      bib: "77",
      modifiedAt: "2026-01-15T17:03:00.000Z",
    });
  });

  it("accepts the single-object form, and rows without their own event_id take the element's", async () => {
    // Prepare
    const single = {
      event: { event_id: 61001, participants: [] },
      participants: [participant(3, { event_id: undefined })],
    };
    const { fetch } = stubFetch((request) =>
      request.path.endsWith("/participants") ? json(200, single) : json(200, removedBody([])),
    );

    // Act
    const pages = await drain({
      syncType: "participants",
      fetch,
      params: { raceId: "20261", eventId: "61001" },
    });

    // Assess
    expect(idsOf(pages)).toEqual(["61001:3"]);
  });

  it("keeps removed registrations as cancelled registrants of their event", async () => {
    // Prepare
    const { fetch } = stubFetch(
      rsuRoute({ rows: {}, removedRows: { 61001: [removed(9, { removed_reason: "transferred" })] } }),
    );

    // Act
    const pages = await drain({
      syncType: "participants",
      fetch,
      params: { raceId: "20261", eventId: "61001" },
    });

    // Assess
    const [entity] = entitiesOf(pages);
    expect(entity?.id).toBe("61001:9");
    expect(entity?.data).toMatchObject({
      cancelled: true,
      firstName: "Ana",
      modifiedAt: "2026-03-09T14:00:00.000Z",
    });
    expect(pages.some((p) => p.removed !== undefined)).toBe(false);
  });

  it("syncs every stored event of the followed races in order, participants then removed, 1000 per call", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(
      rsuRoute({ rows: { 61001: [participant(1)], 61002: [participant(2, { event_id: 61002 })] } }),
    );

    // Act
    const pages = await drain({ syncType: "participants", fetch, store: twoEvents });

    // Assess
    expect(byPath(requests)).toEqual([
      "participants 61001",
      "removed-participants 61001",
      "participants 61002",
      "removed-participants 61002",
    ]);
    expect(queryOf(requests[0]).get("sort")).toBe("registration_id ASC");
    expect(queryOf(requests[0]).get("results_per_page")).toBe("1000");
    expect(requests.every((r) => r.path.startsWith("/race/20261/"))).toBe(true);
    expect(idsOf(pages)).toEqual(["61001:1", "61002:2"]);
    expect(pages.at(-1)?.checkpoint).toBeUndefined();
    expect(pages.slice(0, -1).every((p) => p.checkpoint !== undefined)).toBe(true);
  });

  it("asks for the next page only after a full one, after the last registration_id", async () => {
    // Prepare
    const rows = Array.from({ length: 2_300 }, (_, i) => participant(1_000 + i * 3));
    const { fetch, requests } = stubFetch(rsuRoute({ rows: { 61001: rows } }));

    // Act
    const pages = await drain({
      syncType: "participants",
      fetch,
      params: { raceId: "20261", eventId: "61001" },
    });

    // Assess
    const participantCalls = requests.filter((r) => r.path.endsWith("/participants"));
    expect(participantCalls.map((r) => queryOf(r).get("after_registration_id"))).toEqual([
      null,
      "3997",
      "6997",
    ]);
    expect(idsOf(pages)).toHaveLength(2_300);
    expect(pages[0]?.checkpoint).toMatchObject({ phase: "participants", after: 3_997, eventId: "61001" });
  });

  it("never loses or repeats a registration, whatever page size RunSignUp answers and wherever a run stops", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: 50_000 }), { minLength: 0, maxLength: 3_500 }),
        fc.integer({ min: 1, max: 6 }),
        async (ids, stopAfter) => {
          // Prepare: a server that caps pages at 1000 rows; the run stops after `stopAfter` pages and resumes.
          const rows = [...ids].sort((a, b) => a - b).map((id) => participant(id));
          const route = rsuRoute({ rows: { 61001: rows }, cap: 1_000 });
          const params = { raceId: "20261", eventId: "61001" };
          const first = stubFetch(route);
          const seen: string[] = [];
          let checkpoint: Checkpoint | undefined;
          let done = true;
          let count = 0;
          for await (const page of runsignupModule.sync(
            runOf({ syncType: "participants", fetch: first.fetch, params }),
          )) {
            seen.push(...page.entities.map((e) => e.id));
            checkpoint = page.checkpoint;
            if (++count === stopAfter && checkpoint !== undefined) {
              done = false;
              break;
            }
          }

          // Act
          const second = stubFetch(route);
          const rest = done
            ? []
            : await drain({ syncType: "participants", fetch: second.fetch, params, checkpoint });

          // Assess
          seen.push(...idsOf(rest));
          expect(seen).toEqual(rows.map((r) => `61001:${r.registration_id}`));
          const calls = [...first.requests, ...second.requests].map((r) => `${r.path} ${r.query}`);
          expect(new Set(calls).size).toBe(calls.length);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("syncs incrementally: each event from its mark, and leaves marks of this run's start minus 10 s", async () => {
    // Prepare
    const previous = JSON.stringify({ 61001: 1_773_000_000, 55555: 1_700_000_000 });
    const { fetch, requests } = stubFetch(rsuRoute({ rows: { 61001: [participant(1)], 61002: [] } }));

    // Act
    const pages = await drain({ syncType: "participants", fetch, store: twoEvents, watermark: previous });

    // Assess
    const since = requests.map((r) => queryOf(r).get("modified_after_timestamp"));
    expect(since).toEqual(["1773000000", "1773000000", null, null]);
    const watermark = JSON.parse(pages.at(-1)?.watermark ?? "{}");
    expect(watermark).toEqual({ 55555: 1_700_000_000, 61001: NOW_S - 10, 61002: NOW_S - 10 });
    expect(idsOf(pages)).toEqual([]);
  });

  it("treats a watermark it cannot read as none: a full sync", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(rsuRoute({ rows: {} }));

    // Act
    await drain({ syncType: "participants", fetch, store: twoEvents, watermark: "not json" });

    // Assess
    expect(requests.every((r) => !queryOf(r).has("modified_after_timestamp"))).toBe(true);
  });

  it("resumes from a checkpoint with no call repeated, and commits the marks of events an earlier leg synced", async () => {
    // Prepare: the first leg stopped after event 61001's participants page.
    const legOneNow = NOW_S - 600;
    const checkpoint = {
      event: 0,
      eventId: "61001",
      phase: "removed",
      after: 0,
      page: 1,
      since: legOneNow - 10,
    };
    const { fetch, requests } = stubFetch(rsuRoute({ rows: { 61001: [participant(1)], 61002: [] } }));

    // Act
    const pages = await drain({ syncType: "participants", fetch, store: twoEvents, checkpoint });

    // Assess
    expect(byPath(requests)).toEqual([
      "removed-participants 61001",
      "participants 61002",
      "removed-participants 61002",
    ]);
    expect(JSON.parse(pages.at(-1)?.watermark ?? "{}")).toEqual({
      61001: legOneNow - 10,
      61002: legOneNow - 10,
    });
    expect(JSON.stringify(pages[0]?.checkpoint).length).toBeLessThan(2_048);
  });

  it("merges a one-event run's mark with the others' and calls only that event", async () => {
    // Prepare
    const previous = JSON.stringify({ 61002: 1_773_000_000 });
    const { fetch, requests } = stubFetch(rsuRoute({ rows: {} }));

    // Act
    const pages = await drain({
      syncType: "participants",
      fetch,
      params: { raceId: "20261", eventId: "61001" },
      watermark: previous,
    });

    // Assess
    expect(byPath(requests)).toEqual(["participants 61001", "removed-participants 61001"]);
    expect(JSON.parse(pages.at(-1)?.watermark ?? "{}")).toEqual({ 61001: NOW_S - 10, 61002: 1_773_000_000 });
  });

  it("refuses one id without the other, and a race the connection does not follow, before any call", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(rsuRoute({ rows: {} }));

    // Act
    const halfParams = await failure({ syncType: "participants", fetch, params: { raceId: "20261" } });
    const otherRace = await failure({
      syncType: "participants",
      fetch,
      params: { raceId: "99999", eventId: "1" },
    });

    // Assess
    expect(halfParams).toMatchObject({ code: "VALIDATION_ERROR" });
    expect((halfParams as Error).message).toContain("raceId and eventId together");
    expect(otherRace).toMatchObject({ code: "VALIDATION_ERROR" });
    expect((otherRace as Error).message).toContain("raceIds");
    expect(requests).toHaveLength(0);
  });

  it("makes no call when no event of the followed races is stored yet", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(rsuRoute({ rows: {} }));

    // Act
    const pages = await drain({ syncType: "participants", fetch, store: storeOf([storedEvent(1, 99999)]) });

    // Assess
    expect(pages).toEqual([]);
    expect(requests).toHaveLength(0);
  });

  it("fails on a full page that does not move past the cursor, rather than ask for it forever", async () => {
    // Prepare
    const stuck = Array.from({ length: 1_000 }, () => participant(5));
    const { fetch } = stubFetch(() => json(200, participantsBody(stuck)));

    // Act
    const error = await failure({
      syncType: "participants",
      fetch,
      params: { raceId: "20261", eventId: "61001" },
    });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_MALFORMED" });
  });
});
