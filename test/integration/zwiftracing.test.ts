/**
 * ZwiftRacing on the provider platform, end to end on the local stack with limit windows divided
 * by 240 (Pacer's and the fake's alike): "1 club call per 60 min" acts as 1 per 15 s, the bulk
 * POST's 1 per 15 min as 1 per 3.75 s, the single rider's 5 per min as 5 per 250 ms.
 *
 * A 2,500-member club on a standard key syncs through continuations (3 club pages, each waiting
 * out the window in the queue, resuming at its cursor), then its riders in 3 bulk POSTs while a
 * rider added by hand goes through at once on its own endpoint group; the fake answers no 429 and
 * sees no call twice. Two tenants with their own keys have their own budgets and never see,
 * change or trigger each other's connection.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobRecord } from "#core/job.ts";
import type { FakeZwiftRacingStats } from "../../local/fakes/zwiftracing/stats.ts";
import type { LocalStack } from "../../local/stack.ts";
import { call, waitForJob } from "./support/api-client.ts";
import type { Target } from "./support/target.ts";
import { startZwiftStack } from "./support/zwift-stack.ts";

const TIME_SCALE = 240;
const KEY_A = "a1a1a1a1a1a1a1a1a1a1a1a1";
const KEY_B = "b2b2b2b2b2b2b2b2b2b2b2b2";
const BIG_CLUB = 1001;
const SMALL_CLUB = 1002;
const EMPTY_CLUB = 1003;

let stack: LocalStack;
let tenantA: Target;
let tenantB: Target;

beforeAll(async () => {
  stack = await startZwiftStack(TIME_SCALE, [KEY_A, KEY_B]);
  tenantA = { api: stack.api, ws: stack.ws, token: await stack.issueToken("club-a") } as Target;
  tenantB = { api: stack.api, ws: stack.ws, token: await stack.issueToken("club-b") } as Target;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

interface Connection {
  connectionId: string;
  credentials: { fingerprint: string } | null;
}

async function connect(target: Target, apiKey: string, clubId: number): Promise<Connection> {
  const response = await call<Connection>(target, "POST", "/connections", {
    body: { provider: "zwiftracing", credentials: { apiKey }, settings: { clubId } },
  });
  if (response.status !== 201)
    throw new Error(`POST /connections: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

async function sync(
  target: Target,
  connectionId: string,
  syncType: string,
  params?: Record<string, string>,
): Promise<string> {
  const response = await call<{ jobId: string }>(target, "POST", "/sync", {
    body: { provider: "zwiftracing", syncType, connectionId, ...(params ? { params } : {}) },
  });
  if (response.status !== 202)
    throw new Error(`POST /sync: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.jobId;
}

const fakeStats = () => stack.fakes.zwiftracing?.stats() as unknown as FakeZwiftRacingStats;

describe("a 2,500-rider club on a standard key", () => {
  let clubA: Connection;
  let members: JobRecord;

  it("syncs its members in 3 club pages through continuations, with no 429 and no call twice", async () => {
    // Prepare
    clubA = await connect(tenantA, KEY_A, BIG_CLUB);
    // Act
    members = await waitForJob(tenantA, await sync(tenantA, clubA.connectionId, "clubMembers"), 150_000);
    // Assess
    expect(members).toMatchObject({
      status: "succeeded",
      counts: { pages: 3, fetched: 2_501, written: 2_501, removed: 0 },
    });
    // Whether a page waited out the club window in the queue or (when writing the page before it
    // took long enough, on a loaded machine) in the worker depends on the machine's speed: the
    // going-back-with-its-checkpoint is sync-job-resume.test.ts's. Here: what the provider saw.
    const stats = fakeStats();
    expect(stats.calls.clubs).toBe(3);
    expect(stats.rateLimited).toBe(0);
    expect(stats.repeated).toBe(0);
  }, 180_000);

  it("pulls its riders' stats in 3 bulk POSTs, while a rider added by hand goes through at once", async () => {
    // Act
    const bulkId = await sync(tenantA, clubA.connectionId, "riderStats");
    const riderId = await sync(tenantA, clubA.connectionId, "rider", { riderId: "2000113" });
    const [bulk, rider] = await Promise.all([
      waitForJob(tenantA, bulkId, 120_000),
      waitForJob(tenantA, riderId, 120_000),
    ]);
    // Assess
    expect(bulk).toMatchObject({ status: "succeeded", counts: { pages: 3, fetched: 2_500, written: 2_500 } });
    expect(rider).toMatchObject({ status: "succeeded", deferrals: 0, counts: { fetched: 1, written: 1 } });
    // It did not wait behind the bulk sync: another endpoint group, another budget.
    expect(Date.parse(rider.finishedAt ?? "")).toBeLessThan(Date.parse(bulk.finishedAt ?? ""));
    const stats = fakeStats();
    expect(stats.calls["riders-bulk"]).toBe(3);
    expect(stats.calls.riders).toBe(1);
    expect(stats.rateLimited).toBe(0);
    expect(stats.repeated).toBe(0);
  }, 150_000);

  it("shares the key's budget with other connections on the same key", async () => {
    // Prepare: two more clubs on the same key. Had each a budget of its own, their club calls
    // would go out together and the fake would refuse one of them.
    const second = await connect(tenantA, KEY_A, SMALL_CLUB);
    const third = await connect(tenantA, KEY_A, EMPTY_CLUB);
    expect(second.credentials?.fingerprint).toBe(clubA.credentials?.fingerprint);
    // Act
    const jobs = await Promise.all(
      [second, third].map(async (c) =>
        waitForJob(tenantA, await sync(tenantA, c.connectionId, "clubMembers"), 90_000),
      ),
    );
    // Assess: both done, one club call per window between them, so one of them waited.
    expect(jobs.map((j) => j.status)).toEqual(["succeeded", "succeeded"]);
    expect(jobs.some((j) => j.deferrals > 0)).toBe(true);
    expect(fakeStats().rateLimited).toBe(0);
  }, 120_000);
});

describe("two tenants with their own keys", () => {
  let clubA: Connection;
  let clubB: Connection;

  beforeAll(async () => {
    const listed = await call<{ connections: (Connection & { settings: { clubId: number } })[] }>(
      tenantA,
      "GET",
      "/connections",
    );
    clubA = listed.body.connections.find((c) => c.settings.clubId === BIG_CLUB) as Connection;
    clubB = await connect(tenantB, KEY_B, SMALL_CLUB);
  });

  it("have independent budgets: B's club call does not wait for A's window", async () => {
    // Prepare: A spends its club window on its small club.
    const own = (
      await call<{ connections: (Connection & { settings: { clubId: number } })[] }>(
        tenantA,
        "GET",
        "/connections",
      )
    ).body.connections;
    const clubOf = (clubId: number) => own.find((c) => c.settings.clubId === clubId) as Connection;
    await waitForJob(tenantA, await sync(tenantA, clubOf(SMALL_CLUB).connectionId, "clubMembers"), 60_000);
    // Act: A (another club on its key: the small club's answer would be reused within the window,
    // costing no call) and B each ask for a club call at once.
    const [aAgain, bFirst] = await Promise.all([
      sync(tenantA, clubOf(EMPTY_CLUB).connectionId, "clubMembers").then((id) =>
        waitForJob(tenantA, id, 60_000),
      ),
      sync(tenantB, clubB.connectionId, "clubMembers").then((id) => waitForJob(tenantB, id, 60_000)),
    ]);
    // Assess: A's waited out its window; B's went at once, on its own key's budget.
    expect(aAgain).toMatchObject({ status: "succeeded" });
    expect(aAgain.deferrals).toBeGreaterThan(0);
    expect(bFirst).toMatchObject({ status: "succeeded", deferrals: 0, counts: { fetched: 41 } });
    expect(fakeStats().rateLimited).toBe(0);
  }, 150_000);

  it("B can neither list, read, change, delete nor trigger A's connection, nor read A's jobs", async () => {
    // Prepare
    const aJob = await sync(tenantA, clubA.connectionId, "rider", { riderId: "10007" });
    const id = clubA.connectionId;
    // Act
    const list = await call<{ connections: Connection[] }>(tenantB, "GET", "/connections");
    const answers = [
      await call(tenantB, "GET", `/connections/${id}`),
      await call(tenantB, "PATCH", `/connections/${id}`, { body: { enabled: false } }),
      await call(tenantB, "DELETE", `/connections/${id}`),
      await call(tenantB, "POST", "/sync", {
        body: { provider: "zwiftracing", syncType: "rider", connectionId: id, params: { riderId: "10007" } },
      }),
      await call(tenantB, "GET", `/jobs/${aJob}`),
    ];
    // Assess
    expect(list.body.connections.map((c) => c.connectionId)).toEqual([clubB.connectionId]);
    expect(answers.map((a) => a.status)).toEqual([404, 404, 404, 404, 404]);
    // A's connection is untouched.
    const still = await call<{ enabled: boolean }>(tenantA, "GET", `/connections/${id}`);
    expect(still.body.enabled).toBe(true);
    expect((await waitForJob(tenantA, aJob, 60_000)).status).toBe("succeeded");
  }, 120_000);
});
