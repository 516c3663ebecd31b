import { describe, expect, it } from "vitest";
import { findProvider } from "#catalog/index.ts";
import type { JobCounts, JobMessageInput } from "#core/job.ts";
import { childJobId, RetryableJobError, runSyncJob, type SyncJobDeps } from "#core/sync-job.ts";
import type { Page, ProviderModule, SyncRun } from "#providers/types.ts";
import {
  connection,
  MemoryConnections,
  MemoryEntities,
  MemoryJobs,
  MemoryQueue,
  MemoryState,
  ScriptedLimiter,
} from "./fakes.ts";

/**
 * The resumable contract: a sync yields pages with checkpoints; the worker stores each page before
 * its checkpoint, and when the next call's permit is not free soon (or time runs short) queues the
 * job again to resume exactly there — no provider call made twice, nothing written twice.
 */

const provider = findProvider("openf1");
if (!provider) throw new Error("openf1 missing from catalog");
const NOW = Date.parse("2026-11-29T12:00:00Z");
const CONNECTION_ID = connection().connectionId;
const MEMBERS = 2_500;
const PAGE = 1_000;

/** A keyset-paged "club" of 2,500 members behind OpenF1's catalogued path, recording every call. */
function pagedModule(calls: string[], extra: (run: SyncRun, page: Page) => Partial<Page> = () => ({})) {
  const module: ProviderModule = {
    id: "openf1",
    async *sync(run) {
      let after = Number(run.checkpoint?.after ?? 0);
      for (;;) {
        await run.fetch({ path: "/v1/meetings", query: `after=${after}` });
        calls.push(`after=${after}`);
        const ids = Array.from({ length: Math.min(PAGE, MEMBERS - after) }, (_, i) => after + i + 1);
        const full = ids.length === PAGE;
        const page: Page = {
          entities: ids.map((id) => ({ type: "members", id: String(id), data: { id } })),
          ...(full ? { checkpoint: { after: after + PAGE } } : {}),
        };
        yield { ...page, ...extra(run, page) };
        if (!full) return;
        after += PAGE;
      }
    },
  };
  return module;
}

function setup(module: ProviderModule, limiter = new ScriptedLimiter([], () => NOW)) {
  const jobs = new MemoryJobs();
  const entities = new MemoryEntities();
  const queue = new MemoryQueue();
  const state = new MemoryState();
  const deps: SyncJobDeps = {
    provider: provider as NonNullable<typeof provider>,
    module,
    jobs,
    entities,
    connections: new MemoryConnections(),
    state,
    queue,
    limiter,
    fetchFor: (_job, permits) => async (request) => {
      await permits.take(request);
      return new Response("[]");
    },
    metrics: { count: () => undefined },
    clock: () => NOW,
  };
  return { deps, jobs, entities, queue, state, limiter };
}

const message = (overrides: Partial<JobMessageInput> = {}): JobMessageInput => ({
  jobId: "m-club",
  tenantId: "acme",
  connectionId: CONNECTION_ID,
  provider: "openf1",
  syncType: "sessions",
  priority: "normal",
  source: "manual",
  enqueuedAt: new Date(NOW - 1_000).toISOString(),
  ...overrides,
});
const delivery = (body: JobMessageInput, extra: { receiveCount?: number; deadline?: number } = {}) => ({
  body: JSON.stringify(body),
  from: { provider: "openf1", priority: "normal" as const },
  receiveCount: extra.receiveCount ?? 1,
  ...(extra.deadline === undefined ? {} : { deadline: extra.deadline }),
});

/** The message the run queued last (its continuation). */
const lastSent = (queue: MemoryQueue) => queue.sent.at(-1)?.message as JobMessageInput;

