/**
 * A fan-out child whose data its provider calls final (a finished ZwiftRacing event's stored
 * results) ends skipped without a call; the same child for data still missing calls, and a
 * reader's or a user's trigger of final data is not skipped by this rule.
 */
import { describe, expect, it } from "vitest";
import { runSyncJob } from "#core/sync-job.ts";
import type { ProviderModule } from "#providers/types.ts";
import { connection, MemoryEntities } from "./fakes.ts";
import { memoryDeps } from "./sync-job-deps.ts";

const NOW = Date.parse("2026-11-29T12:00:00Z");
const ZR = connection({
  provider: "zwiftracing",
  tier: "standard",
  settings: { clubId: 1, experimental: true },
});

function setup(stored: Record<string, Record<string, unknown>>) {
  const entities = new MemoryEntities();
  for (const [key, data] of Object.entries(stored)) entities.stored.set(key, JSON.stringify(data));
  const calls: string[] = [];
  const module: ProviderModule = {
    id: "zwiftracing",
    sync: async function* (run) {
      await run.fetch({ path: `/public/results/${run.params.eventId}` });
      yield { entities: [] };
    },
  };
  const { deps, jobs } = memoryDeps({
    module,
    connections: [ZR],
    entities,
    clock: () => NOW,
    fetchFor: (_job, permits) => async (request) => {
      await permits.take(request);
      calls.push(request.path);
      return new Response("[]");
    },
  });
  return { deps, jobs, calls };
}

const look = (source: "fanout" | "read" | "manual") => ({
  body: JSON.stringify({
    jobId: `${source[0]}-look-4613373`,
    tenantId: "acme",
    connectionId: ZR.connectionId,
    provider: "zwiftracing",
    syncType: "eventResults",
    params: { eventId: "4613373" },
    priority: "normal",
    source,
    enqueuedAt: new Date(NOW).toISOString(),
  }),
  from: { provider: "zwiftracing", priority: "normal" as const },
  receiveCount: 1,
});
// The event started 3 h ago: it has surely ended.
const EVENT = { "events/4613373": { eventId: "4613373", time: (NOW - 3 * 3_600_000) / 1000 } };
const RESULTS = { "eventResults/4613373": { eventId: "4613373" } };

describe("runSyncJob: fan-out children of final data", () => {
  it("skips a look at results already stored, without calling ZwiftRacing", async () => {
    // Prepare
    const { deps, jobs, calls } = setup({ ...EVENT, ...RESULTS });

    // Act
    const outcome = await runSyncJob(deps, look("fanout"));

    // Assess
    expect(outcome).toMatchObject({ kind: "done", status: "skipped" });
    expect(jobs.records.get("f-look-4613373")).toMatchObject({
      status: "skipped",
      reason: "eventResults needs no refresh: its data is final or not due yet",
    });
    expect(calls).toEqual([]);
  });

  it("runs the same look while the results are still missing", async () => {
    // Prepare
    const { deps, calls } = setup(EVENT);

    // Act
    const outcome = await runSyncJob(deps, look("fanout"));

    // Assess
    expect(outcome).toMatchObject({ kind: "done", status: "succeeded" });
    expect(calls).toEqual(["/public/results/4613373"]);
  });

  it("still calls for a user's trigger of stored results", async () => {
    // Prepare
    const { deps, calls } = setup({ ...EVENT, ...RESULTS });

    // Act
    const outcome = await runSyncJob(deps, look("manual"));

    // Assess
    expect(outcome).toMatchObject({ kind: "done", status: "succeeded" });
    expect(calls).toEqual(["/public/results/4613373"]);
  });
});
