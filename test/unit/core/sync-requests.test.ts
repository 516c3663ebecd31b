import { describe, expect, it } from "vitest";
import { catalog } from "#catalog/index.ts";
import { ForbiddenError, NotFoundError, UnknownSyncError, ValidationError } from "#core/errors.ts";
import { getJob, type SyncRequestDeps, syncStatus, triggerSync } from "#core/sync-requests.ts";
import { MemoryJobs, MemoryQueue, ScriptedLimiter } from "./fakes.ts";

function setup() {
  const jobs = new MemoryJobs();
  const queue = new MemoryQueue();
  const deps: SyncRequestDeps = { catalog, jobs, queue, limiter: new ScriptedLimiter(), clock: () => 0 };
  return { deps, jobs, queue };
}

describe("triggerSync", () => {
  it("records a queued job and sends it to the provider's high queue", async () => {
    const { deps, jobs, queue } = setup();
    const accepted = await triggerSync(deps, "acme", {
      provider: "openf1",
      syncType: "sessions",
      params: { year: "2026" },
    });
    expect(accepted).toMatchObject({ status: "queued", priority: "high" });
    expect(jobs.records.get(accepted.jobId)).toMatchObject({
      tenantId: "acme",
      source: "manual",
      params: { year: "2026" },
    });
    expect(queue.sent[0]?.message).toMatchObject({
      jobId: accepted.jobId,
      priority: "high",
      tenantId: "acme",
    });
  });

  it("accepts a job whose message could not be sent, leaving it recorded for the sweep", async () => {
    const { deps, jobs } = setup();
    const failures: string[] = [];
    const accepted = await triggerSync(
      {
        ...deps,
        queue: {
          send: async () => {
            throw new Error("SQS unavailable");
          },
          deadLetter: async () => {},
        },
        onSendFailed: (jobId) => failures.push(jobId),
      },
      "acme",
      { provider: "openf1", syncType: "sessions" },
    );
    expect(accepted.status).toBe("queued");
    expect(jobs.records.get(accepted.jobId)?.status).toBe("queued");
    expect(failures).toEqual([accepted.jobId]);
  });

  it("refuses to act for another tenant", async () => {
    const { deps, queue } = setup();
    await expect(
      triggerSync(deps, "acme", { provider: "openf1", syncType: "sessions", tenantId: "globex" }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    expect(queue.sent).toEqual([]);
  });

  it("names the unknown provider or sync type", async () => {
    const { deps } = setup();
    await expect(triggerSync(deps, "acme", { provider: "nope", syncType: "x" })).rejects.toThrow(
      UnknownSyncError,
    );
    await expect(triggerSync(deps, "acme", { provider: "openf1", syncType: "laps" })).rejects.toThrow(
      /known: meetings/,
    );
  });

  it("refuses params the sync type does not declare, before recording or queueing anything", async () => {
    const { deps, jobs, queue } = setup();

    const refused = triggerSync(deps, "acme", {
      provider: "openf1",
      syncType: "weather",
      params: { session_key: "1 OR 1=1" },
    });

    await expect(refused).rejects.toThrow(ValidationError);
    await expect(refused).rejects.toThrow(/^params\.session_key: expected a positive integer/);
    expect(jobs.records.size).toBe(0);
    expect(queue.sent).toEqual([]);
  });
});

describe("getJob", () => {
  it("hides other tenants' jobs as not found", async () => {
    const { deps } = setup();
    const { jobId } = await triggerSync(deps, "acme", { provider: "openf1", syncType: "sessions" });
    await expect(getJob(deps, "acme", jobId)).resolves.toMatchObject({ jobId });
    await expect(getJob(deps, "globex", jobId)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("refuses an id longer than any job id as the caller's mistake", async () => {
    const { deps } = setup();
    await expect(getJob(deps, "acme", "j".repeat(201))).rejects.toBeInstanceOf(ValidationError);
  });

  it("answers an id outside the job id alphabet as not found", async () => {
    const { deps } = setup();
    await expect(getJob(deps, "acme", "1 OR 1=1")).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("syncStatus", () => {
  it("lists every sync type of every provider with its limits", async () => {
    const { deps } = setup();
    const status = await syncStatus(deps, "acme");
    const openf1 = status.providers.find((p) => p.provider === "openf1");
    expect(openf1?.syncTypes.map((s) => s.syncType)).toEqual([
      "meetings",
      "sessions",
      "weather",
      "race_control",
    ]);
    expect(openf1?.syncTypes[0]).toMatchObject({
      lastSuccessAt: null,
      freshnessSeconds: null,
      pendingJobs: 0,
    });
  });
});
