import { describe, expect, it } from "vitest";
import type { JobRecord } from "#core/job.ts";
import { jobEvent, jobLine, rateLimitLine, shortJobId } from "../../../local/run/job-lines.ts";
import { clockTime, formatDuration } from "../../../local/run/terminal.ts";
import { aJobRecord } from "../../support/job-record.ts";

/** A job record as the worker writes it; `updatedAt` 12:03:04 local time. */
function job(overrides: Partial<JobRecord> = {}): JobRecord {
  return aJobRecord({
    jobId: "m-1a2b3c4d-0000-4000-8000-000000000000",
    tenantId: "default",
    syncType: "meetings",
    createdAt: at(12, 3, 3),
    updatedAt: at(12, 3, 4),
    ...overrides,
  });
}

function at(hours: number, minutes: number, seconds: number, ms = 0): string {
  return new Date(2026, 11, 2, hours, minutes, seconds, ms).toISOString();
}

const options = { defaultTenant: "default" };
const ESC = String.fromCharCode(27);

describe("jobLine", () => {
  it("tells a finished job's counts and duration, in aligned columns", () => {
    // Prepare
    const running = job({ status: "running", attempts: 1 });
    const succeeded = job({
      status: "succeeded",
      attempts: 1,
      counts: { pages: 1, fetched: 48, written: 48, unchanged: 0, removed: 0, pushed: 0 },
      durationMs: 1_234,
    });

    // Act
    const line = jobLine({ previous: running, current: succeeded }, options);

    // Assess
    expect(line).toBe(
      "12:03:04  openf1/meetings       m-1a2b3c…     succeeded  fetched 48 · written 48 · unchanged 0  (1.2 s)",
    );
  });

  it("names the tenant when it is not the default", () => {
    const line = jobLine({ current: job({ tenantId: "acme" }) }, options);

    expect(line).toBe("12:03:04  openf1/meetings@acme  m-1a2b3c…     queued     high · manual");
  });

  it("colours the state only when asked", () => {
    const plain = jobLine({ current: job() }, options) ?? "";
    const coloured = jobLine({ current: job() }, { ...options, color: true }) ?? "";

    expect(plain).not.toContain(ESC);
    expect(coloured).toContain(ESC);
    expect(coloured.replace(new RegExp(`${ESC}\\[\\d+m`, "g"), "")).toBe(plain);
  });
});

