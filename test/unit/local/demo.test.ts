import { describe, expect, it } from "vitest";
import type { JobRecord } from "#core/job.ts";
import { type DemoRun, JobProgress, judgeDemo } from "../../../local/demo.ts";
import { aJobRecord } from "../../support/job-record.ts";

const run = (status: string, fetched: number, written: number): DemoRun => ({
  status,
  fetched,
  written,
  unchanged: fetched - written,
});

describe("judgeDemo", () => {
  it("passes a first run that wrote and a second that found everything unchanged", () => {
    expect(
      judgeDemo({ meetings: { run1: run("succeeded", 48, 48), run2: run("succeeded", 48, 0) } }, 0),
    ).toEqual([]);
  });

  it("fails a second run that rewrote stored records", () => {
    const problems = judgeDemo(
      { meetings: { run1: run("succeeded", 48, 48), run2: run("succeeded", 48, 3) } },
      0,
    );

    expect(problems).toEqual(["meetings run 2 wrote 3 records; the same data should write none"]);
  });

  it("fails a job that did not succeed, a first run that wrote nothing, and any 429", () => {
    const problems = judgeDemo(
      {
        sessions: { run1: run("failed", 0, 0), run2: run("succeeded", 10, 0) },
        weather: { run1: run("succeeded", 5, 0), run2: run("timeout", 0, 0) },
      },
      2,
    );

    expect(problems).toEqual([
      "sessions run 1: failed",
      "sessions run 1 wrote nothing",
      "weather run 2: timeout",
      "weather run 1 wrote nothing",
      "the fake provider answered 2 requests with 429",
    ]);
  });
});

describe("JobProgress", () => {
  const job = (changes: Partial<JobRecord>): JobRecord =>
    aJobRecord({
      jobId: "j",
      tenantId: "default",
      syncType: "meetings",
      createdAt: "2026-01-01T00:00:00.000Z",
      ...changes,
    });

  it("extends the deadline each time the job changes, and not while it stays the same", () => {
    const progress = new JobProgress(0);
    progress.saw(job({}), 1_000);
    expect(progress.deadline(30_000)).toBe(31_000);

    progress.saw(job({}), 20_000);
    expect(progress.deadline(30_000)).toBe(31_000);

    progress.saw(job({ status: "deferred", deferrals: 1, updatedAt: "2026-01-01T00:00:20.000Z" }), 25_000);
    expect(progress.deadline(30_000)).toBe(55_000);
  });

  it("counts waiting out a deferral as progress, until its notBefore", () => {
    const progress = new JobProgress(0);
    const notBefore = Date.parse("2026-01-01T00:02:00.000Z");

    progress.saw(job({ status: "deferred", deferrals: 3, notBefore: "2026-01-01T00:02:00.000Z" }), 1_000);

    expect(progress.deadline(30_000)).toBe(notBefore + 30_000);
  });
});
