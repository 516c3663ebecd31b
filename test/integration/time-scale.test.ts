/**
 * `timeScale` in the whole loop: one stack at 60, where OpenF1's "3/s, 30/min" become "3 per
 * 17 ms, 30 per 1 s" in Pacer (what GET /status reports, what the workers take permits under) and
 * in the fake alike. A burst larger than a scaled minute all succeeds with the fake answering no
 * 429, and the fake really enforces the scaled windows: calls paced within them all pass though
 * more than 30 fall in one real minute, and a burst beyond them is refused, naming the window.
 */
import { setTimeout as delay } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../../local/stack.ts";
import { call, waitForJob } from "./support/api-client.ts";
import { catalogOf } from "./support/target.ts";

const TIME_SCALE = 60;
/** The fake's scaled per-minute window (60 s / 60). */
const SCALED_MINUTE_MS = 1_000;

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    quiet: true,
    scheduler: false,
    timeScale: TIME_SCALE,
    catalog: catalogOf(["openf1"]),
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

interface StatusBody {
  providers: { provider: string; limits: { limitId: string; calls: number; perMs: number }[] }[];
}

/** Calls the fake's /v1 directly (as the worker does, minus Pacer) and answers its status and body. */
async function callFake(): Promise<{ status: number; body: string }> {
  const response = await fetch(`${stack.fakes.openf1?.url}/v1/meetings?year=2026`);
  return { status: response.status, body: await response.text() };
}

describe("limits at time scale 60", () => {
  it("GET /status reports OpenF1's windows divided by 60, rounded up to whole ms", async () => {
    // Act
    const status = await call<StatusBody>(stack, "GET", "/status");
    // Assess
    const openf1 = status.body.providers.find((p) => p.provider === "openf1");
    expect(openf1?.limits.map(({ limitId, calls, perMs }) => ({ limitId, calls, perMs }))).toEqual([
      { limitId: "per-second", calls: 3, perMs: 17 },
      { limitId: "per-minute", calls: 30, perMs: 1_000 },
    ]);
  });

  it("a burst beyond a scaled minute all succeeds, and the fake answers no 429", async () => {
    // Prepare: 40 calls against 30 per (scaled) minute and 3 per 17 ms: 40 different syncs (one
    // season each), since triggers of one sync merge into one job and reuse its answer.
    const requests = Array.from({ length: 40 }, (_, i) =>
      call<{ jobId: string }>(stack, "POST", "/sync", {
        body: { provider: "openf1", syncType: "sessions", params: { year: String(1990 + i) } },
      }),
    );
    // Act
    const accepted = (await Promise.all(requests)).map((r) => r.body);
    const jobs = await Promise.all(accepted.map((a) => waitForJob(stack, a.jobId, 150_000)));
    // Assess
    expect(jobs.map((j) => j.status)).toEqual(Array(40).fill("succeeded"));
    expect(stack.fakes.openf1?.stats().rateLimited).toBe(0);
    expect(stack.fakes.openf1?.stats().requests).toBeGreaterThanOrEqual(40);
  }, 200_000);

  it("the fake lets through calls paced within its scaled windows, more than 30 in a real minute", async () => {
    // Prepare: the burst's calls leave the fake's scaled minute.
    await delay(SCALED_MINUTE_MS + 100);
    // Act: 40 calls at least 40 ms apart: at most 25 in any second, far from 3 in any 17 ms.
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      statuses.push((await callFake()).status);
      await delay(40);
    }
    // Assess: unscaled, the 31st of them would be refused (30 per minute).
    expect(statuses.filter((s) => s === 429)).toEqual([]);
  }, 60_000);

  it("the fake refuses a burst beyond its scaled windows, naming the scaled window", async () => {
    // Act: 40 calls at once, more than a scaled minute holds.
    const answers = await Promise.all(Array.from({ length: 40 }, () => callFake()));
    // Assess
    const refused = answers.filter((a) => a.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]?.body).toMatch(/per (17|1000) ms \(.* at time scale 60\)/);
  });
});
