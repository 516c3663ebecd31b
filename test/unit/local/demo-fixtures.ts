import type { DemoProviders, DemoRun, PublicationDemo, RaceDemo } from "../../../local/demo.ts";

export const run = (status: string, fetched: number, written: number): DemoRun => ({
  status,
  fetched,
  written,
  unchanged: fetched - written,
});

/** A demo where everything went as it should; tests spoil what they are about. */
export function aGoodDemo(): DemoProviders {
  return {
    openf1: {
      calls: 9,
      entitiesWritten: 48,
      rateLimited: 0,
      syncs: { meetings: { run1: run("succeeded", 48, 48), run2: run("succeeded", 48, 0) } },
    },
    zwiftracing: {
      calls: 29,
      entitiesWritten: 81,
      rateLimited: 0,
      repeated: 0,
      syncs: {
        clubMembers: { run: run("succeeded", 41, 41) },
        rider: { run: run("succeeded", 1, 1) },
        eventResults: { run: { ...run("succeeded", 39, 39), jobs: 25 } },
      },
    },
    runsignup: {
      calls: 6,
      entitiesWritten: 77,
      rateLimited: 0,
      pushes: 15,
      syncs: {
        races: { runs: [run("succeeded", 2, 2)] },
        participants: { runs: [run("succeeded", 75, 75)] },
        publish: { runs: [run("succeeded", 0, 0)] },
      },
    },
    raceroster: {
      calls: 4,
      entitiesWritten: 52,
      rateLimited: 0,
      pushes: 0,
      syncs: {
        events: { runs: [run("succeeded", 2, 2)] },
        participants: { runs: [run("succeeded", 50, 50)] },
      },
    },
    chronotrack: {
      calls: 125,
      entitiesWritten: 142,
      rateLimited: 0,
      pushes: 120,
      syncs: {
        events: { runs: [run("succeeded", 2, 2)] },
        participants: { runs: [run("succeeded", 50, 50), run("succeeded", 70, 70)] },
        results: { runs: [run("succeeded", 20, 20)] },
      },
    },
  };
}

export const aPublication = (changes: Partial<PublicationDemo> = {}): PublicationDemo => ({
  publicationId: "pub-0123456789abcdef0123",
  status: "approved",
  targets: [
    {
      provider: "runsignup",
      eventId: "61001",
      supported: true,
      rows: 15,
      added: 15,
      changed: 0,
      removed: 0,
      unchanged: 0,
    },
  ],
  jobs: ["publish.pub-0123456789abcdef0123.61001"],
  rowsPosted: 15,
  ...changes,
});

/** A race that unified, pushed and published as it should. */
export function aGoodRace(): RaceDemo {
  return {
    tenantId: "race-demo",
    eventId: "ev-1",
    participants: { count: 120, withTwoSources: 5 },
    publications: {
      available: true,
      first: aPublication(),
      second: aPublication({ publicationId: "pub-11111111111111111111", jobs: [], rowsPosted: 0 }),
    },
  };
}
