/**
 * The race clock end to end: a Pacer event that is running gets its scoring provider's results
 * pulled without any manual trigger, and they appear under the event's own namespace (WebSocket
 * topic `events/<eventId>/results`), each pull a fan-out job of the event's tenant and connection.
 *
 * Limit windows are divided by 60, so the 30-minute results cadence is 30 s and the clock runs
 * every 5 s. Connects the race providers to the local stack's fakes, so it starts its own stack
 * and is skipped against an external target.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobRecord } from "#core/job.ts";
import { call, connectProvider, waitForJob } from "./support/api-client.ts";
import { eventually } from "./support/eventually.ts";
import { externalTarget, startTarget, type Target } from "./support/target.ts";
import { connect, type WsClient } from "./support/ws-client.ts";

const PROVIDERS = ["runsignup", "chronotrack"] as const;
const SCORING_EVENT = "90001";

let target: Target;
let acme: Pick<Target, "api" | "token">;
let live: WsClient;
const connections: Partial<Record<(typeof PROVIDERS)[number], string>> = {};

beforeAll(async () => {
  if (externalTarget) return;
  target = await startTarget({ providers: PROVIDERS, timeScale: 60 });
  acme = { api: target.api, token: (await target.tokenFor("clock-acme")) as string };
  for (const provider of PROVIDERS)
    connections[provider] = await connectProvider(acme, provider, {
      ...target.local?.fakes[provider]?.connection,
    });
  live = await connect(target.ws, acme.token);
}, 120_000);

afterAll(async () => {
  await live?.close();
  await target?.stop();
});

describe.skipIf(externalTarget)("the race clock", () => {
  it("pulls a running event's results on its own and copies them into the event's namespace", async () => {
    // Prepare: an event that started a minute ago, its runners pushed to ChronoTrack, 5 finished
    const fakeUrl = target.local?.fakes.chronotrack?.url;
    const body = {
      name: "Harbour Run",
      startsAt: new Date(Date.now() - 60_000).toISOString(),
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      registration: [{ connectionId: connections.runsignup, eventId: "61001" }],
      scoring: { connectionId: connections.chronotrack, eventId: SCORING_EVENT },
    };
    const created = await call<{ eventId: string }>(acme, "POST", "/events", { body });
    expect(created.status).toBe(201);
    const eventId = created.body.eventId;
    for (const syncType of ["races", "participants"]) {
      const started = await call<{ jobId: string }>(acme, "POST", "/sync", {
        body: { provider: "runsignup", syncType },
      });
      expect(await waitForJob(acme, started.body.jobId, 60_000)).toMatchObject({ status: "succeeded" });
    }
    const entries = await eventually(
      async () =>
        ((await (await fetch(`${fakeUrl}/_fake/entries/${SCORING_EVENT}`)).json()) as { entries: unknown[] })
          .entries,
      (list) => list.length >= 5,
      30_000,
    );
    expect(entries.length).toBeGreaterThanOrEqual(5);
    const finished = await fetch(`${fakeUrl}/_fake/events/${SCORING_EVENT}/finishers`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ count: 5 }),
    });
    expect(await finished.json()).toMatchObject({ finished: 5 });
    live.send({ action: "subscribe", topic: `events/${eventId}/results` });
    live.send({ action: "subscribe", topic: "jobs" });
    await live.waitFor((m) => m.type === "subscribed" && m.topic === "jobs");

    // Act: nothing but waiting for the clock
    const updates = await eventually(
      () => live.messages.filter((m) => m.type === "update" && m.topic === `events/${eventId}/results`),
      (seen) => seen.length >= 5,
      60_000,
    );

    // Assess
    const rows = updates.map((m) => (m.entity as { data: Record<string, unknown> }).data);
    expect(rows).toHaveLength(5);
    for (const row of rows) expect(row).toMatchObject({ eventId: SCORING_EVENT });
    const pulls = live.messages
      .map((m) => m.job as JobRecord | undefined)
      .filter((job) => job?.jobId.startsWith(`results.${eventId}.`));
    expect(pulls[0]).toMatchObject({
      tenantId: "clock-acme",
      connectionId: connections.chronotrack,
      provider: "chronotrack",
      syncType: "results",
      source: "fanout",
      params: { eventId: SCORING_EVENT },
    });
    const fakeStats = (await (await fetch(`${fakeUrl}/_fake/stats`)).json()) as { rateLimited: number };
    expect(fakeStats.rateLimited).toBe(0);
  }, 150_000);
});
