import { describe, expect, it } from "vitest";
import { findProvider } from "#catalog/index.ts";
import { nextGeneration } from "#core/sync-job/push-flight.ts";
import { runSyncJob, type SyncJobDeps } from "#core/sync-job.ts";
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

const provider = findProvider("copernico");
if (!provider) throw new Error("copernico missing from catalog");
const NOW = Date.parse("2026-11-29T12:00:00Z");
const RACE = "8c2f4f7e-1a2b-4c3d-8e9f-0a1b2c3d4e5f";
const OTHER_RACE = "9d3a5a8f-2b3c-4d4e-9fa0-1b2c3d4e5f60";
const copernico = connection({ provider: "copernico", tier: "standard", secretName: "s-1" });

/** A push whose one call waits until `release()`: it holds its lease as long as a slow push would. */
function slowPush() {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const sync: ProviderModule["sync"] = async function* () {
    await released;
    yield { entities: [] };
  };
  return { sync, release };
}

function setup(sync: ProviderModule["sync"]) {
  const jobs = new MemoryJobs();
  const queue = new MemoryQueue();
  const state = new MemoryState();
  const deps: SyncJobDeps = {
    provider: provider as NonNullable<typeof provider>,
    module: { id: "copernico", sync },
    jobs,
    entities: new MemoryEntities(),
    connections: new MemoryConnections([copernico], { "s-1": { apiKey: "k".repeat(32) } }),
    state,
    queue,
    limiter: new ScriptedLimiter([], () => NOW),
    fetchFor: () => async () => new Response("{}"),
    metrics: { count: () => {} },
    clock: () => NOW,
  };
  return { deps, jobs, queue, state };
}

const push = (jobId: string, eventId = RACE) => ({
  body: JSON.stringify({
    jobId,
    tenantId: "acme",
    connectionId: copernico.connectionId,
    provider: "copernico",
    syncType: "participants",
    params: { eventId },
    priority: "normal",
    source: "fanout",
  }),
  from: { provider: "copernico", priority: "normal" as const },
  receiveCount: 1,
});

describe("pushes of the same records, one at a time", () => {
  it("skips a push while another of the same records runs, and that one runs once more when it ends", async () => {
    // Prepare
    const slow = slowPush();
    const { deps, jobs, queue, state } = setup(slow.sync);
    const first = runSyncJob(deps, push("push.ev-1.100"));
    await new Promise((resolve) => setTimeout(resolve, 10));

    // Act
    const second = await runSyncJob(deps, push("push.ev-1.101"));
    slow.release();
    const firstOutcome = await first;

    // Assess
    expect(second).toMatchObject({ status: "skipped" });
    expect(jobs.records.get("push.ev-1.101")?.reason).toContain("push.ev-1.100");
    expect(firstOutcome).toMatchObject({ status: "succeeded" });
    const again = queue.sent.map(({ message }) => message).find((m) => m.jobId === "push.ev-1.100.again-1");
    expect(again).toMatchObject({ syncType: "participants", params: { eventId: RACE } });
    expect(state.leases.size).toBe(0);
  });

  it("queues nothing more when no push was turned away", async () => {
    const { deps, queue, state } = setup(async function* () {
      yield { entities: [] };
    });

    expect(await runSyncJob(deps, push("push.ev-1.100"))).toMatchObject({ status: "succeeded" });

    expect(queue.sent).toEqual([]);
    expect(state.leases.size).toBe(0);
  });

  it("does not hold up a push of other records (another race)", async () => {
    // Prepare
    const slow = slowPush();
    const { deps } = setup(slow.sync);
    const first = runSyncJob(deps, push("push.ev-1.100"));
    await new Promise((resolve) => setTimeout(resolve, 10));

    // Act
    const other = runSyncJob(deps, push("push.ev-2.100", OTHER_RACE));
    slow.release();

    // Assess
    expect(await other).toMatchObject({ status: "succeeded" });
    expect(await first).toMatchObject({ status: "succeeded" });
  });

  it("names each next run one generation on, so an ending retried queues it once", () => {
    expect(nextGeneration("push.ev-1.100")).toBe("push.ev-1.100.again-1");
    expect(nextGeneration("push.ev-1.100.again-1")).toBe("push.ev-1.100.again-2");
  });
});
