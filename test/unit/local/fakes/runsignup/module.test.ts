import { describe, expect, it } from "vitest";
import { runsignupModule } from "#providers/runsignup/index.ts";
import type { Entity, Page, SyncRun } from "#providers/types.ts";
import { runsignupFake } from "../../../../../local/fakes/runsignup/index.ts";
import { NO_PUSHES } from "../../../../support/pages.ts";
import { memoryLedger, published } from "../../../providers/runsignup/publish-fixtures.ts";
import { control, fetchTo, manualClock, SECRET, startFake } from "./harness.ts";

/** Pacer's module against the fake, through a fetch that only puts the fake's base URL in front. */
async function sync(
  fake: { url: string },
  syncType: string,
  now: Date,
  stored: readonly Entity[],
  watermark?: string,
  push: Pick<SyncRun, "params" | "pushed"> = { params: {}, pushed: NO_PUSHES },
): Promise<Page[]> {
  const connection = runsignupFake.connection({ url: fake.url, secret: SECRET });
  const run: SyncRun = {
    tenantId: "demo",
    connection: {
      connectionId: "c1",
      tier: "standard",
      settings: connection.settings,
      credentials: connection.credentials,
    },
    syncType,
    params: push.params,
    now,
    fetch: fetchTo(fake),
    store: {
      get: async (type, id) => stored.find((e) => e.type === type && e.id === id),
      list: async (type) => stored.filter((e) => e.type === type),
    },
    checkpoint: undefined,
    watermark,
    pushed: push.pushed,
  };
  const pages: Page[] = [];
  for await (const page of runsignupModule.sync(run)) pages.push(page);
  return pages;
}

describe("the runsignup module against the fake", () => {
  it("reads the race's events, all registrations, then only what changed: one edit, one removal", async () => {
    // Prepare
    const clock = manualClock("2026-04-16T15:20:00Z");
    const fake = await startFake({ now: clock.now });
    const events = (await sync(fake, "races", clock.now(), [])).flatMap((p) => p.entities);
    const full = await sync(fake, "participants", clock.now(), events);
    clock.advance(3_600_000);
    await control(fake, "PATCH", "/participants/500003", { bib: 812 });
    await control(fake, "DELETE", "/participants/500008");
    clock.advance(60_000);

    // Act
    const incremental = await sync(fake, "participants", clock.now(), events, full.at(-1)?.watermark);

    // Assess
    expect(events.map((e) => [e.id, e.data.startsAt])).toEqual([
      ["61001", "2026-04-18T08:00:00-07:00"],
      ["61002", "2026-04-18T08:00:00-07:00"],
    ]);
    expect(full.flatMap((p) => p.entities)).toHaveLength(150);
    const changed = incremental.flatMap((p) => p.entities);
    expect(changed.map((e) => [e.id, e.data.bib ?? null, e.data.cancelled ?? false])).toEqual([
      ["61001:500008", null, true],
      ["61002:500003", "812", false],
    ]);
    expect(fake.stats()).toMatchObject({ rateLimited: 0, unauthorized: 0, incremental: 4 });
  });

  it("publishes approved results once: a result set made, the rows posted, nothing sent again unchanged", async () => {
    // Prepare
    const clock = manualClock("2026-04-18T18:00:00Z");
    const fake = await startFake({ now: clock.now });
    const events = (await sync(fake, "races", clock.now(), [])).flatMap((p) => p.entities);
    const results = [
      published(500_000, { bib: "100", place: 1, gunTimeMs: 1_082_400, chipTimeMs: 1_081_900 }),
      published(500_002, { status: "DNF" }),
    ];
    const push = { params: { eventId: "61001", kind: "final" }, pushed: memoryLedger() };
    await sync(fake, "publish", clock.now(), [...events, ...results], undefined, push);
    const requests = fake.stats().requests;

    // Act
    await sync(fake, "publish", clock.now(), [...events, ...results], undefined, push);

    // Assess
    expect(fake.results()).toEqual({
      sets: [
        {
          eventId: 61001,
          resultSetId: expect.any(Number),
          name: "Results",
          preliminary: false,
          rows: [
            {
              registration_id: 500_000,
              bib_num: 100,
              place: 1,
              clock_time: "0:18:02.4",
              chip_time: "0:18:01.9",
            },
            { registration_id: 500_002, clock_time: "DNF" },
          ],
        },
      ],
    });
    expect(fake.stats().requests).toBe(requests);
    expect(fake.stats()).toMatchObject({ rateLimited: 0, unauthorized: 0, resultPosts: 1, resultsPosted: 2 });
  });
});
