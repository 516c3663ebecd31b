import { describe, expect, it } from "vitest";
import type { Catalog, ProviderDef } from "#catalog/types.ts";
import { ConflictError, NotFoundError, ValidationError } from "#core/errors.ts";
import {
  approvePublication,
  getPublication,
  listEventResults,
  listPublications,
  type PublicationDeps,
  preparePublication,
} from "#core/race/publications.ts";
import { eventNamespace, type RaceEventRecord } from "#core/race/types.ts";
import { RACE_ENTITY, type ResultRow, resultId } from "#providers/race/shapes.ts";
import { MemoryJobs, MemoryQueue } from "../fakes.ts";
import { aParticipant, MemoryRaceEventStore } from "./events-fakes.ts";
import { NamespacedEntities } from "./fakes.ts";
import { MemoryPublicationStore } from "./publication-fakes.ts";

const EVENT = "ev-00000000000000000001";
const SIGNUP = "c-000000000000000000a1";
const ROSTER = "c-000000000000000000a2";
const TIMING = "c-000000000000000000a3";

function provider(id: string, role: "registration" | "scoring", publishes = false): ProviderDef {
  return {
    id,
    displayName: id === "roster" ? "Roster" : id,
    role,
    baseUrl: `http://${id}.invalid`,
    tiers: [{ id: "standard", description: "Standard" }],
    connection: {} as ProviderDef["connection"],
    limits: [],
    endpointGroups: [],
    syncTypes: publishes
      ? [
          {
            id: "publish",
            description: "publishes results",
            direction: "push",
            calls: {},
            cadence: { kind: "manual" },
            priority: "normal",
            entityTypes: [RACE_ENTITY.publishedResults],
          },
        ]
      : [],
  };
}

/** signup can receive results, roster cannot: like RunSignUp and Race Roster. */
const catalog: Catalog = {
  providers: [
    provider("signup", "registration", true),
    provider("roster", "registration"),
    provider("timing", "scoring"),
  ],
};

const event: RaceEventRecord = {
  tenantId: "acme",
  eventId: EVENT,
  name: "Harbour 10K",
  startsAt: "2026-05-03T08:00:00Z",
  registration: [
    { connectionId: SIGNUP, provider: "signup", eventId: "500" },
    { connectionId: ROSTER, provider: "roster", eventId: "77" },
  ],
  scoring: { connectionId: TIMING, provider: "timing", eventId: "900" },
  createdAt: "2026-04-01T09:00:00Z",
  updatedAt: "2026-04-01T09:00:00Z",
  version: 1,
};

const result = (bib: string, over: Partial<ResultRow> = {}): ResultRow => ({
  eventId: "900",
  bib,
  place: Number(bib) - 100,
  gunTimeMs: 1_800_000 + Number(bib),
  preliminary: false,
  ...over,
});

