/**
 * A sync is not run twice at once: a scheduled firing whose sync a manual trigger already queued
 * ends skipped without a call, and the second message of a job whose priority was raised runs
 * nothing once the first has run it.
 */
import { describe, expect, it } from "vitest";
import { createProviderFetch } from "#adapters/provider-fetch.ts";
import type { CachedResponse, ResponseKey } from "#adapters/response-reuse.ts";
import { findProvider } from "#catalog/index.ts";
import { enqueueSync } from "#core/enqueue.ts";
import { ProviderMalformedError } from "#core/errors.ts";
import type { FetchLeg } from "#core/sync-job/types.ts";
import { runSyncJob, type SyncJobDeps } from "#core/sync-job.ts";
import { idempotencyKeyOf } from "#handlers/worker.ts";
import type { ProviderModule } from "#providers/types.ts";
import {
  connection,
  MemoryConnections,
  MemoryEntities,
  MemoryJobs,
  MemoryQueue,
  MemoryState,
  ScriptedLimiter,
} from "./fakes.ts";

const provider = findProvider("openf1");
if (!provider) throw new Error("openf1 missing from catalog");
const NOW = Date.parse("2026-11-29T12:00:00Z");
const CONNECTION_ID = connection().connectionId;

function setup(options: { fetchFor?: SyncJobDeps["fetchFor"] } = {}) {
  const jobs = new MemoryJobs();
  jobs.now = () => NOW;
  const queue = new MemoryQueue();
  const limiter = new ScriptedLimiter([], () => NOW);
  const calls: string[] = [];
  const legs: (FetchLeg | undefined)[] = [];
  const module: ProviderModule = {
    id: "openf1",
    sync: async function* (run) {
      await run.fetch({ path: "/v1/meetings" });
      yield { entities: [{ type: "meetings", id: "1", data: { name: "Monaco" } }] };
    },
  };
  const deps: SyncJobDeps = {
    provider: provider as NonNullable<typeof provider>,
    module,
    jobs,
    activeJobs: jobs,
    entities: new MemoryEntities(),
    connections: new MemoryConnections(),
    state: new MemoryState(),
    queue,
    limiter,
    fetchFor:
      options.fetchFor ??
      ((_job, permits, _deadline, leg) => {
        legs.push(leg);
        return async (request) => {
          await permits.take(request);
          calls.push(request.path);
          return new Response("[]");
        };
      }),
    metrics: { count: () => {} },
    clock: () => NOW,
    sleep: async () => {},
  };
  // What the API (or a connection's change) queues jobs with.
  const enqueue = { jobs, queue, clock: () => NOW, sleep: async () => {} };
  return { deps, enqueue, jobs, queue, limiter, calls, legs };
}

const firing = JSON.stringify({
  tenantId: "acme",
  connectionId: CONNECTION_ID,
  provider: "openf1",
  syncType: "meetings",
  priority: "low",
  source: "schedule",
  scheduledAt: "2026-11-29T12:00:00Z",
});
const delivery = (body: string, priority: "high" | "normal" | "low" = "low") => ({
  body,
  from: { provider: "openf1", priority },
  receiveCount: 1,
});
const manualMeetings = {
  tenantId: "acme",
  connectionId: CONNECTION_ID,
  provider: "openf1",
  syncType: "meetings",
  params: {},
  priority: "high" as const,
  source: "manual" as const,
};

