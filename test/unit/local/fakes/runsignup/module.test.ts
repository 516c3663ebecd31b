import { describe, expect, it } from "vitest";
import { runsignupModule } from "#providers/runsignup/index.ts";
import type { Entity, Page, SyncRun } from "#providers/types.ts";
import { runsignupFake } from "../../../../../local/fakes/runsignup/index.ts";
import { control, fetchTo, manualClock, SECRET, startFake } from "./harness.ts";

/** Pacer's module against the fake, through a fetch that only puts the fake's base URL in front. */
async function sync(
  fake: { url: string },
  syncType: string,
  now: Date,
  stored: readonly Entity[],
  watermark?: string,
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
    params: {},
    now,
    fetch: fetchTo(fake),
    store: {
      get: async (type, id) => stored.find((e) => e.type === type && e.id === id),
      list: async (type) => stored.filter((e) => e.type === type),
    },
    checkpoint: undefined,
    watermark,
    pushed: { changed: async () => true, remember: async () => {} },
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
});