describe("a resumable sync", () => {
  it("stops when the next call's permit is not free, and resumes at the checkpoint with no call or write repeated", async () => {
    const calls: string[] = [];
    const limiter = new ScriptedLimiter(
      [
        { granted: true, waitMs: 0, validForMs: 10, at: NOW },
        { granted: false, retryAfterMs: 3_600_000 },
      ],
      () => NOW,
    );
    const { deps, jobs, entities, queue } = setup(pagedModule(calls), limiter);

    const first = await runSyncJob(deps, delivery(message()));

    expect(first).toMatchObject({ kind: "deferred", retryAfterMs: 3_600_000 });
    expect(calls).toEqual(["after=0"]);
    expect(jobs.records.get("m-club")).toMatchObject({
      status: "deferred",
      counts: { pages: 1, fetched: 1_000, written: 1_000 },
      notBefore: new Date(NOW + 3_600_000).toISOString(),
    });
    expect(jobs.resumes.get("m-club")?.checkpoint).toEqual({ after: 1_000 });
    // Longer than SQS's delay: chained, carrying when it may run.
    expect(queue.sent[0]).toMatchObject({ delaySeconds: 900, message: { deferrals: 1 } });

    // The permit has freed: the continuation runs (its hop arrives at notBefore).
    const continuation = { ...lastSent(queue), notBefore: undefined };
    const second = await runSyncJob(deps, delivery(continuation));

    expect(second).toMatchObject({ kind: "done", status: "succeeded" });
    expect(calls).toEqual(["after=0", "after=1000", "after=2000"]);
    expect(entities.writes).toHaveLength(MEMBERS);
    expect(new Set(entities.writes).size).toBe(MEMBERS);
    expect(jobs.records.get("m-club")?.counts).toEqual({
      pages: 3,
      fetched: MEMBERS,
      written: MEMBERS,
      unchanged: 0,
      removed: 0,
      pushed: 0,
    });
    // A finished job keeps nothing to resume.
    expect(jobs.resumes.has("m-club")).toBe(false);
  });

  it("repeats no call beyond the page whose checkpoint a storage failure kept from being stored, and spends no attempt on it", async () => {
    const calls: string[] = [];
    const { deps, jobs, entities, queue } = setup(pagedModule(calls));
    let crashed = false;
    jobs.crashOnCheckpoint = (resume) => {
      if (crashed || resume.checkpoint?.after !== 2_000) return false;
      crashed = true;
      return true;
    };

    // Pacer's own write failed, not the provider: no attempt is spent, SQS delivers it again.
    await expect(runSyncJob(deps, delivery(message()))).rejects.toBeInstanceOf(RetryableJobError);
    expect(jobs.records.get("m-club")?.status).toBe("running");
    expect(queue.sent).toEqual([]);
    const again = await runSyncJob(deps, delivery(message(), { receiveCount: 2 }));

    expect(again).toMatchObject({ kind: "done", status: "succeeded" });
    // The redelivery is the same attempt: one in all.
    expect(jobs.records.get("m-club")).toMatchObject({ attempts: 1 });
    // Page 2 was stored but its checkpoint was not: its call is the only one made again.
    expect(calls).toEqual(["after=0", "after=1000", "after=1000", "after=2000"]);
    // Its writes find everything already stored: nothing is written twice.
    expect(entities.writes).toHaveLength(MEMBERS);
  });

  it("stops a delivery whose job another delivery ended meanwhile, before its next call", async () => {
    const calls: string[] = [];
    const { deps, jobs } = setup(pagedModule(calls));
    // Another delivery of the same job finishes it while this one's first call is out.
    const racing: SyncJobDeps = {
      ...deps,
      fetchFor: (job, permits, deadline) => async (request) => {
        const response = await deps.fetchFor(job, permits, deadline)(request);
        const record = jobs.records.get("m-club");
        if (record) jobs.records.set("m-club", { ...record, status: "succeeded" });
        return response;
      },
    };

    const outcome = await runSyncJob(racing, delivery(message()));

    expect(outcome).toMatchObject({ kind: "duplicate" });
    expect(calls).toEqual(["after=0"]);
    expect(jobs.records.get("m-club")?.status).toBe("succeeded");
  });

  it("goes on in a fresh invocation when too little of this one is left for another page", async () => {
    const calls: string[] = [];
    const { deps, jobs, queue } = setup(pagedModule(calls));

    const outcome = await runSyncJob(deps, delivery(message(), { deadline: NOW + 10_000 }));

    expect(outcome).toMatchObject({ kind: "deferred", retryAfterMs: 0 });
    expect(calls).toEqual(["after=0"]);
    expect(queue.sent[0]).toMatchObject({ delaySeconds: 0, message: { deferrals: 1, attempts: 0 } });
    expect(jobs.resumes.get("m-club")?.checkpoint).toEqual({ after: 1_000 });
  });

  it("does not give a progressing sync up for waiting, however long ago it was first queued", async () => {
    const calls: string[] = [];
    const limiter = new ScriptedLimiter(
      [
        { granted: true, waitMs: 0, validForMs: 10, at: NOW },
        { granted: false, retryAfterMs: 3_600_000 },
      ],
      () => NOW,
    );
    const { deps, queue } = setup(pagedModule(calls), limiter);
    // Queued two days ago; a sessions job may wait 24 h at most for permits.
    const old = new Date(NOW - 2 * 86_400_000).toISOString();

    expect(await runSyncJob(deps, delivery(message({ enqueuedAt: old })))).toMatchObject({
      kind: "deferred",
    });
    expect(lastSent(queue)).toMatchObject({ enqueuedAt: old, progressAt: new Date(NOW).toISOString() });
  });

  it("commits the watermark only once every page is stored", async () => {
    const calls: string[] = [];
    const limiter = new ScriptedLimiter(
      [
        { granted: true, waitMs: 0, validForMs: 10, at: NOW },
        { granted: false, retryAfterMs: 60_000 },
      ],
      () => NOW,
    );
    const module = pagedModule(calls, (_run, page) => ({
      watermark: `modified-after-${page.entities.at(-1)?.id}`,
    }));
    const { deps, state, queue } = setup(module, limiter);

    await runSyncJob(deps, delivery(message()));
    expect(state.watermarks.size).toBe(0);

    await runSyncJob(deps, delivery({ ...lastSent(queue), notBefore: undefined }));
    expect([...state.watermarks.values()]).toEqual(["modified-after-2500"]);
  });

  it("hands the module the committed watermark on its next run", async () => {
    const seen: (string | undefined)[] = [];
    const { deps, state } = setup({
      id: "openf1",
      async *sync(run) {
        seen.push(run.watermark);
        await run.fetch({ path: "/v1/sessions" });
        yield { entities: [], watermark: "2026-11-29T12:00:00Z" };
      },
    });
    await runSyncJob(deps, delivery(message({ jobId: "m-a" })));
    await runSyncJob(deps, delivery(message({ jobId: "m-b" })));
    expect(seen).toEqual([undefined, "2026-11-29T12:00:00Z"]);
    expect(state.watermarks.size).toBe(1);
  });

  it("removes what the provider says is gone, and counts it", async () => {
    const { deps, jobs, entities } = setup({
      id: "openf1",
      async *sync(run) {
        await run.fetch({ path: "/v1/sessions" });
        yield { entities: [{ type: "members", id: "1", data: {} }], removed: [{ type: "members", id: "2" }] };
      },
    });
    await entities.upsert({}, [{ type: "members", id: "2", data: { left: true } }]);
    await runSyncJob(deps, delivery(message()));
    expect([...entities.stored.keys()]).toEqual(["members/1"]);
    expect(jobs.records.get("m-club")?.counts).toMatchObject({ removed: 1 });
  });

  it("refuses a page after the last one (a page without a checkpoint ends the run)", async () => {
    const { deps } = setup({
      id: "openf1",
      async *sync(run) {
        await run.fetch({ path: "/v1/sessions" });
        yield { entities: [] };
        yield { entities: [] };
      },
    });
    expect(await runSyncJob(deps, delivery(message()))).toMatchObject({
      kind: "dead-lettered",
      reason: expect.stringMatching(/after its last/),
    });
  });
});

