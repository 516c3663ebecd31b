/**
 * A child queued for later (ZwiftRacing's look at an event's results, queued before the race and
 * due after its end) counts its wait for permits from when it is due, not from when it was queued:
 * a busy limit at the due time defers it, as for any job, instead of failing it as waited too long.
 */
import { describe, expect, it } from "vitest";
import type { JobMessage } from "#core/job.ts";
import { runSyncJob } from "#core/sync-job.ts";
import type { ProviderModule } from "#providers/types.ts";
import { connection, ScriptedLimiter } from "./fakes.ts";
import { memoryDeps } from "./sync-job-deps.ts";

const NOW = Date.parse("2026-11-29T12:00:00Z");
const HOUR = 3_600_000;
const DUE = NOW + 3 * HOUR;
const ZR = connection({
  provider: "zwiftracing",
  tier: "standard",
  settings: { clubId: 1, experimental: true },
});

function setup() {
  let now = NOW;
  // The parent's call is granted; the child's, at its due time, finds the limit busy for 21 s.
  const limiter = new ScriptedLimiter([
    { granted: true, waitMs: 0, validForMs: 10, at: NOW },
    { granted: false, retryAfterMs: 21_000 },
  ]);
  const module: ProviderModule = {
    id: "zwiftracing",
    sync: async function* (run) {
      await run.fetch({ path: run.syncType === "events" ? "/events/upcoming" : "/public/results/7" });
      yield run.syncType === "events"
        ? {
            entities: [],
            children: [{ syncType: "eventResults", params: { eventId: "7" }, notBefore: DUE, once: true }],
          }
        : { entities: [] };
    },
  };
  const { deps, queue } = memoryDeps({
    module,
    connections: [ZR],
    limiter,
    clock: () => now,
    fetchFor: (_job, permits) => async (request) => {
      await permits.take(request);
      return new Response("[]");
    },
  });
  return { deps, queue, setNow: (at: number) => (now = at) };
}

const events = {
  body: JSON.stringify({
    jobId: "m-events",
    tenantId: "acme",
    connectionId: ZR.connectionId,
    provider: "zwiftracing",
    syncType: "events",
    priority: "low",
    source: "manual",
    enqueuedAt: new Date(NOW).toISOString(),
  }),
  from: { provider: "zwiftracing", priority: "low" as const },
  receiveCount: 1,
};

describe("runSyncJob: a child due later", () => {
  it("is queued for its due time and, finding the limit busy then, waits instead of failing", async () => {
    // Prepare
    const { deps, queue, setNow } = setup();
    await runSyncJob(deps, events);
    const look = queue.sent[0]?.message as JobMessage | undefined;
    if (look === undefined) throw new Error("the events run queued no look");

    // Act: the look runs when due, 3 h after it was queued.
    setNow(DUE);
    const outcome = await runSyncJob(deps, {
      body: JSON.stringify(look),
      from: { provider: "zwiftracing", priority: "normal" },
      receiveCount: 1,
    });

    // Assess
    expect(outcome).toMatchObject({ kind: "deferred" });
    expect(look).toMatchObject({ notBefore: DUE, enqueuedAt: new Date(DUE).toISOString() });
  });
});
