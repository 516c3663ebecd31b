import { describe, expect, it } from "vitest";
import { pushesOf } from "../../../local/demo/race.ts";
import { type DemoSummary, demoLines, judgeDemo, type RaceDemo } from "../../../local/demo.ts";
import { aGoodDemo, aGoodRace, aPublication, run } from "./demo-fixtures.ts";

const raceLine = (race: RaceDemo): string | undefined => {
  const summary: DemoSummary = {
    ok: true,
    durationMs: 1,
    timeScale: 60,
    providers: aGoodDemo(),
    race,
    problems: [],
  };
  return demoLines(summary).at(-1);
};

describe("judgeDemo, the race", () => {
  it("passes a race that unified a runner from both platforms, pushed, and published once", () => {
    expect(judgeDemo(aGoodDemo(), aGoodRace())).toEqual([]);
  });

  it("fails a race with nobody from two registrations and nothing pushed to ChronoTrack", () => {
    const demo = aGoodDemo();
    const race = { ...aGoodRace(), participants: { count: 125, withTwoSources: 0 } };

    const problems = judgeDemo({ ...demo, chronotrack: { ...demo.chronotrack, pushes: 0 } }, race);

    expect(problems).toEqual([
      "race: none of the 125 participants came from two registrations",
      "race: nothing was pushed to ChronoTrack",
    ]);
  });

  it("fails a second publication of unchanged results that queued a job or posted rows", () => {
    const race: RaceDemo = {
      ...aGoodRace(),
      publications: {
        available: true,
        first: aPublication(),
        second: aPublication({ jobs: ["publish.pub-1.61001"], rowsPosted: 15 }),
      },
    };

    expect(judgeDemo(aGoodDemo(), race)).toEqual([
      "race publications: the second approval, of unchanged results, sent something (1 jobs, 15 rows)",
    ]);
  });

  it("fails a first publication that sent nothing, and a refused approval", () => {
    const race: RaceDemo = {
      ...aGoodRace(),
      publications: {
        available: true,
        first: aPublication({ jobs: [], rowsPosted: 0 }),
        problem: "approve answered HTTP 409 prepare again",
      },
    };

    expect(judgeDemo(aGoodDemo(), race)).toEqual([
      "race publications: approve answered HTTP 409 prepare again",
      "race publications: the first approval sent nothing (0 jobs, 0 rows)",
    ]);
  });

  it("fails a race job that did not end well and a 429 from a race provider's fake", () => {
    const demo = aGoodDemo();
    const stalled = { ...run("stalled", 0, 0), detail: "no progress for 30000 ms; last seen queued" };
    const chronotrack = {
      ...demo.chronotrack,
      rateLimited: 3,
      syncs: { ...demo.chronotrack.syncs, participants: { runs: [run("succeeded", 50, 50), stalled] } },
    };

    expect(judgeDemo({ ...demo, chronotrack }, aGoodRace())).toEqual([
      "chronotrack/participants: stalled (no progress for 30000 ms; last seen queued)",
      "the chronotrack fake answered 3 requests with 429",
    ]);
  });

  it("fails a race that never got its event, without blaming the steps that could not follow", () => {
    const race: RaceDemo = {
      tenantId: "race-demo",
      participants: { count: 0, withTwoSources: 0 },
      publications: { available: false },
      problem: "POST /events: HTTP 400 scoring.races: unknown race",
    };

    expect(judgeDemo(aGoodDemo(), race)).toEqual([
      "race: POST /events: HTTP 400 scoring.races: unknown race",
    ]);
    expect(raceLine(race)).toBe(
      "demo race (tenant race-demo): not run (POST /events: HTTP 400 scoring.races: unknown race)",
    );
  });

  it("accepts a stack without publications yet, and says so", () => {
    const race: RaceDemo = { ...aGoodRace(), publications: { available: false } };

    expect(judgeDemo(aGoodDemo(), race)).toEqual([]);
    expect(raceLine(race)).toBe(
      "demo race (tenant race-demo): 120 participants, 5 from two registrations; publications: not available",
    );
  });
});

describe("demoLines, the race", () => {
  it("ends with the race's participants and what each publication sent", () => {
    expect(raceLine(aGoodRace())).toBe(
      "demo race (tenant race-demo): 120 participants, 5 from two registrations; publications: first sent 15 rows in 1 jobs, second (unchanged) sent 0 rows in 0 jobs",
    );
  });
});

describe("pushesOf", () => {
  it("counts the entries a scoring fake took, created or updated, and the result rows a registration fake stored", () => {
    expect(pushesOf({ requests: 125, rateLimited: 0, pushes: { created: 120, updated: 5 } })).toBe(125);
    expect(pushesOf({ requests: 6, rateLimited: 0, resultsPosted: 15 })).toBe(15);
    expect(pushesOf({ requests: 4, rateLimited: 0 })).toBe(0);
  });
});
