import { describe, expect, it } from "vitest";
import { findProvider, findSyncType } from "#catalog/index.ts";
import { enqueueSync, maxJobLifeMs, type SyncWanted } from "#core/enqueue.ts";
import { DEFAULT_RETRY_POLICY } from "#core/retry-budget.ts";
import { connection, MemoryJobs, MemoryQueue } from "./fakes.ts";

const NOW = Date.parse("2026-11-29T12:00:00Z");
const CONNECTION_ID = connection().connectionId;

const wanted = (overrides: Partial<SyncWanted> = {}): SyncWanted => ({
  tenantId: "acme",
  connectionId: CONNECTION_ID,
  provider: "openf1",
  syncType: "sessions",
  params: { year: "2026" },
  priority: "normal",
  source: "read",
  ...overrides,
});

function setup(now = () => NOW) {
  const jobs = new MemoryJobs();
  jobs.now = now;
  const queue = new MemoryQueue();
  // A holder whose record is missing is read again after a pause: none in these tests.
  const deps = { jobs, queue, clock: now, sleep: async () => {} };
  return { deps, jobs, queue };
}

describe("enqueueSync", () => {
  it("queues a new job: recorded as queued, one message at the wanted priority", async () => {
    // Prepare
    const { deps, jobs, queue } = setup();
    // Act
    const { job, merged } = await enqueueSync(deps, wanted());
    // Assess
    expect(merged).toBe(false);
    expect(job.jobId).toMatch(/^r-/);
    expect(jobs.records.get(job.jobId)).toMatchObject({
      status: "queued",
      source: "read",
      priority: "normal",
    });
    expect(queue.sent.map((s) => s.message)).toEqual([
      expect.objectContaining({
        jobId: job.jobId,
        priority: "normal",
        source: "read",
        params: { year: "2026" },
      }),
    ]);
  });

  it("merges an equal sync into the job already queued, whatever the order of its params", async () => {
    // Prepare
    const { deps, jobs, queue } = setup();
    const first = await enqueueSync(deps, wanted({ params: { year: "2026", country: "MC" } }));
    // Act
    const second = await enqueueSync(
      deps,
      wanted({ params: { country: "MC", year: "2026" }, source: "manual" }),
    );
    // Assess
    expect(second).toEqual({ job: expect.objectContaining({ jobId: first.job.jobId }), merged: true });
    expect(jobs.records.size).toBe(1);
    expect(queue.sent).toHaveLength(1);
  });

  it("raises a still-queued job to the higher priority asked, with one more message for the same job", async () => {
    // Prepare
    const { deps, jobs, queue } = setup();
    const first = await enqueueSync(deps, wanted({ priority: "low" }));
    // Act
    const merged = await enqueueSync(deps, wanted({ priority: "high", source: "manual" }));
    const again = await enqueueSync(deps, wanted({ priority: "high", source: "manual" }));
    // Assess
    expect(merged.job).toMatchObject({ jobId: first.job.jobId, priority: "high" });
    expect(jobs.records.get(first.job.jobId)?.priority).toBe("high");
    expect(again.job.priority).toBe("high");
    expect(queue.sent.map((s) => [s.message.jobId, s.message.priority])).toEqual([
      [first.job.jobId, "low"],
      [first.job.jobId, "high"],
    ]);
  });

  it("does not lower a job's priority, nor raise one that is already running", async () => {
    // Prepare
    const { deps, jobs, queue } = setup();
    const high = await enqueueSync(deps, wanted({ priority: "high" }));
    const running = await enqueueSync(deps, wanted({ syncType: "meetings", priority: "low" }));
    await jobs.transition(running.job, { status: "running", updatedAt: new Date(NOW).toISOString() });
    // Act
    const lower = await enqueueSync(deps, wanted({ priority: "low" }));
    const late = await enqueueSync(deps, wanted({ syncType: "meetings", priority: "high" }));
    // Assess
    expect(lower).toMatchObject({ merged: true, job: { jobId: high.job.jobId, priority: "high" } });
    expect(late).toMatchObject({
      merged: true,
      job: { jobId: running.job.jobId, priority: "low", status: "running" },
    });
    expect(queue.sent).toHaveLength(2);
  });

  it("queues a new job once the previous one of the same sync has ended", async () => {
    // Prepare
    const { deps, jobs } = setup();
    const first = await enqueueSync(deps, wanted());
    const at = new Date(NOW).toISOString();
    await jobs.transition(first.job, { status: "succeeded", updatedAt: at, finishedAt: at });
    // Act
    const next = await enqueueSync(deps, wanted());
    // Assess
    expect(next.merged).toBe(false);
    expect(next.job.jobId).not.toBe(first.job.jobId);
  });

  it("takes over the claim of a job that crashed and never ended, once its claim has expired", async () => {
    // Prepare: the holder is still "running" on record, but its claim is past the job's max life.
    let now = NOW;
    const { deps, jobs } = setup(() => now);
    const crashed = await enqueueSync(deps, wanted());
    await jobs.transition(crashed.job, { status: "running", updatedAt: new Date(now).toISOString() });
    const openf1 = findProvider("openf1");
    const life = maxJobLifeMs(openf1 && findSyncType(openf1, "sessions"), DEFAULT_RETRY_POLICY);
    now += life - 1_000;
    const blocked = await enqueueSync(deps, wanted());
    // Act
    now += 2_000;
    const after = await enqueueSync(deps, wanted());
    // Assess
    expect(blocked).toMatchObject({ merged: true, job: { jobId: crashed.job.jobId } });
    expect(after.merged).toBe(false);
    expect((await jobs.subjectStatus("acme", CONNECTION_ID, "sessions", { year: "2026" })).activeJobId).toBe(
      after.job.jobId,
    );
  });

  it("takes over a claim whose job has ended without clearing it (a lost release)", async () => {
    // Prepare
    const { deps, jobs } = setup();
    const first = await enqueueSync(deps, wanted());
    // The job's record ends but the claim is left (a crash between the two writes).
    jobs.records.set(first.job.jobId, { ...first.job, status: "failed" });
    // Act
    const next = await enqueueSync(deps, wanted());
    // Assess
    expect(next.merged).toBe(false);
  });

  it("never merges one tenant's sync into another's, nor another connection's", async () => {
    // Prepare
    const { deps, jobs } = setup();
    const acme = await enqueueSync(deps, wanted());
    // Act
    const globex = await enqueueSync(deps, wanted({ tenantId: "globex" }));
    const other = await enqueueSync(deps, wanted({ connectionId: "c-00000000000000000002" }));
    const params = await enqueueSync(deps, wanted({ params: { year: "2025" } }));
    // Assess
    expect([globex.merged, other.merged, params.merged]).toEqual([false, false, false]);
    expect(new Set([acme, globex, other, params].map((r) => r.job.jobId)).size).toBe(4);
    expect(jobs.records.get(globex.job.jobId)?.tenantId).toBe("globex");
  });

  it("gives each job a claim that lasts at least the job's longest life", () => {
    // Act
    const life = maxJobLifeMs(undefined, { ...DEFAULT_RETRY_POLICY, maxAgeMs: 2 * 3_600_000 });
    // Assess
    expect(life).toBeGreaterThanOrEqual(2 * 3_600_000);
  });
});
