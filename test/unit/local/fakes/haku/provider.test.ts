import { describe, expect, it } from "vitest";
import { haku } from "#providers/haku/definition.ts";
import { hakuModule } from "#providers/haku/index.ts";
import type { Entity, SyncRun } from "#providers/types.ts";
import { DEMO_EVENT_ID, hakuFake } from "../../../../../local/fakes/haku/index.ts";
import { REGISTERED } from "../../../../../local/fakes/race/people.ts";
import { call, fetchOnto, SECRET, startFake } from "./harness.ts";

/** Runs a sync of the Haku module against the fake, storing what it yields into `stored`. */
async function sync(
  fake: { readonly url: string },
  syncType: "events" | "participants",
  stored: Map<string, Entity>,
  connectionId = "fake-conn",
) {
  const { credentials, settings } = hakuFake.connection({ url: fake.url, secret: SECRET });
  const entities = [...stored.values()];
  const run: SyncRun = {
    tenantId: "demo",
    connection: { connectionId, tier: "partner", settings, credentials },
    syncType,
    params: {},
    now: new Date(),
    fetch: fetchOnto(fake),
    store: {
      get: async (type, id) => entities.find((e) => e.type === type && e.id === id),
      list: async (type) => entities.filter((e) => e.type === type),
    },
    checkpoint: undefined,
    watermark: undefined,
    pushed: { changed: async () => true, remember: async () => {} },
  };
  const written: Entity[] = [];
  for await (const page of hakuModule.sync(run)) written.push(...page.entities);
  for (const entity of written) stored.set(`${entity.type}:${entity.id}`, entity);
  return written;
}

const registrants = (entities: readonly Entity[]) => entities.filter((e) => e.type === "registrants");

describe("the Haku module against the fake", () => {
  it("connects with settings and credentials the definition accepts", () => {
    // Act
    const connection = hakuFake.connection({ url: "http://127.0.0.1:1", secret: SECRET });

    // Assess
    expect(haku.connection.settings.safeParse(connection.settings).success).toBe(true);
    expect(haku.connection.credentials.safeParse(connection.credentials).success).toBe(true);
    expect(connection.settings).toEqual({ eventIds: [DEMO_EVENT_ID] });
  });

  it("syncs the demo event's registrants once with a detail each, then only what changed", async () => {
    // Prepare
    const fake = await startFake();
    const stored = new Map<string, Entity>();
    const count = REGISTERED.haku.to - REGISTERED.haku.from;

    // Act
    const events = await sync(fake, "events", stored);
    const first = await sync(fake, "participants", stored);
    const afterFirst = fake.stats();
    const unchanged = await sync(fake, "participants", stored);
    const [someone, other] = registrants(first);
    const number = (e: Entity | undefined) => String(e?.data.registrationId);
    await call(fake, `/_fake/participants/${number(someone)}`, {
      method: "PATCH",
      body: { email: "moved@example.com" },
    });
    await call(fake, `/_fake/participants/${number(other)}`, { method: "DELETE" });
    const changed = await sync(fake, "participants", stored);

    // Assess
    expect(events.map((e) => e.id)).toEqual([DEMO_EVENT_ID]);
    expect(events[0]?.data).toMatchObject({
      name: "Lakeside Trail Half",
      startsAt: expect.stringMatching(/Z$/),
    });
    expect(registrants(first)).toHaveLength(count);
    expect(registrants(first)[0]?.data).toMatchObject({
      bib: expect.any(String),
      chip: expect.any(String),
      birthDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      gender: expect.stringMatching(/^[MF]$/),
    });
    expect(afterFirst.detailCalls).toBe(count);
    expect(unchanged).toEqual([]);
    expect(registrants(changed).map((e) => e.data)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ registrationId: number(someone), email: "moved@example.com" }),
        expect.objectContaining({ registrationId: number(other), cancelled: true, bib: other?.data.bib }),
      ]),
    );
    const stats = fake.stats();
    expect(stats.detailCalls).toBe(count + 1);
    expect(stats.calls.participants).toBe(3);
    expect(stats.rateLimited).toBe(0);
  });

  it("gets a new token on its own when the fake expires every token mid-way", async () => {
    // Prepare
    const fake = await startFake();
    const stored = new Map<string, Entity>();
    await sync(fake, "events", stored, "expiring");

    // Act
    await call(fake, "/_fake/tokens/expire", { method: "POST" });
    const written = await sync(fake, "participants", stored, "expiring");

    // Assess
    expect(registrants(written).length).toBeGreaterThan(0);
    expect(fake.stats()).toMatchObject({ tokensIssued: 2, unauthorized: 1 });
  });
});