describe("runSyncJob with the active-job index", () => {
  it("skips a scheduled firing whose sync is already queued, without calling the provider", async () => {
    // Prepare
    const { deps, enqueue, jobs, limiter, calls } = setup();
    const { job: queued } = await enqueueSync(enqueue, manualMeetings);
    // Act
    const outcome = await runSyncJob(deps, delivery(firing));
    // Assess
    expect(outcome).toMatchObject({ kind: "done", status: "skipped" });
    const skipped = [...jobs.records.values()].find((r) => r.source === "schedule");
    expect(skipped).toMatchObject({ status: "skipped", reason: `already queued: ${queued.jobId}` });
    expect(limiter.requests).toHaveLength(0);
    expect(calls).toEqual([]);
    expect(jobs.records.get(queued.jobId)?.status).toBe("queued");
  });

  it("runs the queued job, then lets the next firing run once it has ended", async () => {
    // Prepare
    const { deps, enqueue, jobs, queue, calls } = setup();
    const { job: queued } = await enqueueSync(enqueue, manualMeetings);
    // Act
    const manual = await runSyncJob(deps, delivery(JSON.stringify(queue.sent[0]?.message), "high"));
    const scheduled = await runSyncJob(deps, delivery(firing));
    // Assess
    expect(manual).toMatchObject({ jobId: queued.jobId, status: "succeeded" });
    expect(scheduled).toMatchObject({ kind: "done", status: "succeeded" });
    expect(calls).toEqual(["/v1/meetings", "/v1/meetings"]);
    const status = await jobs.subjectStatus("acme", CONNECTION_ID, "meetings", {});
    expect(status).toEqual({ lastSuccessAt: new Date(NOW).toISOString() });
  });

  it("merges a manual trigger into a scheduled run in flight instead of queueing another", async () => {
    // Prepare: the firing is running (it claimed its sync) when the trigger arrives.
    const { deps, enqueue, jobs } = setup();
    let merged: Awaited<ReturnType<typeof enqueueSync>> | undefined;
    deps.module.sync = async function* () {
      merged = await enqueueSync(enqueue, manualMeetings);
      yield { entities: [] };
    };
    // Act
    await runSyncJob(deps, delivery(firing));
    // Assess
    const scheduled = [...jobs.records.values()].find((r) => r.source === "schedule");
    expect(merged).toMatchObject({ merged: true, job: { jobId: scheduled?.jobId, status: "running" } });
    expect(jobs.records.size).toBe(1);
  });

  it("runs a raised job once: its second message is the same delivery and finds the job done", async () => {
    // Prepare: queued low, raised to high by a manual trigger: two messages for one job.
    const { deps, enqueue, queue, calls } = setup();
    await enqueueSync(enqueue, { ...manualMeetings, priority: "low", source: "read" });
    await enqueueSync(enqueue, manualMeetings);
    const [low, high] = queue.sent.map((s) => JSON.stringify(s.message));
    // Act
    const first = await runSyncJob(deps, delivery(high as string, "high"));
    const second = await runSyncJob(deps, delivery(low as string, "low"));
    // Assess
    expect(first).toMatchObject({ kind: "done", status: "succeeded" });
    expect(second).toMatchObject({ kind: "duplicate" });
    expect(calls).toHaveLength(1);
    // The worker's idempotency keys both alike, so even at once only one runs.
    const key = (body: string) => idempotencyKeyOf({ body, messageId: body });
    expect(key(low as string)).toBe(key(high as string));
  });

  it("offers a manual run's calls the recent answers to its own tenant and credential", async () => {
    // Prepare
    const { deps, legs } = setup();
    // Act
    await runSyncJob(deps, delivery(JSON.stringify({ ...manualMeetings, jobId: "m-1" }), "high"));
    // Assess
    const reuse = legs[0]?.reuse;
    expect(reuse).toMatchObject({ tenantId: "acme", budgetKey: connection().budgetKey });
    // OpenF1's longest window is a minute, shorter than the meetings' daily target.
    expect(reuse?.maxAgeMs({ path: "/v1/meetings" })).toBe(60_000);
  });

  it("keeps an answer for later runs only once its page is stored: a body the module refused is fetched anew", async () => {
    // Prepare: a cache under the real HTTP client; the provider's first answer is cut short.
    const kept = new Map<string, CachedResponse>();
    const cache = {
      get: async (key: ResponseKey) => kept.get(key.hash),
      put: async (key: ResponseKey, response: CachedResponse) => {
        kept.set(key.hash, response);
      },
    };
    const sent: string[] = [];
    const bodies = ['[{"id": 1, "na', '[{"id": 1, "name": "Monaco"}]'];
    const { deps } = setup({
      fetchFor: (_job, permits, _deadline, leg) =>
        createProviderFetch({
          baseUrl: "http://openf1.test",
          timeoutMs: 1_000,
          permits,
          onResponse: () => {},
          clock: () => NOW,
          ...(leg?.reuse ? { reuse: { cache, ...leg.reuse } } : {}),
          fetchImpl: (async (input: string | URL | Request) => {
            sent.push(String(input));
            return new Response(bodies.shift() ?? "[]", { headers: { "content-type": "application/json" } });
          }) as typeof fetch,
        }),
    });
    deps.module.sync = async function* (run) {
      const text = await (await run.fetch({ path: "/v1/meetings" })).text();
      let rows: { id: number }[];
      try {
        rows = JSON.parse(text);
      } catch {
        throw new ProviderMalformedError("meetings: the body is not JSON");
      }
      yield { entities: rows.map((r) => ({ type: "meetings", id: String(r.id), data: r })) };
    };
    // Act
    const failed = await runSyncJob(
      deps,
      delivery(JSON.stringify({ ...manualMeetings, jobId: "m-cut" }), "high"),
    );
    const keptAfterFailure = kept.size;
    const retried = await runSyncJob(
      deps,
      delivery(JSON.stringify({ ...manualMeetings, jobId: "m-cut", attempts: 1 }), "high"),
    );
    // Assess
    expect(failed).toMatchObject({ kind: "retrying" });
    expect(keptAfterFailure).toBe(0);
    expect(retried).toMatchObject({ kind: "done", status: "succeeded" });
    expect(sent).toHaveLength(2);
    expect(kept.size).toBe(1);
  });
});
