import { describe, expect, it } from "vitest";
import { type DemoRun, judgeDemo } from "../../local/demo.ts";

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
