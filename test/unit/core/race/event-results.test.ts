import { describe, expect, it } from "vitest";
import { copyResults, eventResults, followResults } from "#core/race/event-results.ts";
import type { RaceEventRecord } from "#core/race/types.ts";
import type { ResultRow } from "#providers/race/shapes.ts";
import { NamespacedEntities } from "./fakes.ts";

const CT = "c-000000000000000000a3";
const OTHER_CT = "c-000000000000000000a9";

function anEvent(eventId: string, scoring: RaceEventRecord["scoring"]): RaceEventRecord {
  return {
    tenantId: "acme",
    eventId,
    name: "Harbour 10K",
    startsAt: "2026-05-03T08:00:00Z",
    registration: [],
    ...(scoring ? { scoring } : {}),
    createdAt: "2026-04-01T09:00:00.000Z",
    updatedAt: "2026-04-01T09:00:00.000Z",
    version: 1,
  };
}

const SCORED = anEvent("ev-000000000000000000a1", {
  connectionId: CT,
  provider: "chronotrack",
  eventId: "90001",
});
const ELSEWHERE = anEvent("ev-000000000000000000a2", {
  connectionId: CT,
  provider: "chronotrack",
  eventId: "90002",
});
const OTHER_CONNECTION = anEvent("ev-000000000000000000a3", {
  connectionId: OTHER_CT,
  provider: "chronotrack",
  eventId: "90001",
});

const row = (eventId: string, bib: string, place: number): ResultRow => ({
  eventId,
  bib,
  place,
  preliminary: false,
});

/** ChronoTrack's store holding rows of two of its events, and acme's three Pacer events. */
function world() {
  const entities = new NamespacedEntities();
  const put = (tenant: string, r: ResultRow) =>
    entities.upsert({ tenantId: tenant, provider: "chronotrack" }, [
      { type: "results", id: `${r.eventId}:${r.bib}`, data: r },
    ]);
  const events = {
    list: async (tenantId: string) => (tenantId === "acme" ? [SCORED, ELSEWHERE, OTHER_CONNECTION] : []),
  };
  const pulled = {
    tenantId: "acme",
    connectionId: CT,
    provider: "chronotrack",
    jobId: "results.ev-000000000000000000a1.1",
    params: { eventId: "90001" },
  };
  return { entities, put, deps: { events, entities }, pulled };
}

describe("copyResults", () => {
  it("copies the pulled event's rows, same ids, into the namespace of the Pacer events it scores only", async () => {
    // Prepare
    const w = world();
    await w.put("acme", row("90001", "7", 2));
    await w.put("acme", row("90001", "3", 1));
    await w.put("acme", row("90002", "9", 1));

    // Act
    const copied = await copyResults(w.deps, w.pulled);

    // Assess
    expect(copied).toEqual({ events: 1, written: 2, unchanged: 0, removed: 0 });
    expect(await eventResults(w.entities, "acme", SCORED.eventId)).toEqual([
      row("90001", "3", 1),
      row("90001", "7", 2),
    ]);
    expect(w.entities.list("acme", `events/${SCORED.eventId}`, "results")).toHaveLength(2);
    expect(w.entities.list("acme", `events/${ELSEWHERE.eventId}`, "results")).toEqual([]);
    expect(w.entities.list("acme", `events/${OTHER_CONNECTION.eventId}`, "results")).toEqual([]);
  });

  it("writes nothing when the rows are unchanged", async () => {
    // Prepare
    const w = world();
    await w.put("acme", row("90001", "3", 1));
    await copyResults(w.deps, w.pulled);
    const writes = w.entities.writes.length;

    // Act
    const again = await copyResults(w.deps, w.pulled);

    // Assess
    expect(again).toEqual({ events: 1, written: 0, unchanged: 1, removed: 0 });
    expect(w.entities.writes).toHaveLength(writes);
  });

  it("removes from the copy a row the provider's store no longer holds", async () => {
    // Prepare
    const w = world();
    await w.put("acme", row("90001", "3", 1));
    await w.put("acme", row("90001", "7", 2));
    await copyResults(w.deps, w.pulled);
    await w.entities.remove({ tenantId: "acme", provider: "chronotrack" }, [
      { type: "results", id: "90001:7" },
    ]);

    // Act
    const copied = await copyResults(w.deps, w.pulled);

    // Assess
    expect(copied.removed).toBe(1);
    expect((await eventResults(w.entities, "acme", SCORED.eventId)).map((r) => r.bib)).toEqual(["3"]);
  });

  it("matches Copernico's pull by race slug and event name, not by the push's race UUID", async () => {
    // Prepare
    const entities = new NamespacedEntities();
    const cop = "c-000000000000000000a5";
    const event = anEvent("ev-000000000000000000c1", {
      connectionId: cop,
      provider: "copernico",
      eventId: "5fbe1dc5-deb8-40dd-8a08-2375ac1f13d5",
      results: { raceId: "harbour-run-2026", eventName: "10K" },
    });
    await entities.upsert({ tenantId: "acme", provider: "copernico" }, [
      {
        type: "results",
        id: "harbour-run-2026:1",
        data: { ...row("harbour-run-2026", "1", 1), raceName: "10K" },
      },
      {
        type: "results",
        id: "harbour-run-2026:2",
        data: { ...row("harbour-run-2026", "2", 1), raceName: "5K" },
      },
    ]);

    // Act
    const copied = await copyResults(
      { events: { list: async () => [event] }, entities },
      {
        tenantId: "acme",
        connectionId: cop,
        provider: "copernico",
        jobId: "j-1",
        params: { raceId: "harbour-run-2026", eventName: "10K" },
      },
    );

    // Assess
    expect(copied.written).toBe(1);
    expect((await eventResults(entities, "acme", event.eventId)).map((r) => r.bib)).toEqual(["1"]);
  });

  it("never copies into another tenant's events", async () => {
    // Prepare
    const w = world();
    await w.put("globex", row("90001", "3", 1));

    // Act
    const copied = await copyResults(w.deps, { ...w.pulled, tenantId: "globex" });

    // Assess
    expect(copied.events).toBe(0);
    expect(w.entities.list("acme", `events/${SCORED.eventId}`, "results")).toEqual([]);
  });
});

describe("followResults", () => {
  it("copies after a results pull, with the params its job ran with, and ignores other sync types", async () => {
    // Prepare
    const w = world();
    await w.put("acme", row("90001", "3", 1));
    const follow = followResults(w.deps, { id: "chronotrack" });
    const done = {
      tenantId: "acme",
      connectionId: CT,
      jobId: "j-1",
      params: { eventId: "90001" },
      counts: { pages: 1, fetched: 1, written: 1, unchanged: 0, removed: 0, pushed: 0 },
    };

    // Act
    await follow({ ...done, syncType: "events" });
    const before = w.entities.list("acme", `events/${SCORED.eventId}`, "results").length;
    await follow({ ...done, syncType: "results" });

    // Assess
    expect(before).toBe(0);
    expect(w.entities.list("acme", `events/${SCORED.eventId}`, "results")).toHaveLength(1);
  });
});
