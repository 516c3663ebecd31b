import { describe, expect, it } from "vitest";
import type { Catalog } from "#catalog/types.ts";
import type { JobMessageInput, JobRecord } from "#core/job.ts";
import { type ClockEntry, type ResultsClockIndex, runResultsClock } from "#core/race/results-clock.ts";
import { chronotrack } from "#providers/chronotrack/definition.ts";
import { copernico } from "#providers/copernico/definition.ts";

const MIN = 60_000;
const START = Date.parse("2026-05-03T08:00:00Z");
const END = Date.parse("2026-05-03T12:00:00Z");
const catalog: Catalog = { providers: [chronotrack, copernico] };

/** The clock's index in memory, and the jobs and messages the clock queued. */
function world(entries: ClockEntry[], timeScale = 1) {
  const index = new Map(entries.map((e) => [`${e.tenantId}#${e.eventId}`, { ...e }]));
  const store: ResultsClockIndex = {
    clockEntries: async () => [...index.values()].map((e) => ({ ...e })),
    markResultsQueued: async (tenantId, eventId, at) => {
      const entry = index.get(`${tenantId}#${eventId}`);
      if (entry) index.set(`${tenantId}#${eventId}`, { ...entry, resultsQueuedAt: at });
    },
    dropFromClock: async (tenantId, eventId) => {
      index.delete(`${tenantId}#${eventId}`);
    },
  };
  const jobs = new Map<string, JobRecord>();
  const sent: JobMessageInput[] = [];
  let now = START;
  const deps = {
    index: store,
    jobs: {
      create: async (record: JobRecord) => {
        if (jobs.has(record.jobId)) return false;
        jobs.set(record.jobId, record);
        return true;
      },
    },
    queue: { send: async (message: JobMessageInput) => void sent.push(message) },
    catalog,
    clock: () => now,
    timeScale,
  };
  return {
    index,
    jobs,
    sent,
    run: () => runResultsClock(deps),
    at: (ms: number) => {
      now = ms;
    },
  };
}

const acmeRace: ClockEntry = {
  tenantId: "acme",
  eventId: "ev-000000000000000000a1",
  startsAt: new Date(START).toISOString(),
  endsAt: new Date(END).toISOString(),
  scoring: { connectionId: "c-000000000000000000a3", provider: "chronotrack", eventId: "90001" },
};
const globexRace: ClockEntry = {
  tenantId: "globex",
  eventId: "ev-000000000000000000b1",
  startsAt: new Date(START).toISOString(),
  endsAt: new Date(END).toISOString(),
  scoring: {
    connectionId: "c-000000000000000000b3",
    provider: "copernico",
    eventId: "5fbe1dc5-deb8-40dd-8a08-2375ac1f13d5",
    results: { raceId: "harbour-run-2026", eventName: "10K" },
  },
};

describe("runResultsClock", () => {
  it("queues nothing before the start", async () => {
    // Prepare
    const w = world([acmeRace]);
    w.at(START - 5 * MIN);

    // Act
    const run = await w.run();

    // Assess
    expect(run.queued).toBe(0);
    expect(w.sent).toEqual([]);
  });

  it("queues the event's results pull while it runs, as a fan-out job of its own tenant and connection", async () => {
    // Prepare
    const w = world([acmeRace]);
    w.at(START + 5 * MIN);

    // Act
    const run = await w.run();

    // Assess
    expect(run).toEqual({ due: 1, queued: 1, alreadyQueued: 0, dropped: 0 });
    expect(w.sent).toEqual([
      expect.objectContaining({
        jobId: `results.${acmeRace.eventId}.${Math.floor((START + 5 * MIN) / (30 * MIN))}`,
        tenantId: "acme",
        connectionId: acmeRace.scoring.connectionId,
        provider: "chronotrack",
        syncType: "results",
        params: { eventId: "90001" },
        source: "fanout",
      }),
    ]);
    expect(w.index.get(`acme#${acmeRace.eventId}`)?.resultsQueuedAt).toBe(START + 5 * MIN);
  });

  it("queues one pull per 30 minutes while running, however often it runs", async () => {
    // Prepare
    const w = world([acmeRace]);

    // Act: every 5 minutes for the first hour
    for (let t = START; t < START + 60 * MIN; t += 5 * MIN) {
      w.at(t);
      await w.run();
    }

    // Assess
    expect(w.sent.map((m) => m.jobId)).toEqual([
      `results.${acmeRace.eventId}.${START / (30 * MIN)}`,
      `results.${acmeRace.eventId}.${START / (30 * MIN) + 1}`,
    ]);
  });

  it("queues a slot's job once when a run stopped before recording it", async () => {
    // Prepare: the job of this slot exists, but the index was never told
    const w = world([acmeRace]);
    w.at(START + MIN);
    await w.run();
    w.index.set(`acme#${acmeRace.eventId}`, { ...acmeRace });

    // Act
    const again = await w.run();

    // Assess
    expect(again).toMatchObject({ due: 1, queued: 0, alreadyQueued: 1 });
    expect(w.sent).toHaveLength(1);
    expect(w.index.get(`acme#${acmeRace.eventId}`)?.resultsQueuedAt).toBe(START + MIN);
  });

  it("pulls once more after the end, then no more", async () => {
    // Prepare: the last pull while running, 10 minutes before the end (the same slot as the end)
    const w = world([acmeRace]);
    w.at(END - 10 * MIN);
    await w.run();

    // Act
    w.at(END + 5 * MIN);
    const after = await w.run();
    w.at(END + 40 * MIN);
    const later = await w.run();

    // Assess
    expect(after.queued).toBe(1);
    expect(w.sent.at(-1)?.jobId).toMatch(new RegExp(`^results\\.${acmeRace.eventId}\\.\\d+\\.final$`));
    expect(later.queued).toBe(0);
    expect(w.sent).toHaveLength(2);
  });

  it("drops a retired event from the index without queueing", async () => {
    // Prepare
    const w = world([acmeRace]);
    w.at(END + 8 * 24 * 60 * MIN);

    // Act
    const run = await w.run();

    // Assess
    expect(run).toEqual({ due: 0, queued: 0, alreadyQueued: 0, dropped: 1 });
    expect(w.index.size).toBe(0);
    expect(w.sent).toEqual([]);
  });

  it("gives each tenant's event its own tenant, connection and results params", async () => {
    // Prepare
    const w = world([acmeRace, globexRace]);
    w.at(START + MIN);

    // Act
    await w.run();

    // Assess
    const byTenant = Object.fromEntries(w.sent.map((m) => [m.tenantId, m]));
    expect(byTenant.acme).toMatchObject({
      connectionId: acmeRace.scoring.connectionId,
      provider: "chronotrack",
      params: { eventId: "90001" },
    });
    expect(byTenant.globex).toMatchObject({
      connectionId: globexRace.scoring.connectionId,
      provider: "copernico",
      params: { raceId: "harbour-run-2026", eventName: "10K" },
    });
    expect(byTenant.globex?.jobId).toContain(globexRace.eventId);
  });

  it("shrinks the 30-minute cadence under a time scale", async () => {
    // Prepare: a 60× scale makes it 30 s
    const w = world([acmeRace], 60);

    // Act
    for (const t of [START + 1_000, START + 10_000, START + 31_000]) {
      w.at(t);
      await w.run();
    }

    // Assess
    expect(w.sent).toHaveLength(2);
  });
});
