import { describe, expect, it } from "vitest";
import type { JobRecord } from "#core/job.ts";
import { demoConnection } from "../../../local/demo/zwiftracing.ts";
import {
  ChildJobIndex,
  childrenEnded,
  type DemoProviders,
  type DemoSummary,
  demoLines,
  JobProgress,
  judgeDemo,
} from "../../../local/demo.ts";
import { aJobRecord } from "../../support/job-record.ts";
import { aGoodDemo, aGoodRace, run } from "./demo-fixtures.ts";

describe("judgeDemo", () => {
  it("passes first runs that wrote, an OpenF1 second run that found everything unchanged, and no 429", () => {
    expect(judgeDemo(aGoodDemo(), aGoodRace())).toEqual([]);
  });

  it("fails an OpenF1 second run that rewrote stored records", () => {
    const demo = aGoodDemo();
    const spoilt = {
      ...demo,
      openf1: {
        ...demo.openf1,
        syncs: { meetings: { run1: run("succeeded", 48, 48), run2: run("succeeded", 48, 3) } },
      },
    };

    expect(judgeDemo(spoilt, aGoodRace())).toEqual([
      "openf1/meetings run 2 wrote 3 records; the same data should write none",
    ]);
  });

  it("fails a job that did not succeed and a first run that wrote nothing, on either provider", () => {
    const demo = aGoodDemo();
    const spoilt: DemoProviders = {
      ...demo,
      openf1: {
        ...demo.openf1,
        syncs: {
          sessions: { run1: run("failed", 0, 0), run2: run("succeeded", 10, 0) },
          weather: {
            run1: run("succeeded", 5, 0),
            run2: { ...run("timeout", 0, 0), detail: "last seen queued" },
          },
        },
      },
      zwiftracing: {
        ...demo.zwiftracing,
        syncs: {
          rider: { run: run("succeeded", 1, 0) },
          eventResults: {
            run: { ...run("failed", 30, 30), detail: "23 of 25 succeeded, 2 failed, 0 skipped" },
          },
        },
      },
    };

    expect(judgeDemo(spoilt, aGoodRace())).toEqual([
      "openf1/sessions run 1: failed",
      "openf1/weather run 1 wrote nothing",
      "openf1/weather run 2: timeout (last seen queued)",
      "zwiftracing/rider wrote nothing",
      "zwiftracing/eventResults: failed (23 of 25 succeeded, 2 failed, 0 skipped)",
    ]);
  });

  it("fails any 429, any repeated ZwiftRacing call and a provider it could not connect", () => {
    const demo = aGoodDemo();
    const spoilt: DemoProviders = {
      ...demo,
      openf1: { ...demo.openf1, rateLimited: 2 },
      zwiftracing: {
        ...demo.zwiftracing,
        repeated: 1,
        problem: "connecting zwiftracing failed: HTTP 400 settings.clubId: expected a number",
      },
    };

    expect(judgeDemo(spoilt, aGoodRace())).toEqual([
      "the openf1 fake answered 2 requests with 429",
      "zwiftracing: connecting zwiftracing failed: HTTP 400 settings.clubId: expected a number",
      "the zwiftracing fake saw 1 calls repeat one it had answered",
    ]);
  });
});

describe("demoLines", () => {
  it("tells each provider's calls, entities written and 429s in one line, a race provider's pushes too", () => {
    const summary: DemoSummary = {
      ok: true,
      durationMs: 1,
      timeScale: 60,
      providers: aGoodDemo(),
      race: aGoodRace(),
      problems: [],
    };

    expect(demoLines(summary).slice(0, 5)).toEqual([
      "demo openf1: 9 calls, 48 entities written, 0 429s",
      "demo zwiftracing: 29 calls, 81 entities written, 0 429s",
      "demo runsignup: 6 calls, 77 entities written, 15 pushes, 0 429s",
      "demo raceroster: 4 calls, 52 entities written, 0 pushes, 0 429s",
      "demo chronotrack: 125 calls, 142 entities written, 120 pushes, 0 429s",
    ]);
  });
});

describe("demoConnection", () => {
  it("follows the 40-member club with experimental on, keeping the fake's key and tier", () => {
    const fake = {
      tier: "standard",
      credentials: { apiKey: "0123456789abcdef0123" },
      settings: { clubId: 1001, experimental: false },
    };

    expect(demoConnection(fake)).toEqual({
      tier: "standard",
      credentials: { apiKey: "0123456789abcdef0123" },
      settings: { clubId: 1002, experimental: true },
    });
  });
});

const job = (changes: Partial<JobRecord>): JobRecord =>
  aJobRecord({
    jobId: "j",
    tenantId: "default",
    syncType: "meetings",
    createdAt: "2026-01-01T00:00:00.000Z",
    ...changes,
  });

describe("JobProgress", () => {
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

  it("counts a queued job held to its slot (a race's push) as progress, until its notBefore", () => {
    const progress = new JobProgress(0);
    const notBefore = Date.parse("2026-01-01T00:05:00.000Z");

    progress.saw(job({ jobId: "push.ev-1.123", notBefore: "2026-01-01T00:05:00.000Z" }), 1_000);

    expect(progress.deadline(30_000)).toBe(notBefore + 30_000);
  });

  it("counts a finished parent's children ending as progress", () => {
    const progress = new JobProgress(0);
    const children = { total: 25, succeeded: 3, failed: 0, skipped: 0 };
    progress.saw(job({ status: "succeeded", children }), 1_000);

    progress.saw(job({ status: "succeeded", children: { ...children, succeeded: 4 } }), 20_000);

    expect(progress.deadline(30_000)).toBe(50_000);
  });
});

describe("childrenEnded", () => {
  const children = { total: 25, succeeded: 20, failed: 1, skipped: 0 };

  it("waits for a succeeded parent's children until each has ended", () => {
    expect(childrenEnded(job({ status: "succeeded", children }))).toBe(false);
    expect(childrenEnded(job({ status: "succeeded", children: { ...children, skipped: 4 } }))).toBe(true);
  });

  it("does not wait for the children of a parent that failed, nor of one without any", () => {
    expect(childrenEnded(job({ status: "failed", children }))).toBe(true);
    expect(childrenEnded(job({ status: "succeeded" }))).toBe(true);
  });
});

describe("ChildJobIndex", () => {
  it("lists a parent's children once each, from their records' updates", () => {
    const index = new ChildJobIndex();
    const child = (jobId: string, status: JobRecord["status"]) => ({
      current: job({ jobId, parentJobId: "m-parent", source: "fanout", status }),
    });

    index.update({ current: job({ jobId: "m-parent" }) });
    index.update(child("m-parent.eventResults.a", "queued"));
    index.update(child("m-parent.eventResults.b", "queued"));
    index.update(child("m-parent.eventResults.a", "succeeded"));

    expect(index.childrenOf("m-parent")).toEqual(["m-parent.eventResults.a", "m-parent.eventResults.b"]);
    expect(index.childrenOf("m-other")).toEqual([]);
  });
});
