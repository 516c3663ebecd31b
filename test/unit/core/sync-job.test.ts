import { describe, expect, it } from "vitest";
import { findProvider } from "#catalog/index.ts";
import {
  InvocationEndingError,
  ProviderRateLimitedError,
  ProviderRejectedError,
  ProviderUnavailableError,
} from "#core/errors.ts";
import { scheduledJobId } from "#core/job.ts";
import { RetryableJobError, runSyncJob, type SyncJobDeps } from "#core/sync-job.ts";
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

/** A module's sync that fails before its first page. */
const fails =
  (error: Error): ProviderModule["sync"] =>
  () => ({ [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(error) }) });

/** The default sync: one call to OpenF1's meetings, one page. */
const oneMeeting: ProviderModule["sync"] = async function* (run) {
  await run.fetch({ path: "/v1/meetings" });
  yield { entities: [{ type: "meetings", id: "1", data: { name: "Monaco" } }] };
};

function setup(
  options: {
    sync?: ProviderModule["sync"];
    plan?: ProviderModule["plan"];
    limiter?: ScriptedLimiter;
    connections?: MemoryConnections;
  } = {},
) {
  const jobs = new MemoryJobs();
  const entities = new MemoryEntities();
  const queue = new MemoryQueue();
  const limiter = options.limiter ?? new ScriptedLimiter([], () => NOW);
  const counted: string[] = [];
  const module: ProviderModule = {
    id: "openf1",
    plan: options.plan,
    sync: options.sync ?? oneMeeting,
  };
  const deps: SyncJobDeps = {
    provider: provider as NonNullable<typeof provider>,
    module,
    jobs,
    entities,
    connections: options.connections ?? new MemoryConnections(),
    state: new MemoryState(),
    queue,
    limiter,
    // As createProviderFetch does: every call takes its permit as it is sent.
    fetchFor: (_job, permits) => async (request) => {
      await permits.take(request);
      return new Response("[]");
    },
    metrics: { count: (name) => counted.push(name) },
    clock: () => NOW,
  };
  return { deps, jobs, entities, queue, limiter, counted };
}

const CONNECTION_ID = connection().connectionId;

const manual = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    jobId: "m-1",
    tenantId: "acme",
    connectionId: CONNECTION_ID,
    provider: "openf1",
    syncType: "meetings",
    priority: "high",
    source: "manual",
    ...overrides,
  });
const delivery = (body: string, receiveCount = 1) => ({
  body,
  from: { provider: "openf1", priority: "high" as const },
  receiveCount,
});