/** Ana is registered on both platforms (one participant, two sources); Ben on signup only. */
async function world() {
  const events = new MemoryRaceEventStore();
  await events.create(event);
  const entities = new NamespacedEntities();
  const jobs = new MemoryJobs();
  const queue = new MemoryQueue();
  const publications = new MemoryPublicationStore();
  let ids = 0;
  let now = Date.parse("2026-05-03T12:00:00Z");
  const deps: PublicationDeps = {
    events,
    publications,
    entities,
    catalog,
    jobs,
    queue,
    clock: () => now,
    newId: () => `pub-${(++ids).toString(16).padStart(20, "0")}`,
  };
  const scope = (ns: string) => ({ tenantId: "acme", provider: ns, jobId: "seed" });
  await entities.upsert(
    scope(eventNamespace(EVENT)),
    [
      aParticipant("p-00000000000000000001", { sources: ["roster:77:9", "signup:500:1"] }),
      aParticipant("p-00000000000000000002", {
        fields: { firstName: "Ben", lastName: "Ode", bib: "102" },
        sources: ["signup:500:2"],
      }),
    ].map((p) => ({ type: RACE_ENTITY.participants, id: p.participantId, data: { ...p } })),
  );
  const setResults = (rows: ResultRow[]) =>
    entities.upsert(
      scope(eventNamespace(EVENT)),
      rows.map((row) => ({
        type: RACE_ENTITY.results,
        id: resultId("900", row.bib ?? ""),
        data: { ...row },
      })),
    );
  const published = () =>
    [...entities.items.entries()].filter(([key]) => key.includes(`|${RACE_ENTITY.publishedResults}|`));
  return {
    deps,
    jobs,
    queue,
    setResults,
    published,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("preparing a publication", () => {
  it("holds one row per registration of each participant with a result, and sends nothing", async () => {
    // Prepare
    const { deps, setResults, published, queue } = await world();
    await setResults([result("101"), result("102"), result("999")]);

    // Act
    const prepared = await preparePublication(deps, "acme", EVENT, {}, "timer@acme");

    // Assess
    expect(prepared).toMatchObject({
      status: "prepared",
      kind: "final",
      results: 3,
      matched: 2,
      unmatched: 1,
    });
    expect(prepared.targets).toEqual([
      expect.objectContaining({ provider: "signup", eventId: "500", supported: true, rows: 2, added: 2 }),
      expect.objectContaining({ provider: "roster", eventId: "77", supported: false, rows: 1, added: 1 }),
    ]);
    expect(prepared.targets[1]?.reason).toContain("Roster documents no way to receive results");
    expect(published()).toEqual([]);
    expect(queue.sent).toEqual([]);
  });

  it("shows the rows each registration would receive in its diff", async () => {
    // Prepare
    const { deps, setResults } = await world();
    await setResults([result("101", { chipTimeMs: 1_795_000, status: "finished" })]);
    const { publicationId } = await preparePublication(deps, "acme", EVENT, {}, "timer@acme");

    // Act
    const read = await getPublication(deps, "acme", EVENT, publicationId);

    // Assess
    expect(read.diff?.[0]?.added).toEqual([
      {
        eventId: "500",
        registrationId: "1",
        kind: "final",
        bib: "101",
        firstName: "Ana",
        lastName: "Ruiz",
        place: 1,
        gunTimeMs: 1_800_101,
        chipTimeMs: 1_795_000,
        status: "finished",
      },
    ]);
  });

  it("keeps preliminary results out of a final publication and the other way round", async () => {
    // Prepare
    const { deps, setResults } = await world();
    await setResults([result("101"), result("102", { preliminary: true })]);

    // Act
    const final = await preparePublication(deps, "acme", EVENT, { kind: "final" }, "t");
    const preliminary = await preparePublication(deps, "acme", EVENT, { kind: "preliminary" }, "t");

    // Assess
    expect(final.results).toBe(1);
    expect(preliminary.results).toBe(1);
    const diff = await getPublication(deps, "acme", EVENT, preliminary.publicationId);
    expect(diff.diff?.[0]?.added.map((row) => row.bib)).toEqual(["102"]);
  });

  it("refuses a kind it does not know, naming the field", async () => {
    const { deps } = await world();
    await expect(preparePublication(deps, "acme", EVENT, { kind: "draft" }, "t")).rejects.toThrow(
      ValidationError,
    );
    await expect(preparePublication(deps, "acme", EVENT, { kind: "draft" }, "t")).rejects.toThrow(/^kind:/);
  });

  it("answers another tenant's event as a missing one", async () => {
    const { deps, setResults } = await world();
    await setResults([result("101")]);
    await expect(preparePublication(deps, "globex", EVENT, {}, "t")).rejects.toThrow(NotFoundError);
    await expect(listEventResults(deps, "globex", EVENT)).rejects.toThrow(NotFoundError);
    await expect(listPublications(deps, "globex", EVENT)).rejects.toThrow(NotFoundError);
  });
});

describe("approving a publication", () => {
  it("records who approved it and queues one publish job for the provider that can receive results", async () => {
    // Prepare
    const { deps, setResults, published, queue, advance } = await world();
    await setResults([result("101"), result("102")]);
    const { publicationId } = await preparePublication(deps, "acme", EVENT, {}, "timer@acme");
    advance(60_000);

    // Act
    const approved = await approvePublication(deps, "acme", EVENT, publicationId, "director@acme");

    // Assess
    expect(approved.status).toBe("approved");
    expect(approved.approval).toEqual({
      by: "director@acme",
      at: "2026-05-03T12:01:00.000Z",
      sent: 2,
      jobs: [`publish.${publicationId}.0`],
    });
    expect(queue.sent.map(({ message: m }) => [m.provider, m.syncType, m.params])).toEqual([
      ["signup", "publish", { eventId: "500", kind: "final" }],
    ]);
    expect(published().map(([key]) => key.split("|")[1])).toEqual(["signup", "signup"]);
  });

  it("sends nothing when a second publication finds the results unchanged", async () => {
    // Prepare
    const { deps, setResults, queue } = await world();
    await setResults([result("101"), result("102")]);
    const first = await preparePublication(deps, "acme", EVENT, {}, "t");
    await approvePublication(deps, "acme", EVENT, first.publicationId, "t");
    const sentBefore = queue.sent.length;

    // Act
    const second = await preparePublication(deps, "acme", EVENT, {}, "t");
    const approved = await approvePublication(deps, "acme", EVENT, second.publicationId, "t");

    // Assess
    expect(second.basedOn).toBe(first.publicationId);
    expect(second.targets[0]).toMatchObject({ added: 0, changed: 0, removed: 0, unchanged: 2 });
    expect(approved.approval).toMatchObject({ sent: 0, jobs: [] });
    expect(queue.sent.length).toBe(sentBefore);
  });

  it("sends only the changed rows of a later publication, with before and after in its diff", async () => {
    // Prepare
    const { deps, setResults, queue } = await world();
    await setResults([result("101"), result("102")]);
    const first = await preparePublication(deps, "acme", EVENT, {}, "t");
    await approvePublication(deps, "acme", EVENT, first.publicationId, "t");
    await setResults([result("101"), result("102", { gunTimeMs: 1_900_000 })]);

    // Act
    const second = await preparePublication(deps, "acme", EVENT, {}, "t");
    const read = await getPublication(deps, "acme", EVENT, second.publicationId);
    await approvePublication(deps, "acme", EVENT, second.publicationId, "t");

    // Assess
    expect(second.targets[0]).toMatchObject({ added: 0, changed: 1, unchanged: 1 });
    expect(read.diff?.[0]?.changed).toEqual([
      {
        before: expect.objectContaining({ gunTimeMs: 1_800_102 }),
        after: expect.objectContaining({ gunTimeMs: 1_900_000 }),
      },
    ]);
    expect(queue.sent).toHaveLength(2);
  });

  it("refuses a publication prepared before another of its kind was approved", async () => {
    // Prepare
    const { deps, setResults } = await world();
    await setResults([result("101")]);
    const older = await preparePublication(deps, "acme", EVENT, {}, "t");
    const newer = await preparePublication(deps, "acme", EVENT, {}, "t");
    await approvePublication(deps, "acme", EVENT, newer.publicationId, "t");

    // Act / Assess
    await expect(approvePublication(deps, "acme", EVENT, older.publicationId, "t")).rejects.toThrow(
      ConflictError,
    );
  });

  it("approved again, queues no second job and keeps the first approval", async () => {
    // Prepare
    const { deps, setResults, queue, advance } = await world();
    await setResults([result("101")]);
    const { publicationId } = await preparePublication(deps, "acme", EVENT, {}, "t");
    const first = await approvePublication(deps, "acme", EVENT, publicationId, "first@acme");
    advance(5_000);

    // Act
    const again = await approvePublication(deps, "acme", EVENT, publicationId, "second@acme");

    // Assess
    expect(again.approval).toEqual(first.approval);
    expect(queue.sent).toHaveLength(1);
  });

  it("lets no other tenant approve or read it", async () => {
    const { deps, setResults, queue } = await world();
    await setResults([result("101")]);
    const { publicationId } = await preparePublication(deps, "acme", EVENT, {}, "t");
    await expect(approvePublication(deps, "globex", EVENT, publicationId, "t")).rejects.toThrow(
      NotFoundError,
    );
    await expect(getPublication(deps, "globex", EVENT, publicationId)).rejects.toThrow(NotFoundError);
    expect(queue.sent).toEqual([]);
  });

  it("is announced on the event's publications topic as it changes", async () => {
    // Prepare
    const { deps, setResults } = await world();
    await setResults([result("101")]);
    const { publicationId } = await preparePublication(deps, "acme", EVENT, {}, "t");

    // Act
    await approvePublication(deps, "acme", EVENT, publicationId, "t");

    // Assess
    const announced = await deps.entities
      .reader("acme", eventNamespace(EVENT))
      .get("publications", publicationId);
    expect(announced?.data).toMatchObject({ publicationId, status: "approved" });
  });
});
