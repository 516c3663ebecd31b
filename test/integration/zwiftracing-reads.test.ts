/**
 * Reads that refresh, end to end on the local stack: the first read of an event's signups answers
 * at once with what is stored (nothing yet) and queues one refresh, a second read meanwhile finds
 * that refresh instead of queueing another, and once it has run the data is there and fresh.
 * Another tenant neither sees the data nor gets it refreshed on its behalf. Limit windows are
 * divided by 240, Pacer's and the fake's alike, so the events endpoint's 1 call a minute is 1 per
 * 250 ms.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../local/stack.ts";
import { call, waitForJob } from "./support/api-client.ts";
import type { Target } from "./support/target.ts";
import { startZwiftStack } from "./support/zwift-stack.ts";

const TIME_SCALE = 240;
const KEY_A = "c3c3c3c3c3c3c3c3c3c3c3c3";
/** Only this test's own look at the fake's event list spends this key's budget. */
const KEY_PROBE = "d4d4d4d4d4d4d4d4d4d4d4d4";
const CLUB = 1002;

interface DataPage {
  items: { id: string; data: Record<string, unknown> }[];
  nextCursor: string | null;
  freshness: {
    syncType: string;
    params: Record<string, string>;
    lastSuccessAt: string | null;
    ageSeconds: number | null;
    targetSeconds: number | null;
    refresh: { jobId: string } | null;
  } | null;
}

let stack: LocalStack;
let tenantA: Target;
let tenantB: Target;
/** The farthest event listed: the events sync's fan-out (last hour, and one more per run, soonest first) reaches it last. */
let eventId: string;

beforeAll(async () => {
  stack = await startZwiftStack(TIME_SCALE, [KEY_A, KEY_PROBE]);
  const fake = stack.fakes.zwiftracing?.url;
  const listed = await fetch(`${fake}/api/events/upcoming`, { headers: { authorization: KEY_PROBE } });
  const upcoming = (await listed.json()) as { eventId: string; time: number }[];
  const last = [...upcoming].sort((a, b) => a.time - b.time).at(-1);
  if (last === undefined) throw new Error("the fake lists no upcoming events");
  eventId = last.eventId;
  tenantA = { api: stack.api, ws: stack.ws, token: await stack.issueToken("reader-a") } as Target;
  tenantB = { api: stack.api, ws: stack.ws, token: await stack.issueToken("reader-b") } as Target;
  const connected = await call(tenantA, "POST", "/connections", {
    body: {
      provider: "zwiftracing",
      credentials: { apiKey: KEY_A },
      settings: { clubId: CLUB, experimental: true },
    },
  });
  if (connected.status !== 201)
    throw new Error(`POST /connections: ${connected.status} ${JSON.stringify(connected.body)}`);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

const readSignups = (target: Target) =>
  call<DataPage>(target, "GET", `/data/zwiftracing/signups?prefix=${encodeURIComponent(eventId)}`);

describe("GET /data/zwiftracing/signups?prefix=<eventId>", () => {
  let refreshJob: string;

  it("answers a read of signups never fetched at once, and queues one refresh however often it is read", async () => {
    // Act
    const first = await readSignups(tenantA);
    const second = await readSignups(tenantA);

    // Assess
    expect(first.status).toBe(200);
    expect(first.body.items).toEqual([]);
    expect(first.body.freshness).toMatchObject({
      syncType: "signups",
      params: { eventId },
      lastSuccessAt: null,
    });
    refreshJob = first.body.freshness?.refresh?.jobId ?? "";
    expect(refreshJob).not.toBe("");
    expect(second.body.freshness?.refresh).toEqual({ jobId: refreshJob });
  }, 30_000);

  it("has the refreshed data once the refresh has run, fresh, so a read queues nothing more", async () => {
    // Act
    const job = await waitForJob(tenantA, refreshJob, 60_000);
    // The sync's last success is written before the job's record says succeeded (JobStore).
    const after = await readSignups(tenantA);

    // Assess
    expect(job).toMatchObject({ status: "succeeded", source: "read", priority: "high", syncType: "signups" });
    expect(after.body.items.length).toBeGreaterThan(0);
    expect(after.body.items.every((item) => item.id.startsWith(`${eventId}:`))).toBe(true);
    expect(after.body.freshness?.lastSuccessAt).not.toBeNull();
    expect(after.body.freshness?.refresh).toBeNull();
  }, 90_000);

  it("shows another tenant none of it, and refreshes nothing on its behalf", async () => {
    // Act
    const other = await readSignups(tenantB);
    const job = await call(tenantB, "GET", `/jobs/${encodeURIComponent(refreshJob)}`);

    // Assess
    expect(other.status).toBe(200);
    expect(other.body.items).toEqual([]);
    expect(other.body.freshness?.refresh).toBeNull();
    expect(job.status).toBe(404);
  }, 30_000);

  it("refuses a prefix that names no event, saying why", async () => {
    // Act
    const bad = await call<{ error: { code: string; message: string } }>(
      tenantA,
      "GET",
      "/data/zwiftracing/signups?prefix=not-an-event",
    );

    // Assess
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: "VALIDATION_ERROR" });
    expect(bad.body.error.message).toContain("prefix");
  }, 30_000);
});