describe("jobEvent", () => {
  it("tells a new job as queued, with its priority and source", () => {
    expect(jobEvent({ current: job({ priority: "normal", source: "schedule" }) })).toEqual({
      state: "queued",
      detail: "normal · schedule",
    });
  });

  it("tells a deferral with how long the job waits for a permit", () => {
    // Prepare
    const running = job({ status: "running" });
    const deferred = job({ status: "deferred", deferrals: 2, notBefore: at(12, 3, 16, 500) });

    // Act
    const event = jobEvent({ previous: running, current: deferred });

    // Assess
    expect(event).toEqual({ state: "deferred", detail: "waits 12.5 s for a permit · deferral 2" });
  });

  it("tells a provider 429 as a wait for its Retry-After, with the attempt it cost", () => {
    // Prepare
    const running = job({ status: "running", attempts: 1 });
    const requeued = job({
      status: "queued",
      attempts: 1,
      notBefore: at(12, 3, 7),
      error: { code: "PROVIDER_RATE_LIMITED", message: "provider rate limited for 3000 ms" },
    });

    // Act
    const event = jobEvent({ previous: running, current: requeued });

    // Assess
    expect(event).toEqual({
      state: "deferred",
      detail: "provider 429: tries again in 3.0 s · attempt 1 spent",
    });
  });

  it("tells a retry with the next attempt, its delay and the error that caused it", () => {
    const running = job({ status: "running", attempts: 1 });
    const requeued = job({
      status: "queued",
      attempts: 1,
      notBefore: at(12, 3, 6),
      error: { code: "PROVIDER_UNAVAILABLE", message: "openf1 answered 503" },
    });

    expect(jobEvent({ previous: running, current: requeued })).toEqual({
      state: "retrying",
      detail: "attempt 2 in 2.0 s · PROVIDER_UNAVAILABLE: openf1 answered 503",
    });
  });

  it("tells a failure with its code and reason", () => {
    const failed = job({
      status: "failed",
      attempts: 3,
      error: { code: "RETRIES_EXHAUSTED", message: "gave up after 3 attempts" },
    });

    expect(jobEvent({ previous: job({ status: "running", attempts: 3 }), current: failed })).toEqual({
      state: "failed",
      detail: "RETRIES_EXHAUSTED: gave up after 3 attempts",
    });
  });

  it("tells a skipped job's reason", () => {
    const skipped = job({ status: "skipped", reason: "no live session" });

    expect(jobEvent({ previous: job({ status: "running" }), current: skipped })).toEqual({
      state: "skipped",
      detail: "no live session",
    });
  });

  it("tells an attempt once the permit is taken, and a pick-up only when verbose", () => {
    // Prepare
    const queued = job();
    const pickedUp = job({ status: "running" });
    const calling = job({ status: "running", attempts: 1 });

    // Act
    const quiet = jobEvent({ previous: queued, current: pickedUp });
    const verbose = jobEvent({ previous: queued, current: pickedUp }, true);
    const attempt = jobEvent({ previous: pickedUp, current: calling });

    // Assess
    expect(quiet).toBeUndefined();
    expect(verbose).toEqual({ state: "running", detail: "picked up by a worker" });
    expect(attempt).toEqual({ state: "running", detail: "attempt 1: permit taken, calling openf1" });
  });

  it("tells a sweep that sent a lost message again", () => {
    const deferred = job({ status: "deferred", deferrals: 1 });

    expect(jobEvent({ previous: deferred, current: { ...deferred, sweeps: 1 } })).toEqual({
      state: "swept",
      detail: "its message was lost: sent again (sweep 1)",
    });
  });

  it("stays silent on writes that change no state a person would notice", () => {
    const succeeded = job({
      status: "succeeded",
      counts: { pages: 1, fetched: 1, written: 1, unchanged: 0, removed: 0, pushed: 0 },
    });

    expect(jobEvent({ previous: succeeded, current: succeeded })).toBeUndefined();
    expect(jobEvent({ previous: job(), current: job({ updatedAt: at(12, 3, 5) }) })).toBeUndefined();
  });
});

describe("shortJobId", () => {
  it.each([
    ["m-1a2b3c4d-0000-4000-8000-000000000000", "m-1a2b3c…"],
    ["short-id", "short-id"],
    ["a-very-long-custom-job-id", "a-very-long…"],
  ])("%s → %s", (id, short) => {
    expect(shortJobId(id)).toBe(short);
  });

  it("shows a scheduled job by its slot's time, and a later slot by its number", () => {
    const slotTime = clockTime("2026-12-02T01:24:23.941Z");

    expect(shortJobId("s-openf1-weather-default-20261202T012423941Z-0")).toBe(`s@${slotTime}`);
    expect(shortJobId("s-openf1-weather-acme-20261202T012423941Z-1")).toBe(`s@${slotTime}#1`);
  });
});

describe("rateLimitLine", () => {
  it("tells how many calls a fake refused, and how many so far", () => {
    const line = rateLimitLine("openf1", 2, 5, new Date(at(12, 3, 4)));

    expect(line).toBe(
      "12:03:04  openf1                              429        the fake openf1 refused 2 calls over its limit (5 so far)",
    );
  });
});

describe("formatDuration", () => {
  it.each([
    [400, "0.4 s"],
    [12_345, "12.3 s"],
    [245_000, "4 min 5 s"],
    [7_500_000, "2 h 5 min"],
  ])("%i ms → %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
