import { describe, expect, it } from "vitest";
import type { JobRecord } from "#core/job.ts";
import { JobLog, subjectKey } from "../../../sim/job-log.ts";
import { ageAtRead, manualLatency, type ReadRecord, readAgeSummary } from "../../../sim/read-age.ts";

const SUBJECT = subjectKey("c-1", "signups", { eventId: "9" });

function succeeded(
  jobId: string,
  finishedAtMs: number,
  params: Record<string, string> = { eventId: "9" },
): JobRecord {
  const at = new Date(finishedAtMs).toISOString();
  return {
    jobId,
    tenantId: "default",
    connectionId: "c-1",
    provider: "zwiftracing",
    syncType: "signups",
    priority: "normal",
    source: "schedule",
    params,
    status: "succeeded",
    attempts: 1,
    deferrals: 0,
    createdAt: at,
    updatedAt: at,
    finishedAt: at,
  };
}

const read = (at: number, extra: Partial<ReadRecord> = {}): ReadRecord => ({
  at,
  dataKind: "signups",
  subject: SUBJECT,
  targetMs: 60_000,
  availableSince: 0,
  ...extra,
});

describe("ageAtRead", () => {
  it("is the time since the subject's last success when the answer names no refresh", () => {
    const log = new JobLog();
    log.record(succeeded("a", 10_000));
    log.record(succeeded("b", 50_000));
    expect(ageAtRead(read(80_000), log)).toEqual({ ageMs: 30_000, missing: false });
  });

  it("is the wait for the refresh when one is named and arrives within the target", () => {
    const log = new JobLog();
    log.record(succeeded("old", 1_000));
    log.record(succeeded("r-1", 95_000));
    expect(ageAtRead(read(80_000, { refreshJobId: "r-1" }), log)).toEqual({ ageMs: 15_000, missing: false });
  });

  it("is the data's age at the bound when the refresh comes too late", () => {
    const log = new JobLog();
    log.record(succeeded("old", 1_000));
    log.record(succeeded("r-1", 500_000));
    expect(ageAtRead(read(80_000, { refreshJobId: "r-1" }), log)).toEqual({ ageMs: 139_000, missing: false });
  });

  it("is 0 for a copy fetched after the provider's answer settled, however long ago", () => {
    const log = new JobLog();
    log.record(succeeded("look", 50_000));
    const settledBefore = read(4_000_000, { settledAt: 40_000 });
    const settledAfter = read(4_000_000, { settledAt: 60_000 });
    expect([ageAtRead(settledBefore, log), ageAtRead(settledAfter, log)]).toEqual([
      { ageMs: 0, missing: false },
      { ageMs: 3_950_000, missing: false },
    ]);
  });

  it("counts data never synced from when the provider had it", () => {
    expect(ageAtRead(read(80_000, { availableSince: 20_000 }), new JobLog())).toEqual({
      ageMs: 60_000,
      missing: true,
    });
  });

  it("lets a page that shows any run of a sync type be dated by the latest", () => {
    const log = new JobLog();
    log.record(succeeded("a", 10_000, { eventId: "1" }));
    log.record(succeeded("b", 20_000, { eventId: "2" }));
    const any = read(30_000, { subject: subjectKey("c-1", "signups", "any") });
    expect(ageAtRead(any, log).ageMs).toBe(10_000);
  });
});

describe("readAgeSummary", () => {
  it("gives each kind's percentiles in seconds, and how many reads were over their own target", () => {
    const log = new JobLog();
    log.record(succeeded("a", 0));
    const reads = [read(30_000), read(90_000), read(120_000, { dataKind: "riders", targetMs: 3_600_000 })];

    const summary = readAgeSummary(reads, log);

    expect(summary.signups).toMatchObject({ targetSeconds: 60, p50: 30, worst: 90, reads: 2, overTarget: 1 });
    expect(summary.riders).toMatchObject({ reads: 1, overTarget: 0 });
    expect(summary.all).toMatchObject({ targetSeconds: null, reads: 3, p95OfTarget: 1.5 });
  });
});

describe("manualLatency", () => {
  it("is the time to the job's success; a job not done by the end counts until the end", () => {
    const log = new JobLog();
    log.record({ ...succeeded("m-1", 12_000), syncType: "rider" });
    const latency = manualLatency(
      [
        { at: 10_000, jobId: "m-1" },
        { at: 20_000, jobId: "m-2" },
      ],
      log,
      100_000,
    );
    expect(latency).toEqual({ p50: 2, p95: 80, worst: 80, n: 2 });
  });
});
