/**
 * The limiter in the whole loop: a burst of manual jobs larger than OpenF1's 3/s budget is
 * spread over time by deferring jobs (never failing them), the fake provider — which answers 429
 * to any excess — never refuses a call, and the job changes reach `jobs` subscribers.
 *
 * The burst is put on the high queue in two batch sends, as POST /sync would queue it, so it is a
 * burst however slowly a loaded machine serves the API. Needs the in-process stack (it reads the
 * fake's counters and the queues); skipped against an external target.
 */
import { randomUUID } from "node:crypto";
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientConfig } from "../../local/aws/aws-config.ts";
import { call, waitForJob } from "./support/api-client.ts";
import { externalTarget, startTarget, type Target } from "./support/target.ts";
import { connect } from "./support/ws-client.ts";

let target: Target;

beforeAll(async () => {
  target = await startTarget();
});

afterAll(async () => {
  await target?.stop();
});

describe.skipIf(externalTarget)("rate limits end to end", () => {
  it("defers a burst beyond the provider's limit instead of failing it, and the provider sees no excess", async () => {
    const ws = await connect(target.ws, target.token);
    ws.send({ action: "subscribe", topic: "jobs" });
    await ws.waitFor((m) => m.type === "subscribed");

    // Twenty calls at once against 3 per second: seven seconds to spread. Workers wait up to 5 s for a
    // reserved permit in-process; the jobs whose permit is further off go back to the queue.
    const local = target.local;
    if (!local) throw new Error("needs the in-process stack");
    // Each of its own season: twenty different reads, none answered by another's response.
    const accepted = Array.from({ length: 20 }, (_, i) => ({
      jobId: `m-burst-${randomUUID()}`,
      year: String(2004 + i),
    }));
    const sqs = new SQSClient(clientConfig(local.sqsEndpoint));
    const enqueuedAt = new Date().toISOString();
    for (const batch of [accepted.slice(0, 10), accepted.slice(10)]) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: local.queues.openf1?.high.url,
          Entries: batch.map(({ jobId, year }, i) => ({
            Id: String(i),
            MessageBody: JSON.stringify({
              jobId,
              tenantId: local.tenantId,
              connectionId: local.connections.openf1,
              provider: "openf1",
              syncType: "sessions",
              params: { year },
              priority: "high",
              source: "manual",
              enqueuedAt,
            }),
          })),
        }),
      );
    }
    sqs.destroy();
    // Twenty calls fit OpenF1's 30 a minute, but a loaded machine can push some into the next
    // minute: the wait bounds a hang, not how fast the limiter spreads them.
    const jobs = await Promise.all(accepted.map((a) => waitForJob(target, a.jobId, 150_000)));

    expect(jobs.map((j) => j.status)).toEqual(Array(20).fill("succeeded"));
    expect(jobs.some((j) => j.deferrals > 0)).toBe(true);
    expect(target.local?.fakes.openf1?.stats().rateLimited).toBe(0);

    // Subscribers of `jobs` saw a job wait and then finish.
    const deferred = jobs.find((j) => j.deferrals > 0);
    await ws.waitFor(
      (m) => m.type === "job" && (m.job as { jobId?: string; status?: string }).status === "deferred",
    );
    await ws.waitFor(
      (m) =>
        m.type === "job" &&
        (m.job as { jobId?: string; status?: string }).jobId === deferred?.jobId &&
        (m.job as { status?: string }).status === "succeeded",
    );
    await ws.close();

    // The status report shows the budget in use and nothing left pending.
    const status = await call<{
      providers: {
        provider: string;
        syncTypes: { syncType: string; pendingJobs: number; lastStatus: string }[];
        limits: { limitId: string; used: number; calls: number }[];
      }[];
    }>(target, "GET", "/status");
    const openf1 = status.body.providers.find((p) => p.provider === "openf1");
    expect(openf1?.syncTypes.find((s) => s.syncType === "sessions")).toMatchObject({
      pendingJobs: 0,
      lastStatus: "succeeded",
    });
    const perMinute = openf1?.limits.find((l) => l.limitId === "per-minute");
    // The current window holds some of the burst (how many depends on when it started), never more than N.
    expect(perMinute?.used).toBeGreaterThan(0);
    expect(perMinute?.used).toBeLessThanOrEqual(perMinute?.calls ?? 0);
    expect(target.local?.fakes.openf1?.stats().requests).toBeGreaterThanOrEqual(20);
  }, 200_000);
});