describe("fan-out", () => {
  const children = (ids: string[]) => ({
    id: "openf1",
    async *sync(run: SyncRun) {
      await run.fetch({ path: "/v1/meetings" });
      yield {
        entities: [],
        children: ids.map((year) => ({ syncType: "sessions", params: { year } })),
      };
    },
  });

  it("enqueues one child job per item with a deterministic id, its own priority and a link to its parent", async () => {
    const { deps, jobs, queue } = setup(children(["2024", "2025"]));
    await runSyncJob(deps, delivery(message({ syncType: "meetings", priority: "low" })));

    const id = childJobId("m-club", { syncType: "sessions", params: { year: "2024" } });
    expect(jobs.records.get(id)).toMatchObject({
      status: "queued",
      parentJobId: "m-club",
      source: "fanout",
      priority: "normal",
      connectionId: CONNECTION_ID,
    });
    expect(queue.sent.map((s) => s.message.jobId)).toEqual([
      id,
      childJobId("m-club", { syncType: "sessions", params: { year: "2025" } }),
    ]);
    expect(jobs.records.get("m-club")?.children).toEqual({ total: 2, succeeded: 0, failed: 0, skipped: 0 });
  });

  it("treats a child yielded again as the same job, and counts each child's end on its parent", async () => {
    const { deps, jobs, queue } = setup(children(["2024", "2024"]));
    await runSyncJob(deps, delivery(message({ syncType: "meetings" })));
    expect(queue.sent).toHaveLength(1);

    const child = queue.sent[0]?.message as JobMessageInput;
    await runSyncJob(deps, delivery(child));
    expect(jobs.records.get("m-club")?.children).toEqual({ total: 1, succeeded: 1, failed: 0, skipped: 0 });
    // A redelivery of the finished child counts nothing more.
    await runSyncJob(deps, delivery(child));
    expect(jobs.records.get("m-club")?.children?.succeeded).toBe(1);
  });

  it("checks a child's params against its sync type", async () => {
    const { deps, queue } = setup(children(["20x4"]));
    expect(await runSyncJob(deps, delivery(message({ syncType: "meetings" })))).toMatchObject({
      kind: "dead-lettered",
      reason: expect.stringMatching(/child sessions: params\.year/),
    });
    expect(queue.sent).toEqual([]);
  });
});

