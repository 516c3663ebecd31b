import { describe, expect, it } from "vitest";
import type { JobMessageInput } from "#core/job.ts";
import { type OverdueJob, sweepLostJobs } from "#core/sweep.ts";
import { aJobRecord } from "../../support/job-record.ts";

const NOW = Date.parse("2026-12-01T12:00:00Z");

const record = aJobRecord();

function setup(overdue: OverdueJob[], claims: boolean[] = []) {
  const sent: JobMessageInput[] = [];
  const asked: string[] = [];
  const result = sweepLostJobs({
    providers: ["openf1"],
    jobs: {
      overdue: async (_provider, before) => {
        asked.push(before);
        return overdue;
      },
      claimOverdue: async () => claims.shift() ?? true,
    },
    queue: { send: async (message) => void sent.push(message) },
    graceMs: 60_000,
    clock: () => NOW,
  });
  return { result, sent, asked };
}

describe("sweepLostJobs", () => {
  it("looks only at jobs overdue by more than the grace period", async () => {
    const { result, asked } = setup([]);
    await result;
    expect(asked).toEqual(["2026-12-01T11:59:00.000Z"]);
  });

  it("sends a lost job's recorded message, without the wait it was sent with", async () => {
    const pendingMessage = JSON.stringify({
      jobId: "m-1",
      tenantId: "acme",
      connectionId: record.connectionId,
      provider: "openf1",
      syncType: "sessions",
      priority: "high",
      source: "manual",
      attempts: 1,
      deferrals: 2,
      notBefore: NOW - 1,
    });
    const { result, sent } = setup([{ record, dueAt: "2026-12-01T11:00:00.000Z", pendingMessage }]);
    expect(await result).toEqual({ requeued: 1, skipped: 0 });
    expect(sent[0]).toMatchObject({ jobId: "m-1", attempts: 1, deferrals: 2 });
    expect(sent[0]?.notBefore).toBeUndefined();
  });

  it("sends a job recorded without a message (its send failed) as a fresh one, for its connection and parent", async () => {
    const child = aJobRecord({
      jobId: "m-1.eventResults.0123456789abcdef",
      parentJobId: "m-1",
      source: "fanout",
    });
    const { result, sent } = setup([{ record: child, dueAt: "2026-12-01T11:00:00.000Z" }]);
    expect(await result).toEqual({ requeued: 1, skipped: 0 });
    expect(sent[0]).toMatchObject({
      jobId: child.jobId,
      connectionId: child.connectionId,
      parentJobId: "m-1",
      attempts: 0,
    });
  });

  it("leaves a job another sweep claimed first, and one whose message cannot be read", async () => {
    const { result, sent } = setup(
      [
        { record, dueAt: "2026-12-01T11:00:00.000Z" },
        { record, dueAt: "2026-12-01T11:00:00.000Z", pendingMessage: "{not json" },
      ],
      [false],
    );
    expect(await result).toEqual({ requeued: 0, skipped: 2 });
    expect(sent).toEqual([]);
  });
});
