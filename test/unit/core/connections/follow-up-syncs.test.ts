import { describe, expect, it } from "vitest";
import type { FollowUpDeps } from "#core/connections/follow-up-syncs.ts";
import { createConnection, updateConnection } from "#core/connections/use-cases.ts";
import type { JobReads } from "#core/sync-requests.ts";
import { MemoryJobs, MemoryQueue } from "../fakes.ts";
import { clubBody, setup } from "./fakes.ts";

type Statuses = Awaited<ReturnType<JobReads["statuses"]>>;

/** MemoryJobs, with the tenant's last runs scripted as `GET /status` reads them. */
function jobsWithStatuses(jobs: MemoryJobs, last: () => Statuses): NonNullable<FollowUpDeps["jobs"]> {
  return {
    claimSubject: (...args) => jobs.claimSubject(...args),
    releaseSubject: (...args) => jobs.releaseSubject(...args),
    subjectStatus: (...args) => jobs.subjectStatus(...args),
    raisePriority: (...args) => jobs.raisePriority(...args),
    create: (record) => jobs.create(record),
    get: (tenantId, jobId) => jobs.get(tenantId, jobId),
    statuses: async () => last(),
  };
}

function world() {
  const jobs = new MemoryJobs();
  const queue = new MemoryQueue();
  const scripted = { last: [] as Statuses };
  return { ...setup({ jobs: jobsWithStatuses(jobs, () => scripted.last), queue }), jobs, queue, scripted };
}

/** Ends every job still open (a merge would otherwise fold a new run into it). */
async function finishAll(jobs: MemoryJobs, status: "succeeded" | "failed" = "succeeded") {
  const at = new Date().toISOString();
  for (const job of [...jobs.records.values()]) {
    await jobs.transition(job, { status, updatedAt: at, finishedAt: at });
  }
}

const queued = (queue: MemoryQueue) =>
  queue.sent.map(({ message }) => ({ syncType: message.syncType, source: message.source }));

describe("syncs a connection change queues", () => {
  it("queues one initial run of each scheduled sync type once a connection is created", async () => {
    const { deps, jobs, queue } = world();

    const view = await createConnection(
      deps,
      "acme",
      clubBody({ settings: { clubId: 1, experimental: true } }),
    );

    // members hourly and insights daily are scheduled; results is manual.
    expect(queued(queue)).toEqual([
      { syncType: "members", source: "initial" },
      { syncType: "insights", source: "initial" },
    ]);
    expect([...jobs.records.values()].every((j) => j.connectionId === view.connectionId)).toBe(true);
  });

  it("leaves windowed sync types to their windows: an openf1 connection starts meetings and sessions", async () => {
    const { deps, queue } = world();

    await createConnection(deps, "acme", { provider: "openf1" });

    expect(queued(queue).map((q) => q.syncType)).toEqual(["meetings", "sessions"]);
  });

  it("queues initial runs again when a disabled connection is enabled, and none when it is disabled", async () => {
    const { deps, jobs, queue } = world();
    const { connectionId } = await createConnection(deps, "acme", clubBody());
    await finishAll(jobs);
    await updateConnection(deps, "acme", connectionId, { enabled: false });
    expect(queue.sent).toHaveLength(1);
    queue.sent.length = 0;

    await updateConnection(deps, "acme", connectionId, { enabled: true });

    expect(queued(queue)).toEqual([{ syncType: "members", source: "initial" }]);
  });

  it("queues a recovery run after new credentials, only of the sync type whose last run for it failed", async () => {
    // Prepare: members' last run for this connection failed; insights' succeeded.
    const { deps, jobs, queue, scripted } = world();
    const { connectionId } = await createConnection(
      deps,
      "acme",
      clubBody({ settings: { clubId: 1, experimental: true } }),
    );
    const [membersJob, insightsJob] = [...jobs.records.values()];
    await finishAll(jobs);
    scripted.last = [
      {
        provider: "club",
        syncType: "members",
        pending: 0,
        lastStatus: "failed",
        lastJobId: membersJob?.jobId,
      },
      {
        provider: "club",
        syncType: "insights",
        pending: 0,
        lastStatus: "succeeded",
        lastJobId: insightsJob?.jobId,
      },
    ];
    queue.sent.length = 0;

    // Act
    await updateConnection(deps, "acme", connectionId, { credentials: { apiKey: "RotatedKey42" } });

    // Assess
    expect(queued(queue)).toEqual([{ syncType: "members", source: "recovery" }]);
  });

  it("queues no recovery run for a failure of another connection of the tenant", async () => {
    const { deps, jobs, queue, scripted } = world();
    await createConnection(deps, "acme", clubBody());
    const other = [...jobs.records.values()][0];
    const { connectionId } = await createConnection(deps, "acme", clubBody());
    scripted.last = [
      { provider: "club", syncType: "members", pending: 0, lastStatus: "failed", lastJobId: other?.jobId },
    ];
    queue.sent.length = 0;

    await updateConnection(deps, "acme", connectionId, { credentials: { apiKey: "RotatedKey42" } });

    expect(queued(queue)).toEqual([]);
  });

  it("keeps the connection when a sync cannot be queued, and says so", async () => {
    const { deps, jobs, connections } = world();
    jobs.create = async () => {
      throw new Error("the job table is down");
    };
    const failed: string[] = [];

    const view = await createConnection(
      { ...deps, onFollowUpFailed: (syncType, source) => failed.push(`${source} ${syncType}`) },
      "acme",
      clubBody(),
    );

    expect(failed).toEqual(["initial members"]);
    expect(await connections.get("acme", view.connectionId)).toBeDefined();
  });
});