describe("the push direction", () => {
  it("pushes a record only when it changed since it was last pushed, through the same permits", async () => {
    const pushed: string[] = [];
    const records = [
      { id: "1", name: "Ada" },
      { id: "2", name: "Grace" },
    ];
    const module: ProviderModule = {
      id: "openf1",
      async *sync(run) {
        for (const record of records) {
          if (!(await run.pushed.changed("participants", record.id, record))) continue;
          await run.fetch({ path: "/v1/sessions", method: "GET", endpoint: "api" });
          pushed.push(record.id);
          await run.pushed.remember("participants", record.id, record);
        }
        yield { entities: [] };
      },
    };
    const { deps, limiter } = setup(module);

    await runSyncJob(deps, delivery(message({ jobId: "m-1" })));
    await runSyncJob(deps, delivery(message({ jobId: "m-2" })));
    records[1] = { id: "2", name: "Grace Hopper" };
    await runSyncJob(deps, delivery(message({ jobId: "m-3" })));

    expect(pushed).toEqual(["1", "2", "2"]);
    expect(limiter.requests).toHaveLength(3);
  });

  /** Participants pushed one per call and page, in id order, resuming after the checkpoint's id. */
  const RUNNERS = [
    { id: "1", name: "Ada" },
    { id: "2", name: "Grace" },
    { id: "3", name: "Katherine" },
  ];
  type Remembering = "before yielding its page" | "once its page is stored";
  function pushModule(remembering: Remembering): ProviderModule {
    return {
      id: "openf1",
      async *sync(run) {
        const after = String(run.checkpoint?.after ?? "");
        const pending = RUNNERS.filter((runner) => runner.id > after);
        for (const [index, runner] of pending.entries()) {
          if (!(await run.pushed.changed("participants", runner.id, runner))) continue;
          await run.fetch({ path: "/v1/sessions", method: "GET", endpoint: "api" });
          const page: Page =
            index === pending.length - 1
              ? { entities: [] }
              : { entities: [], checkpoint: { after: runner.id } };
          if (remembering === "before yielding its page") {
            await run.pushed.remember("participants", runner.id, runner);
            yield page;
          } else {
            // As ChronoTrack's push does: a record counts as pushed only once its page is stored.
            yield page;
            await run.pushed.remember("participants", runner.id, runner);
          }
        }
      },
    };
  }

  it.each<Remembering>(["before yielding its page", "once its page is stored"])(
    "reports every record a push over two legs sent, remembering each %s",
    async (remembering) => {
      // Prepare: the second call's permit is an hour away, so the push stops after one record.
      const limiter = new ScriptedLimiter(
        [
          { granted: true, waitMs: 0, validForMs: 10, at: NOW },
          { granted: false, retryAfterMs: 60_000 },
        ],
        () => NOW,
      );
      const { deps, jobs, queue } = setup(pushModule(remembering), limiter);
      await runSyncJob(deps, delivery(message({ syncType: "sessions" })));
      const firstLeg = jobs.records.get("m-club");

      // Act
      const outcome = await runSyncJob(deps, delivery(lastSent(queue)));

      // Assess
      expect(firstLeg).toMatchObject({ status: "deferred", counts: { pushed: 1 } });
      expect(outcome).toMatchObject({ kind: "done", status: "succeeded" });
      expect(jobs.records.get("m-club")?.counts).toMatchObject({ pages: 3, pushed: 3 });
    },
  );

  it("reports no pushes for a push run that finds nothing changed since the last push", async () => {
    // Prepare
    const { deps, jobs, limiter } = setup(pushModule("before yielding its page"));
    await runSyncJob(deps, delivery(message({ jobId: "m-1" })));

    // Act
    await runSyncJob(deps, delivery(message({ jobId: "m-2" })));

    // Assess
    expect(jobs.records.get("m-1")?.counts?.pushed).toBe(3);
    expect(jobs.records.get("m-2")).toMatchObject({ status: "succeeded", counts: { pushed: 0 } });
    expect(limiter.requests).toHaveLength(3);
  });

  it("resumes a push whose earlier leg was recorded before pushes were counted, counting from 0", async () => {
    // Prepare: a job stopped after its first record, by a Pacer that did not count pushes.
    const { deps, jobs, state } = setup(pushModule("before yielding its page"));
    await state.pushLedger("acme", CONNECTION_ID).remember("participants", "1", RUNNERS[0] ?? {});
    const stored = { pages: 1, fetched: 0, written: 0, unchanged: 0, removed: 0 };
    await jobs.create({
      jobId: "m-club",
      tenantId: "acme",
      connectionId: CONNECTION_ID,
      provider: "openf1",
      syncType: "sessions",
      priority: "normal",
      source: "manual",
      params: {},
      status: "deferred",
      attempts: 1,
      deferrals: 1,
      counts: stored as JobCounts,
      createdAt: new Date(NOW - 1_000).toISOString(),
      updatedAt: new Date(NOW - 1_000).toISOString(),
    });
    jobs.resumes.set("m-club", { checkpoint: { after: "1" } });

    // Act
    const outcome = await runSyncJob(deps, delivery(message({ attempts: 1, deferrals: 1 })));

    // Assess
    expect(outcome).toMatchObject({ kind: "done", status: "succeeded" });
    expect(jobs.records.get("m-club")?.counts).toMatchObject({ pages: 3, pushed: 2 });
  });
});
