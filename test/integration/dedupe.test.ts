/**
 * No duplicate work, end to end on the local stack: N manual triggers of one ZwiftRacing rider
 * sync within one limit window cost one provider call — those that arrive while it is queued or
 * running merge into its job, and one that arrives after it finished is answered from the
 * response it fetched. Another tenant's identical trigger neither merges into that job nor gets
 * that response.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobRecord } from "#core/job.ts";
import type { FakeZwiftRacingStats } from "../../local/fakes/zwiftracing/stats.ts";
import { type LocalStack, startLocalStack } from "../../local/stack.ts";
import { call, waitForJob } from "./support/api-client.ts";
import { catalogOf, type Target } from "./support/target.ts";

const KEY_A = "d3d3d3d3d3d3d3d3d3d3d3d3";
const KEY_B = "e4e4e4e4e4e4e4e4e4e4e4e4";
const CLUB = 1002;
const RIDER = { riderId: "10007" };

let stack: LocalStack;
let tenantA: Target;
let tenantB: Target;
let connectionA: string;
let connectionB: string;

interface Accepted {
  readonly jobId: string;
  readonly status: string;
  readonly priority: string;
  readonly merged?: boolean;
}

beforeAll(async () => {
  stack = await startLocalStack({
    quiet: true,
    catalog: catalogOf(["zwiftracing"]),
    scheduler: false,
    connectFakes: false,
  });
  for (const key of [KEY_A, KEY_B]) {
    const registered = await fetch(`${stack.fakes.zwiftracing?.url}/_fake/keys`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ key, tier: "standard" }),
    });
    if (registered.status !== 201) throw new Error(`the fake refused key registration: ${registered.status}`);
  }
  tenantA = { api: stack.api, ws: stack.ws, token: await stack.issueToken("dedupe-a") } as Target;
  tenantB = { api: stack.api, ws: stack.ws, token: await stack.issueToken("dedupe-b") } as Target;
  connectionA = await connect(tenantA, KEY_A);
  connectionB = await connect(tenantB, KEY_B);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

async function connect(target: Target, apiKey: string): Promise<string> {
  const response = await call<{ connectionId: string }>(target, "POST", "/connections", {
    body: { provider: "zwiftracing", credentials: { apiKey }, settings: { clubId: CLUB } },
  });
  if (response.status !== 201)
    throw new Error(`POST /connections: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.connectionId;
}

async function triggerRider(target: Target, connectionId: string): Promise<Accepted> {
  const response = await call<Accepted>(target, "POST", "/sync", {
    body: { provider: "zwiftracing", syncType: "rider", connectionId, params: RIDER },
  });
  if (response.status !== 202)
    throw new Error(`POST /sync: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

function riderCalls(): number {
  const fake = stack.fakes.zwiftracing;
  if (!fake) throw new Error("the stack runs no ZwiftRacing fake");
  return (fake.stats() as unknown as FakeZwiftRacingStats).calls.riders;
}

describe("manual triggers of one sync", () => {
  let first: Accepted;
  let firstRun: JobRecord;

  it("merge into the job already queued or running: five triggers, one job, one call", async () => {
    // Prepare
    const before = riderCalls();
    // Act
    const answers = await Promise.all(Array.from({ length: 5 }, () => triggerRider(tenantA, connectionA)));
    [first] = answers as [Accepted];
    const job = await waitForJob(tenantA, first.jobId, 60_000);
    firstRun = job;
    // Assess
    expect(new Set(answers.map((a) => a.jobId))).toEqual(new Set([first.jobId]));
    expect(answers.filter((a) => a.merged === true)).toHaveLength(4);
    expect(job).toMatchObject({ status: "succeeded", counts: { fetched: 1 } });
    expect(riderCalls()).toBe(before + 1);
  }, 90_000);

  it("after the job finished, runs again on the response it fetched: no call", async () => {
    // Prepare
    const before = riderCalls();
    // Act
    const again = await triggerRider(tenantA, connectionA);
    const job = await waitForJob(tenantA, again.jobId, 60_000);
    // Assess
    expect(again.jobId).not.toBe(first.jobId);
    expect(again.merged).toBeUndefined();
    expect(job).toMatchObject({ status: "succeeded", attempts: 0, counts: { fetched: 1 } });
    expect(riderCalls()).toBe(before);
    // Its data is as old as the answer it reused, fetched during the first run.
    expect(Date.parse(job.dataAsOf ?? "")).toBeGreaterThanOrEqual(Date.parse(firstRun.startedAt ?? ""));
    expect(Date.parse(job.dataAsOf ?? "")).toBeLessThanOrEqual(Date.parse(firstRun.finishedAt ?? ""));
  }, 90_000);

  it("of another tenant never merge into the first tenant's job nor reuse its response", async () => {
    // Prepare: A's next trigger is in flight when B's arrives.
    const before = riderCalls();
    // Act
    const [a, b] = await Promise.all([
      triggerRider(tenantA, connectionA),
      triggerRider(tenantB, connectionB),
    ]);
    const bJob = await waitForJob(tenantB, b.jobId, 60_000);
    await waitForJob(tenantA, a.jobId, 60_000);
    // Assess
    expect(b.jobId).not.toBe(a.jobId);
    expect(b.merged).toBeUndefined();
    expect(bJob).toMatchObject({ status: "succeeded", tenantId: "dedupe-b", counts: { fetched: 1 } });
    // B's own call; A's run was answered from A's kept response.
    expect(riderCalls()).toBe(before + 1);
    expect((await call(tenantB, "GET", `/jobs/${a.jobId}`)).status).toBe(404);
  }, 90_000);
});