describe("runSyncJob", () => {
  it("runs a job to succeeded with counts, and a rerun of the same data writes nothing", async () => {
    const { deps, jobs } = setup();
    expect(await runSyncJob(deps, delivery(manual()))).toMatchObject({ kind: "done", status: "succeeded" });
    expect(jobs.records.get("m-1")).toMatchObject({
      status: "succeeded",
      attempts: 1,
      counts: { pages: 1, fetched: 1, written: 1, unchanged: 0, removed: 0 },
    });
    await runSyncJob(deps, delivery(manual({ jobId: "m-2" })));
    expect(jobs.records.get("m-2")?.counts).toEqual({
      pages: 1,
      fetched: 1,
      written: 0,
      unchanged: 1,
      removed: 0,
      pushed: 0,
    });
  });

  it("takes each call's permit at the message's priority, under every limit of its endpoint group, in the connection's budget", async () => {
    const { deps, limiter } = setup();
    await runSyncJob(deps, delivery(manual()));
    expect(limiter.requests).toHaveLength(1);
    expect(limiter.requests[0]).toMatchObject({ permits: 1, priority: "high", scopeKey: "k-acme" });
    expect(limiter.requests[0]?.limits.map((l) => [l.id, l.calls])).toEqual([
      ["per-second", 3],
      ["per-minute", 30],
    ]);
  });

  it("holds a paid connection's calls to the paid tier's numbers", async () => {
    const { deps, limiter } = setup({ connections: new MemoryConnections([connection({ tier: "paid" })]) });
    await runSyncJob(deps, delivery(manual()));
    expect(limiter.requests[0]?.limits.map((l) => l.calls)).toEqual([6, 60]);
  });

  it("skips a job whose connection is gone or disabled, without a call", async () => {
    const gone = setup({ connections: new MemoryConnections([]) });
    expect(await runSyncJob(gone.deps, delivery(manual()))).toMatchObject({ status: "skipped" });
    expect(gone.jobs.records.get("m-1")?.reason).toMatch(/no longer exists/);
    const off = setup({ connections: new MemoryConnections([connection({ enabled: false })]) });
    expect(await runSyncJob(off.deps, delivery(manual()))).toMatchObject({ status: "skipped" });
    expect(off.jobs.records.get("m-1")?.reason).toMatch(/disabled/);
    expect([...gone.limiter.requests, ...off.limiter.requests]).toEqual([]);
  });

  it("hands the delivery back to SQS, spending no attempt, when reading its connection fails", async () => {
    // Prepare: Pacer's own table throttled while the worker reads the connection.
    const connections = new MemoryConnections();
    connections.get = async () => {
      throw Object.assign(new Error("ProvisionedThroughputExceededException"), { $metadata: {} });
    };
    const { deps, jobs, limiter } = setup({ connections });
    // Act + Assess
    await expect(runSyncJob(deps, delivery(manual()))).rejects.toBeInstanceOf(RetryableJobError);
    expect(jobs.records.get("m-1")).toMatchObject({ status: "running", attempts: 0 });
    expect(limiter.requests).toEqual([]);
  });

  it("never runs another tenant's connection: a message naming it finds no connection", async () => {
    const { deps, limiter } = setup({
      connections: new MemoryConnections([connection({ tenantId: "globex" })]),
    });
    expect(await runSyncJob(deps, delivery(manual()))).toMatchObject({ status: "skipped" });
    expect(limiter.requests).toEqual([]);
  });

  it("refuses a call outside the definition's endpoints before it is sent", async () => {
    const sent: string[] = [];
    const { deps, queue } = setup({
      sync: async function* (run) {
        sent.push("before");
        await run.fetch({ path: "/v1/laps" });
        yield { entities: [] };
      },
    });
    expect(await runSyncJob(deps, delivery(manual()))).toMatchObject({
      kind: "dead-lettered",
      code: "UNCATALOGUED_ENDPOINT",
    });
    expect(queue.dead[0]?.reason.message).toMatch(/GET \/v1\/laps/);
  });

  it("puts a job without a permit back on its queue for exactly the wait, without failing it", async () => {
    const { deps, jobs, queue } = setup({
      limiter: new ScriptedLimiter([{ granted: false, retryAfterMs: 4_200 }]),
    });
    expect(await runSyncJob(deps, delivery(manual()))).toMatchObject({
      kind: "deferred",
      retryAfterMs: 4_200,
    });
    expect(queue.sent).toEqual([
      { message: expect.objectContaining({ jobId: "m-1", deferrals: 1 }), delaySeconds: 5 },
    ]);
    expect(queue.dead).toEqual([]);
    expect(jobs.records.get("m-1")).toMatchObject({ status: "deferred", deferrals: 1 });
  });

  it("promotes low work that has waited past the aging threshold to the normal queue", async () => {
    const { deps, queue, limiter } = setup({
      limiter: new ScriptedLimiter([{ granted: false, retryAfterMs: 60_000 }]),
    });
    const old = new Date(NOW - 20 * 60_000).toISOString();
    await runSyncJob(deps, delivery(manual({ priority: "low", enqueuedAt: old })));
    expect(limiter.requests[0]?.priority).toBe("normal");
    expect(queue.sent[0]?.message).toMatchObject({ priority: "normal", enqueuedAt: old });

    const fresh = setup({ limiter: new ScriptedLimiter([{ granted: false, retryAfterMs: 60_000 }]) });
    await runSyncJob(
      fresh.deps,
      delivery(manual({ priority: "low", enqueuedAt: new Date(NOW - 60_000).toISOString() })),
    );
    expect(fresh.queue.sent[0]?.message.priority).toBe("low");
  });

  it("chains waits longer than SQS's 15-minute delay through notBefore", async () => {
    const hour = 3_600_000;
    const { deps, queue } = setup({ limiter: new ScriptedLimiter([{ granted: false, retryAfterMs: hour }]) });
    await runSyncJob(deps, delivery(manual()));
    expect(queue.sent[0]).toMatchObject({ delaySeconds: 900, message: { notBefore: NOW + hour } });
    // The hop arrives early: it goes back again, with no permit taken and no provider call.
    const early = JSON.stringify({ ...JSON.parse(manual()), deferrals: 1, notBefore: NOW + hour - 900_000 });
    const again = setup();
    const stored = (deps.jobs as typeof again.jobs).records.get("m-1");
    if (stored) await again.jobs.create(stored);
    expect(await runSyncJob(again.deps, delivery(early))).toMatchObject({
      kind: "deferred",
      retryAfterMs: hour - 900_000,
    });
    expect(again.limiter.requests).toEqual([]);
    expect(again.queue.sent[0]).toMatchObject({ delaySeconds: 900, message: { deferrals: 2 } });
    expect(JSON.parse(again.jobs.queueStates.get("m-1")?.pendingMessage ?? "{}")).toMatchObject({
      deferrals: 2,
    });
  });

  it("retries a 429 after the provider's Retry-After, counting it as an attempt", async () => {
    const { deps, queue, jobs, counted } = setup({
      sync: fails(new ProviderRateLimitedError(2_000)),
    });
    const outcome = await runSyncJob(deps, delivery(manual()));
    expect(outcome).toMatchObject({ kind: "retrying", attempts: 1 });
    expect(queue.sent[0]?.delaySeconds).toBeGreaterThanOrEqual(2);
    expect(queue.sent[0]?.message).toMatchObject({ attempts: 1, deferrals: 0 });
    expect(jobs.records.get("m-1")).toMatchObject({ status: "queued", attempts: 1, deferrals: 0 });
    expect(counted).toContain("ProviderThrottled");
  });

  it("fails a job whose provider keeps answering 429 once its attempts are spent, and alarms", async () => {
    const { deps, queue, jobs, counted } = setup({
      sync: fails(new ProviderRateLimitedError(1_000)),
    });
    const outcome = await runSyncJob(deps, delivery(manual({ attempts: 4 })));
    expect(outcome).toMatchObject({ kind: "dead-lettered", code: "PROVIDER_THROTTLED_OUT" });
    expect(jobs.records.get("m-1")).toMatchObject({ status: "failed", attempts: 5 });
    expect(queue.dead[0]?.reason.message).toMatch(/5 of 5 attempts/);
    expect(counted).toContain("ProviderThrottledOut");
  });
  it("sends a message that can never be processed to the DLQ of its queue, with the reason", async () => {
    const { deps, queue } = setup();
    const outcome = await runSyncJob(deps, delivery('{"provider":"openf1","syncType":42}'));
    expect(outcome).toMatchObject({ kind: "dead-lettered", code: "INVALID_MESSAGE" });
    // The outcome is persisted as the idempotency record: it must survive JSON unchanged.
    expect(JSON.parse(JSON.stringify(outcome))).toStrictEqual(outcome);
    expect(queue.dead[0]?.reason.message).toMatch(/syncType/);
    expect(queue.dead[0]?.from).toEqual({ provider: "openf1", priority: "high" });

    expect(await runSyncJob(deps, delivery("not json"))).toMatchObject({ kind: "dead-lettered" });
    expect(await runSyncJob(deps, delivery(manual({ syncType: "laps" })))).toMatchObject({
      kind: "dead-lettered",
      reason: expect.stringMatching(/no sync type "laps"/),
    });
  });

  it("fails a job the provider rejects, and parks it with the provider's reason", async () => {
    const { deps, queue, jobs } = setup({
      sync: fails(new ProviderRejectedError("401: restricted during live sessions", 401)),
    });
    expect(await runSyncJob(deps, delivery(manual()))).toMatchObject({ kind: "dead-lettered" });
    expect(jobs.records.get("m-1")).toMatchObject({ status: "failed", error: { code: "PROVIDER_REJECTED" } });
    expect(queue.dead[0]?.reason.message).toMatch(/restricted/);
  });

  it("retries a transient failure as a new message with backoff, and fails it once the budget is spent", async () => {
    const failing = fails(new ProviderUnavailableError("502 from provider"));
    const first = setup({ sync: failing });
    expect(await runSyncJob(first.deps, delivery(manual()))).toMatchObject({ kind: "retrying", attempts: 1 });
    expect(first.jobs.records.get("m-1")).toMatchObject({
      status: "queued",
      attempts: 1,
      error: { code: "PROVIDER_UNAVAILABLE", message: "502 from provider" },
    });
    // The delivery is acknowledged and the job goes on as a new message carrying its budget.
    expect(first.queue.sent).toEqual([
      { message: expect.objectContaining({ jobId: "m-1", attempts: 1 }), delaySeconds: expect.any(Number) },
    ]);
    expect(first.queue.dead).toEqual([]);
    // The sweep can send exactly that message again if it is lost.
    expect(JSON.parse(first.jobs.queueStates.get("m-1")?.pendingMessage ?? "{}")).toMatchObject({
      attempts: 1,
    });

    const last = setup({ sync: failing });
    expect(await runSyncJob(last.deps, delivery(manual({ attempts: 4 })))).toMatchObject({
      kind: "dead-lettered",
      code: "RETRIES_EXHAUSTED",
    });
    expect(last.jobs.records.get("m-1")).toMatchObject({ status: "failed", attempts: 5 });
    expect(last.queue.dead[0]?.reason.message).toMatch(
      /5 of 5 attempts.*PROVIDER_UNAVAILABLE: 502 from provider/,
    );
    expect(last.counted).toContain("RetriesExhausted");
  });

  it("puts a job back without spending an attempt when its invocation runs out of time", async () => {
    const { deps, jobs, queue } = setup({
      sync: fails(new InvocationEndingError("500 ms left in this invocation")),
    });
    expect(await runSyncJob(deps, delivery(manual()))).toMatchObject({ kind: "deferred" });
    expect(queue.sent[0]).toMatchObject({ message: { attempts: 0, deferrals: 1 }, delaySeconds: 0 });
    expect(jobs.records.get("m-1")).toMatchObject({ status: "deferred", deferrals: 1 });
  });

  it("does not run an older message of a job that has moved on (a redelivery after its retry was queued)", async () => {
    let calls = 0;
    const { deps, queue } = setup({
      sync: (run) => {
        calls++;
        return fails(new ProviderUnavailableError("502 from provider"))(run);
      },
    });
    expect(await runSyncJob(deps, delivery(manual()))).toMatchObject({ kind: "retrying", attempts: 1 });
    // SQS hands out the first message again (its ack was lost): the job is already queued as attempt 2.
    expect(await runSyncJob(deps, delivery(manual(), 2))).toMatchObject({ kind: "duplicate" });
    expect(calls).toBe(1);
    expect(queue.sent).toHaveLength(1);
  });

  it("does not retry a job past its maximum age", async () => {
    const { deps, queue } = setup({
      sync: fails(new ProviderUnavailableError("timed out")),
    });
    const old = new Date(NOW - 59 * 60_000 - 59_000).toISOString();
    expect(await runSyncJob(deps, delivery(manual({ enqueuedAt: old })))).toMatchObject({
      kind: "dead-lettered",
      code: "RETRIES_EXHAUSTED",
      reason: expect.stringMatching(/past the 3600 s/),
    });
    expect(queue.sent).toEqual([]);
  });

  it("fails a job that has waited for permits longer than its sync type allows", async () => {
    const { deps, jobs, counted } = setup({
      limiter: new ScriptedLimiter([{ granted: false, retryAfterMs: 10 * 60_000 }]),
    });
    // A 30-second sync may wait an hour at most: a run that late is long superseded.
    const old = new Date(NOW - 55 * 60_000).toISOString();
    const body = manual({ syncType: "weather", enqueuedAt: old, deferrals: 30 });
    expect(await runSyncJob(deps, delivery(body))).toMatchObject({
      kind: "dead-lettered",
      code: "PERMIT_WAIT_EXHAUSTED",
    });
    expect(jobs.records.get("m-1")).toMatchObject({ status: "failed", attempts: 0, deferrals: 30 });
    expect(counted).toContain("PermitWaitExhausted");
  });

  it("shows tenants Pacer's code for an unexpected error, never the raw SDK text", async () => {
    const logged: unknown[] = [];
    const { deps, jobs } = setup({
      sync: fails(
        new Error("ResourceNotFoundException: arn:aws:dynamodb:eu-west-1:123456789012:table/secret"),
      ),
    });
    await runSyncJob({ ...deps, log: { error: (_m, details) => logged.push(details) } }, delivery(manual()));
    const record = jobs.records.get("m-1");
    expect(record?.error?.code).toBe("INTERNAL_ERROR");
    expect(JSON.stringify(record)).not.toMatch(/arn:aws|ResourceNotFound/);
    expect(logged).toHaveLength(1);
  });

  it("hands the delivery back to SQS when Pacer's own table fails, and dead-letters it on the last delivery", async () => {
    const first = setup();
    first.jobs.failWith = new Error("ProvisionedThroughputExceededException");
    await expect(runSyncJob(first.deps, delivery(manual(), 1))).rejects.toBeInstanceOf(RetryableJobError);
    expect(first.queue.dead).toEqual([]);

    const last = setup();
    last.jobs.failWith = new Error("ProvisionedThroughputExceededException");
    expect(await runSyncJob(last.deps, delivery(manual(), 5))).toMatchObject({
      kind: "dead-lettered",
      code: "INFRASTRUCTURE_UNAVAILABLE",
    });
    expect(last.queue.dead[0]?.reason.message).not.toMatch(/Provisioned/);
  });

  it("refuses params its sync type does not declare, without calling the provider", async () => {
    const { deps, limiter, queue } = setup();
    expect(await runSyncJob(deps, delivery(manual({ params: { year: "20x4" } })))).toMatchObject({
      kind: "dead-lettered",
      code: "VALIDATION_ERROR",
      reason: expect.stringMatching(/params\.year/),
    });
    expect(limiter.requests).toEqual([]);
    expect(queue.dead).toHaveLength(1);
  });

  const RACE = { events: 2, pulled: 5, matched: 1, merged: 1, unchanged: 3, conflicts: 1 };

  it("ends a run whose follow-up unified race events with the follow-up's race counts on its record", async () => {
    // Prepare
    const { deps, jobs } = setup();
    const followed: SyncJobDeps = { ...deps, afterSync: async () => ({ race: RACE }) };

    // Act
    await runSyncJob(followed, delivery(manual()));

    // Assess
    expect(jobs.records.get("m-1")).toMatchObject({ status: "succeeded", race: RACE });
  });

  it("writes a follow-up's race counts with the job's ending: a retried ending stores them once", async () => {
    // Prepare: the write that marks the job succeeded fails once (Pacer's table throttled).
    const { deps, jobs } = setup();
    let followUps = 0;
    const followed: SyncJobDeps = {
      ...deps,
      afterSync: async () => {
        followUps++;
        return { race: RACE };
      },
    };
    const transition = jobs.transition.bind(jobs);
    let throttled = false;
    jobs.transition = async (job, patch, ...rest) => {
      if (patch.status === "succeeded" && !throttled) {
        throttled = true;
        throw new Error("ProvisionedThroughputExceededException");
      }
      return transition(job, patch, ...rest);
    };
    await expect(runSyncJob(followed, delivery(manual()))).rejects.toBeInstanceOf(RetryableJobError);
    const beforeRetry = jobs.records.get("m-1");

    // Act
    await runSyncJob(followed, delivery(manual(), 2));

    // Assess
    expect(beforeRetry?.status).toBe("running");
    expect(beforeRetry?.race).toBeUndefined();
    expect(followUps).toBe(2);
    expect(jobs.records.get("m-1")).toMatchObject({ status: "succeeded", race: RACE });
  });

  it("skips a run its provider has nothing to do for, without taking a permit", async () => {
    const { deps, jobs, limiter } = setup({ plan: async () => ({ run: false, reason: "no live session" }) });
    await runSyncJob(deps, delivery(manual({ syncType: "weather" })));
    expect(jobs.records.get("m-1")).toMatchObject({ status: "skipped", reason: "no live session" });
    expect(limiter.requests).toEqual([]);
  });

  it("asks the gate before a scheduled run's first call, and skips the run when it says so", async () => {
    const { deps, jobs, limiter } = setup();
    const asked: unknown[] = [];
    const gated: SyncJobDeps = {
      ...deps,
      gate: async (question) => {
        asked.push(question);
        return "race-day cadence: the next participants sync is due later";
      },
    };
    const scheduled = JSON.stringify({
      tenantId: "acme",
      connectionId: CONNECTION_ID,
      provider: "openf1",
      syncType: "meetings",
      priority: "low",
      source: "schedule",
      scheduledAt: "2026-11-29T12:00:00Z",
    });

    const outcome = await runSyncJob(gated, delivery(scheduled));

    expect(outcome).toMatchObject({ kind: "done", status: "skipped" });
    expect(limiter.requests).toEqual([]);
    expect([...jobs.records.values()][0]?.reason).toMatch(/race-day cadence/);
    expect(asked).toEqual([
      {
        tenantId: "acme",
        connectionId: CONNECTION_ID,
        syncType: "meetings",
        lastCompletedAt: undefined,
        now: NOW,
      },
    ]);
  });

  it("never gates a manual run, and records when a run last succeeded for the next gate", async () => {
    const { deps, jobs } = setup();
    const state = new MemoryState();
    const gated: SyncJobDeps = { ...deps, state, gate: async () => "not now" };

    await runSyncJob(gated, delivery(manual()));

    expect(jobs.records.get("m-1")?.status).toBe("succeeded");
    expect(await state.lastCompleted("acme", CONNECTION_ID, "meetings")).toBe(NOW);
  });

  it("turns a scheduled 30-second cadence into two slot jobs per firing, each with its own id", async () => {
    const { deps, queue, jobs } = setup();
    const scheduled = {
      tenantId: "acme",
      connectionId: CONNECTION_ID,
      provider: "openf1",
      syncType: "weather",
      priority: "normal",
      source: "schedule",
      scheduledAt: "2026-11-29T12:00:00Z",
    };
    await runSyncJob(deps, delivery(JSON.stringify(scheduled)));
    expect(queue.sent).toEqual([{ message: expect.objectContaining({ slot: 1 }), delaySeconds: 30 }]);
    const slot0 = scheduledJobId({ ...scheduled, slot: 0 });
    expect(jobs.records.get(slot0)?.status).toBe("succeeded");
    // A duplicate delivery of the same slot is the same job: nothing runs twice.
    expect(await runSyncJob(deps, delivery(JSON.stringify(scheduled)))).toMatchObject({ kind: "duplicate" });
  });
});
