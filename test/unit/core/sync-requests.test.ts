import { describe, expect, it } from "vitest";
import { catalog } from "#catalog/index.ts";
import type { ConnectionRecord } from "#core/connections/types.ts";
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnknownSyncError,
  ValidationError,
} from "#core/errors.ts";
import type { Limiter, LimitUsage, PermitRequest } from "#core/limiter/types.ts";
import { getJob, type SyncRequestDeps, syncStatus, triggerSync } from "#core/sync-requests.ts";
import { MemoryConnectionStore } from "./connections/fakes.ts";
import { connection, MemoryJobs, MemoryQueue } from "./fakes.ts";

/** acme's one OpenF1 connection, unless a test gives others. */
const acmeOpenF1 = connection();

/** Answers every limit as unused, and keeps what it was asked. */
class RecordingUsage implements Pick<Limiter, "usage"> {
  readonly asked: Omit<PermitRequest, "permits" | "priority">[] = [];
  async usage(request: Omit<PermitRequest, "permits" | "priority">): Promise<LimitUsage[]> {
    this.asked.push(request);
    return request.limits.map((l) => ({
      limitId: l.id,
      scope: l.scope,
      calls: l.calls,
      perMs: l.perMs,
      used: 0,
      reserved: 0,
    }));
  }
}

function setup(records: readonly ConnectionRecord[] = [acmeOpenF1]) {
  const jobs = new MemoryJobs();
  const queue = new MemoryQueue();
  const connections = new MemoryConnectionStore();
  for (const record of records) connections.records.set(`${record.tenantId}#${record.connectionId}`, record);
  const limiter = new RecordingUsage();
  const deps: SyncRequestDeps = { catalog, connections, jobs, queue, limiter, clock: () => 0 };
  return { deps, jobs, queue, limiter };
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
      connectionId: acmeOpenF1.connectionId,
      source: "manual",
      params: { year: "2026" },
    });
    expect(queue.sent[0]?.message).toMatchObject({
      jobId: accepted.jobId,
      priority: "high",
      tenantId: "acme",
      connectionId: acmeOpenF1.connectionId,
    });
  });

  it("answers a trigger of a sync already queued with that job, merged, and queues nothing more", async () => {
    // Prepare
    const { deps, jobs, queue } = setup();
    const request = { provider: "openf1", syncType: "sessions", params: { year: "2026" } };
    const first = await triggerSync(deps, "acme", request);
    // Act
    const second = await triggerSync(deps, "acme", request);
    // Assess
    expect(first).not.toHaveProperty("merged");
    expect(second).toEqual({ jobId: first.jobId, status: "queued", priority: "high", merged: true });
    expect(jobs.records.size).toBe(1);
    expect(queue.sent).toHaveLength(1);
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

  it("refuses a tenant with no connection to the provider as not found, recording nothing", async () => {
    const { deps, jobs, queue } = setup([]);

    const refused = triggerSync(deps, "acme", { provider: "openf1", syncType: "sessions" });

    await expect(refused).rejects.toBeInstanceOf(NotFoundError);
    await expect(refused).rejects.toThrow(/POST \/connections/);
    expect(jobs.records.size).toBe(0);
    expect(queue.sent).toEqual([]);
  });

  it("needs the connectionId when the tenant has two connections to the provider, and runs for the one named", async () => {
    const second = connection({ connectionId: "c-00000000000000000002", budgetKey: "k-acme-2" });
    const { deps, queue } = setup([acmeOpenF1, second]);

    const unnamed = triggerSync(deps, "acme", { provider: "openf1", syncType: "sessions" });
    await expect(unnamed).rejects.toBeInstanceOf(ValidationError);
    await expect(unnamed).rejects.toThrow(/^connectionId: .*c-00000000000000000001, c-00000000000000000002/);
    expect(queue.sent).toEqual([]);

    await triggerSync(deps, "acme", {
      provider: "openf1",
      syncType: "sessions",
      connectionId: second.connectionId,
    });
    expect(queue.sent.map((s) => s.message.connectionId)).toEqual([second.connectionId]);
  });

  it("answers another tenant's connectionId as not found", async () => {
    const globex = connection({ connectionId: "c-00000000000000000009", tenantId: "globex" });
    const { deps, queue } = setup([acmeOpenF1, globex]);

    const refused = triggerSync(deps, "acme", {
      provider: "openf1",
      syncType: "sessions",
      connectionId: globex.connectionId,
    });

    await expect(refused).rejects.toBeInstanceOf(NotFoundError);
    expect(queue.sent).toEqual([]);
  });

  it("refuses a disabled connection as a conflict", async () => {
    const { deps, queue } = setup([connection({ enabled: false })]);

    const refused = triggerSync(deps, "acme", {
      provider: "openf1",
      syncType: "sessions",
      connectionId: acmeOpenF1.connectionId,
    });

    await expect(refused).rejects.toBeInstanceOf(ConflictError);
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

  it("reports each connection's limits on its own tier and budget, and none for a provider not connected", async () => {
    const paid = connection({ connectionId: "c-00000000000000000002", tier: "paid", budgetKey: "k-paid" });
    const { deps, limiter } = setup([acmeOpenF1, paid]);

    const status = await syncStatus(deps, "acme");

    const limits = status.providers.find((p) => p.provider === "openf1")?.limits ?? [];
    const perSecond = limits.filter((l) => l.limitId === "per-second");
    expect(perSecond.map((l) => [l.connectionId, l.calls])).toEqual([
      [acmeOpenF1.connectionId, 3],
      [paid.connectionId, 6],
    ]);
    expect(limiter.asked.map((r) => r.scopeKey)).toEqual([acmeOpenF1.budgetKey, paid.budgetKey]);
    expect(status.providers.find((p) => p.provider === "zwiftracing")?.limits).toEqual([]);
  });

  it("shows no other tenant's connections", async () => {
    const { deps, limiter } = setup([connection({ tenantId: "globex" })]);

    const status = await syncStatus(deps, "acme");

    expect(status.providers.flatMap((p) => p.limits)).toEqual([]);
    expect(limiter.asked).toEqual([]);
  });
});
