import { describe, expect, it } from "vitest";
import type { ProviderRequest } from "#providers/types.ts";
import {
  CLUB_ID,
  drain,
  failure,
  idsOf,
  json,
  rider,
  storedMember,
  storedRider,
  storeOf,
  stubFetch,
} from "./fixtures.ts";

/** A club of `memberIds`, answered 1000 per page after the path's riderId, as ZR's keyset pages are. */
function clubRoute(memberIds: readonly number[], shape: "object" | "array" = "object") {
  return (request: ProviderRequest) => {
    const after = Number(request.path.split("/").at(-1));
    const page = memberIds
      .filter((id) => id > after)
      .slice(0, 1000)
      .map((id) => rider(id));
    return json(200, shape === "object" ? { name: "Pacer Racing", riders: page } : page);
  };
}

const range = (first: number, last: number) => Array.from({ length: last - first + 1 }, (_, i) => first + i);

describe("clubMembers", () => {
  it("pages through a 2,500-member club 1000 at a time, checkpointing after each full page", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(clubRoute(range(1, 2500)));

    // Act
    const pages = await drain({ syncType: "clubMembers", fetch });

    // Assess
    expect(requests.map((r) => r.path)).toEqual([
      `/public/clubs/${CLUB_ID}/0`,
      `/public/clubs/${CLUB_ID}/1000`,
      `/public/clubs/${CLUB_ID}/2000`,
    ]);
    expect(pages.map((p) => p.checkpoint)).toEqual([{ after: 1000 }, { after: 2000 }, undefined]);
    expect(pages.map((p) => idsOf([p], "members").length)).toEqual([1000, 1000, 500]);
    expect(idsOf(pages, "clubs")).toEqual([String(CLUB_ID)]);
    expect(pages[0]?.entities.find((e) => e.type === "clubs")?.data).toEqual({
      clubId: CLUB_ID,
      name: "Pacer Racing",
    });
  });

  it("maps a member to its summary with the current vELO rating and category", async () => {
    // Prepare
    const { fetch } = stubFetch(clubRoute([5574]));

    // Act
    const pages = await drain({ syncType: "clubMembers", fetch });

    // Assess
    const member = pages[0]?.entities.find((e) => e.type === "members");
    expect(member).toEqual({
      type: "members",
      id: `${CLUB_ID}:5574`,
      data: {
        riderId: 5574,
        clubId: CLUB_ID,
        name: "Rider 5574",
        gender: "M",
        country: "nl",
        zpCategory: "B",
        age: "40-44",
        rating: 1395.2,
        category: "Amethyst",
      },
    });
  });

  it("resumes after its checkpoint without asking for earlier pages", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(clubRoute(range(1, 2500)));

    // Act
    const pages = await drain({ syncType: "clubMembers", fetch, checkpoint: { after: 1000 } });

    // Assess
    expect(requests.map((r) => r.path)).toEqual([
      `/public/clubs/${CLUB_ID}/1000`,
      `/public/clubs/${CLUB_ID}/2000`,
    ]);
    expect(idsOf(pages, "clubs")).toEqual([]);
    expect(pages.at(-1)?.checkpoint).toBeUndefined();
  });

  it("removes stored members missing from the range a page covers, and only those", async () => {
    // Prepare: 1500 and 2600 left the club; 999 of another club is none of this sync's business.
    const members = [...range(1, 1499), ...range(1501, 2500)];
    const stored = [1500, 2000, 2600].map((id) => storedMember(id));
    const { fetch } = stubFetch(clubRoute(members));
    const store = storeOf([...stored, storedMember(999, 42)]);

    // Act
    const pages = await drain({ syncType: "clubMembers", fetch, store });

    // Assess: page 2 covers 1001..2001 (1500 missing), the last page everything after (2600 missing).
    expect(pages.map((p) => p.removed ?? [])).toEqual([
      [],
      [{ type: "members", id: `${CLUB_ID}:1500` }],
      [{ type: "members", id: `${CLUB_ID}:2600` }],
    ]);
  });

  it("accepts a club answered as a bare array of riders", async () => {
    // Prepare
    const { fetch } = stubFetch(clubRoute([7, 8], "array"));

    // Act
    const pages = await drain({ syncType: "clubMembers", fetch });

    // Assess: the name comes from the members' own club object.
    expect(idsOf(pages, "members")).toEqual([`${CLUB_ID}:7`, `${CLUB_ID}:8`]);
    expect(pages[0]?.entities.find((e) => e.type === "clubs")?.data).toEqual({
      clubId: CLUB_ID,
      name: "Pacer Racing",
    });
  });

  it("names the clubId setting when ZR does not know the club", async () => {
    // Prepare
    const { fetch } = stubFetch(() => json(404, { message: "Club not found" }));

    // Act
    const error = await failure({ syncType: "clubMembers", fetch });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_REJECTED", status: 404 });
    expect(String((error as Error).message)).toMatch(/club 1001 not found.*clubId setting/);
  });
});

describe("riderStats", () => {
  const members = range(1, 2400).map((id) => storedMember(id));
  const handAdded = range(9001, 9100).map(storedRider);
  const bulkRoute = (request: ProviderRequest) =>
    json(
      200,
      (JSON.parse(request.body ?? "[]") as number[]).map((id) => rider(id)),
    );

  it("posts 2,500 ids in three chunks of at most 1000, as JSON arrays in ascending order", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(bulkRoute);

    // Act
    const pages = await drain({ syncType: "riderStats", fetch, store: storeOf([...members, ...handAdded]) });

    // Assess
    expect(requests.map((r) => [r.method, r.path, r.headers?.["content-type"]])).toEqual(
      Array(3).fill(["POST", "/public/riders", "application/json"]),
    );
    const bodies = requests.map((r) => JSON.parse(r.body ?? "null") as number[]);
    expect(bodies.map((b) => b.length)).toEqual([1000, 1000, 500]);
    expect(bodies.flat()).toEqual([...range(1, 2400), ...range(9001, 9100)]);
    expect(pages.map((p) => p.checkpoint)).toEqual([{ after: 1000 }, { after: 2000 }, undefined]);
    expect(idsOf(pages, "riders")).toHaveLength(2500);
  });

  it("resumes after its checkpoint with the ids that follow it", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(bulkRoute);

    // Act
    await drain({
      syncType: "riderStats",
      fetch,
      store: storeOf([...members, ...handAdded]),
      checkpoint: { after: 2000 },
    });

    // Assess
    const bodies = requests.map((r) => JSON.parse(r.body ?? "null") as number[]);
    expect(bodies).toEqual([[...range(2001, 2400), ...range(9001, 9100)]]);
  });

  it("stores the full rider and removes nobody ZR leaves out of its answer", async () => {
    // Prepare: ZR answers only for 5574 of the two asked for.
    const { fetch } = stubFetch(() => json(200, [rider(5574)]));
    const store = storeOf([storedMember(5574), storedRider(8)]);

    // Act
    const pages = await drain({ syncType: "riderStats", fetch, store });

    // Assess
    expect(pages).toEqual([{ entities: [{ type: "riders", id: "5574", data: rider(5574) }] }]);
  });

  it("makes no call when there is no rider to sync", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(bulkRoute);

    // Act
    const pages = await drain({ syncType: "riderStats", fetch, store: storeOf([storedMember(5, 42)]) });

    // Assess
    expect(requests).toEqual([]);
    expect(pages).toEqual([]);
  });
});
