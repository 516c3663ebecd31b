/**
 * A race end to end across the fakes (issue 10's acceptance, up to results): RunSignUp and Race
 * Roster registrations (people 140–149 on both, their email cased differently on Race Roster)
 * become one participant list, pushed to ChronoTrack by the event's automatic push; a changed
 * registration makes exactly one update push; a bib set in Pacer is pushed and survives a later
 * sync without one; results are pulled and published to RunSignUp only once approved (Race Roster
 * documents no results write), a second approval of unchanged results sending nothing; no fake
 * ever answers 429; another tenant sees nothing.
 *
 * Limit windows are divided by 60, so the 5-minute push slot is 5 s. Connects the race providers
 * to the local stack's fakes, so it starts its own stack and is skipped against an external target.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobRecord } from "#core/job.ts";
import { person, recasedEmail } from "../../local/fakes/race/people.ts";
import { call, connectProvider, waitForJob } from "./support/api-client.ts";
import { eventually } from "./support/eventually.ts";
import { externalTarget, startTarget, type Target } from "./support/target.ts";
import { connect, type WsClient } from "./support/ws-client.ts";

const PROVIDERS = ["runsignup", "raceroster", "chronotrack"] as const;
type Provider = (typeof PROVIDERS)[number];
/** RunSignUp's registration of pool person `i` (local/fakes/runsignup/data.ts). */
const rsuRegistration = (i: number) => 500_000 + i;
const SCORING_EVENT = "90001";
const RACE_OF = { "5K": "900011", "10K": "900012" } as const;
const FEEDS = [
  { provider: "runsignup", eventId: "61001", distance: "5K" },
  { provider: "runsignup", eventId: "61002", distance: "10K" },
  { provider: "raceroster", eventId: "7301.73011", distance: "5K" },
  { provider: "raceroster", eventId: "7301.73012", distance: "10K" },
] as const;

interface Participant {
  readonly participantId: string;
  readonly fields: Record<string, string | undefined>;
  readonly sources: readonly string[];
  readonly conflicts: readonly { field: string }[];
  readonly cancelled: boolean;
}
interface Entry {
  readonly entry_id: string;
  readonly entry_external_id?: string;
  readonly race_id?: string;
  readonly entry_bib?: string;
  readonly location_city?: string;
}
interface PushStats {
  readonly rateLimited: number;
  readonly pushes: { readonly created: number; readonly updated: number };
}

let target: Target;
let acme: Pick<Target, "api" | "token">;
let live: WsClient;
const connections: Partial<Record<Provider, string>> = {};
let eventId: string;

beforeAll(async () => {
  if (externalTarget) return;
  target = await startTarget({ providers: PROVIDERS, timeScale: 60 });
  acme = { api: target.api, token: (await target.tokenFor("race-acme")) as string };
  for (const provider of PROVIDERS)
    connections[provider] = await connectProvider(acme, provider, {
      ...target.local?.fakes[provider]?.connection,
    });
  // Every job record of the tenant, as it changes: how the automatic pushes are seen.
  live = await connect(target.ws, acme.token);
  live.send({ action: "subscribe", topic: "jobs" });
  await live.waitFor((m) => m.type === "subscribed");
}, 120_000);

afterAll(async () => {
  await live?.close();
  await target?.stop();
});

/** A fake's test-only route (`/_fake/…`, at its server's root). */
async function fake<T>(provider: Provider, method: string, path: string, body?: unknown): Promise<T> {
  const url = target.local?.fakes[provider]?.url;
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok)
    throw new Error(`${provider} ${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** `POST /sync` for the tenant's connection to `provider`, waited for; the finished job. */
async function sync(provider: Provider, syncType: string, params?: Record<string, string>) {
  const started = await call<{ jobId: string }>(acme, "POST", "/sync", {
    body: { provider, syncType, ...(params ? { params } : {}) },
  });
  if (started.status !== 202) throw new Error(`POST /sync: ${JSON.stringify(started.body)}`);
  return waitForJob(acme, started.body.jobId, 60_000);
}

const pushStats = () => fake<PushStats>("chronotrack", "GET", "/_fake/stats");
const entries = async () =>
  (await fake<{ entries: Entry[] }>("chronotrack", "GET", `/_fake/entries/${SCORING_EVENT}`)).entries;
const participants = async () =>
  (await call<{ participants: Participant[] }>(acme, "GET", `/events/${eventId}/participants`)).body
    .participants;
const bySource = (list: readonly Participant[], source: string) =>
  list.find((p) => p.sources.includes(source)) as Participant;
const rsuSource = (i: number) => `runsignup:${i % 2 === 0 ? "61001" : "61002"}:${rsuRegistration(i)}`;

/** The automatic push jobs seen so far on the `jobs` topic, latest state of each. */
function pushJobs(): JobRecord[] {
  const latest = new Map<string, JobRecord>();
  for (const message of live.messages) {
    const job = message.job as JobRecord | undefined;
    if (message.type === "job" && job?.jobId.startsWith(`push.${eventId}.`)) latest.set(job.jobId, job);
  }
  return [...latest.values()];
}

/** Waits until ChronoTrack's counters and the push jobs satisfy `until`, every push job done. */
async function pushesSettle(until: (stats: PushStats, jobs: readonly JobRecord[]) => boolean) {
  const seen = await eventually(
    async () => ({ stats: await pushStats(), jobs: pushJobs() }),
    // A push turned away by one of the event still running ends skipped; that one runs again for it.
    ({ stats, jobs }) =>
      until(stats, jobs) &&
      jobs.some((j) => j.status === "succeeded") &&
      jobs.every((j) => j.status === "succeeded" || j.status === "skipped"),
    30_000,
  );
  return seen.stats;
}

describe.skipIf(externalTarget)("a race across RunSignUp, Race Roster and ChronoTrack", () => {
  it("discovers each provider's events", async () => {
    const jobs = await Promise.all([
      sync("runsignup", "races"),
      sync("raceroster", "events"),
      sync("chronotrack", "events"),
    ]);

    expect(jobs.map((j) => [j.provider, j.status])).toEqual(PROVIDERS.map((p) => [p, "succeeded"]));
    // Fetched by this run, or (merged into it) the connection's initial one: written then.
    expect(jobs.every((j) => (j.counts?.fetched ?? 0) > 0)).toBe(true);
  });

  it("maps both registrations' 5K and 10K to the ChronoTrack event's races", async () => {
    const feedKey = (f: (typeof FEEDS)[number]) => `${connections[f.provider]}:${f.eventId}`;
    const body = {
      name: "Harbour Run",
      startsAt: new Date(Date.now() + 48 * 3_600_000).toISOString(),
      registration: FEEDS.map((f) => ({ connectionId: connections[f.provider], eventId: f.eventId })),
      scoring: {
        connectionId: connections.chronotrack,
        eventId: SCORING_EVENT,
        races: Object.fromEntries(FEEDS.map((f) => [feedKey(f), RACE_OF[f.distance]])),
      },
    };

    const created = await call<{ eventId: string }>(acme, "POST", "/events", { body });

    expect(created.status).toBe(201);
    eventId = created.body.eventId;
  });

  it("unifies 150 + 100 registrations into 240 participants: each of the 10 on both is one person", async () => {
    // Race Roster first: see the last test for why the order a runner's registrations come in matters.
    const jobs = [await sync("raceroster", "participants"), await sync("runsignup", "participants")];

    const list = await participants();

    expect(jobs.map((j) => j.status)).toEqual(["succeeded", "succeeded"]);
    expect(list).toHaveLength(240);
    expect(list.filter((p) => p.cancelled)).toEqual([]);
    const both = list.filter((p) => p.sources.length > 1);
    expect(both).toHaveLength(10);
    for (const p of both) {
      expect(p.sources.map((s) => s.split(":")[0]).sort()).toEqual(["raceroster", "runsignup"]);
      const index = Number(p.sources.find((s) => s.startsWith("runsignup:"))?.split(":")[2]) - 500_000;
      expect(index).toBeGreaterThanOrEqual(140);
      expect(index).toBeLessThan(150);
      // One address: chosen from either platform, its casing is no disagreement.
      expect(p.fields.email?.toLowerCase()).toMatch(new RegExp(`\\.${index}@example\\.com$`));
      expect(p.conflicts.map((c) => c.field)).not.toContain("email");
    }
  });

  it("pushes the 240 to ChronoTrack by itself, each in the race of its distance", async () => {
    const stats = await pushesSettle((s) => s.pushes.created >= 240);
    const held = await entries();
    const list = await participants();

    // One job per event and 5-second slot, the slot's number in its id.
    const jobs = pushJobs().filter((j) => j.status === "succeeded");
    expect(new Set(jobs.map((j) => j.jobId.replace(/\.\d+(\.again-\d+)?$/, ".<slot>")))).toEqual(
      new Set([`push.${eventId}.<slot>`]),
    );
    expect(stats.pushes.created).toBe(240);
    expect(held).toHaveLength(240);
    const feedOf = (p: Participant) =>
      FEEDS.find((f) => p.sources.some((s) => s.startsWith(`${f.provider}:${f.eventId}:`)));
    const expected = new Map(list.map((p) => [p.participantId, RACE_OF[feedOf(p)?.distance ?? "5K"]]));
    expect(list.filter((p) => feedOf(p) === undefined)).toEqual([]);
    expect(new Set(held.map((e) => e.entry_external_id)).size).toBe(240);
    for (const entry of held) expect(entry.race_id).toBe(expected.get(entry.entry_external_id ?? ""));
  });

  it("pushes a registration changed on RunSignUp as exactly one update", async () => {
    const before = await pushStats();
    await fake("runsignup", "PATCH", `/_fake/participants/${rsuRegistration(3)}`, { city: "Eugene" });

    const job = await sync("runsignup", "participants");
    const after = await pushesSettle((s) => s.pushes.updated > before.pushes.updated);

    expect(job).toMatchObject({ status: "succeeded", counts: { written: 1 } });
    expect(after.pushes).toEqual({ created: before.pushes.created, updated: before.pushes.updated + 1 });
    const runner = bySource(await participants(), rsuSource(3));
    expect(runner.fields.city).toBe("Eugene");
    const entry = (await entries()).find((e) => e.entry_external_id === runner.participantId);
    expect(entry?.location_city).toBe("Eugene");
  });

  it("pushes a bib set in Pacer, and keeps it through a sync whose row has none", async () => {
    const runner = bySource(await participants(), rsuSource(3));
    const before = await pushStats();

    const set = await call<Participant>(
      acme,
      "PATCH",
      `/events/${eventId}/participants/${runner.participantId}`,
      {
        body: { fields: { bib: "512" } },
      },
    );
    const pushed = await pushesSettle((s) => s.pushes.updated > before.pushes.updated);
    await fake("runsignup", "PATCH", `/_fake/participants/${rsuRegistration(3)}`, { bib: null });
    const later = await sync("runsignup", "participants");

    expect(set.status).toBe(200);
    expect(set.body.fields.bib).toBe("512");
    expect(pushed.pushes).toEqual({ created: before.pushes.created, updated: before.pushes.updated + 1 });
    expect((await entries()).find((e) => e.entry_external_id === runner.participantId)?.entry_bib).toBe(
      "512",
    );
    expect(later).toMatchObject({ status: "succeeded", counts: { written: 1 } });
    expect(bySource(await participants(), rsuSource(3)).fields.bib).toBe("512");
  });

  it("pulls the results of the first 20 finishers", async () => {
    const results = await connect(target.ws, acme.token);
    results.send({ action: "subscribe", topic: "chronotrack/results" });
    await results.waitFor((m) => m.type === "subscribed");
    await fake("chronotrack", "POST", `/_fake/events/${SCORING_EVENT}/finishers`, { count: 20 });

    const job = await sync("chronotrack", "results", { eventId: SCORING_EVENT });
    const updates = await eventually(
      () => results.messages.filter((m) => m.type === "update"),
      (seen) => seen.length >= 20,
    );
    await results.close();

    expect(job).toMatchObject({ status: "succeeded", counts: { written: 20 } });
    const rows = updates.map((m) => (m.entity as { data: Record<string, unknown> }).data);
    expect(rows).toHaveLength(20);
    const pushed = new Set((await entries()).map((e) => e.entry_id));
    for (const row of rows) {
      expect(row).toMatchObject({ eventId: SCORING_EVENT, chipTimeMs: expect.any(Number) });
      expect(pushed.has(String(row.entryId))).toBe(true);
    }
  });

  it("shows another tenant nothing of the event: 404 for it, its participants and a change", async () => {
    const token = (await target.tokenFor("race-globex")) as string;
    const globex = { api: target.api, token };
    const someone = bySource(await participants(), rsuSource(3));

    const answers = [
      await call(globex, "GET", `/events/${eventId}`),
      await call(globex, "GET", `/events/${eventId}/participants`),
      await call(globex, "PATCH", `/events/${eventId}/participants/${someone.participantId}`, {
        body: { fields: { bib: "1" } },
      }),
    ];

    expect(answers.map((a) => a.status)).toEqual([404, 404, 404]);
    expect(bySource(await participants(), rsuSource(3)).fields.bib).toBe("512");
  });

  // A participant keeps its id when a registration joins it from another platform: the values set
  // in Pacer under the id, and its ChronoTrack entry, stay (an id from its least source key would
  // change here: "raceroster:…" sorts before "runsignup:…").
  it("keeps a runner who registers on Race Roster too as the same participant, bib and entry", async () => {
    const runner = bySource(await participants(), rsuSource(3));
    const [before, pushesBefore] = [await pushStats(), pushJobs().length];
    const who = person(3);
    await fake("raceroster", "POST", "/_fake/participants", {
      subEventId: 73012,
      firstName: who.firstName,
      lastName: who.lastName,
      email: recasedEmail(who.email),
      dateOfBirth: who.birthDate,
    });

    await sync("raceroster", "participants");
    const after = await pushesSettle((_, jobs) => jobs.length > pushesBefore);

    const now = bySource(await participants(), rsuSource(3));
    expect(now.sources).toHaveLength(2);
    expect(now.participantId).toBe(runner.participantId);
    expect(now.fields.bib).toBe("512");
    expect(after.pushes.created).toBe(before.pushes.created);
    expect(await entries()).toHaveLength(240);
  });

  it("publishes the results to RunSignUp only once approved, and an unchanged second approval sends nothing", async () => {
    // Prepare
    const watcher = await connect(target.ws, acme.token);
    watcher.send({ action: "subscribe", topic: `events/${eventId}/publications` });
    await watcher.waitFor((m) => m.type === "subscribed");
    const before = await postedRows();

    // Act
    const prepared = await call<Publication>(acme, "POST", `/events/${eventId}/publications`, {
      body: { kind: "final" },
    });
    const path = `/events/${eventId}/publications/${prepared.body.publicationId}`;
    const read = await call<Publication>(acme, "GET", path);
    const sentBeforeApproval = await postedRows();
    const approved = await call<Publication>(acme, "POST", `${path}/approve`);
    const jobs = await Promise.all(
      (approved.body.approval?.jobs ?? []).map((id) => waitForJob(acme, id, 60_000)),
    );
    const sent = await postedRows();

    // Assess
    expect(prepared.status).toBe(201);
    expect(prepared.body).toMatchObject({ status: "prepared", results: 20, matched: 20, unmatched: 0 });
    const rsu = prepared.body.targets.filter((t) => t.provider === "runsignup");
    const roster = prepared.body.targets.filter((t) => t.provider === "raceroster");
    expect(rsu.every((t) => t.supported)).toBe(true);
    expect(roster.every((t) => !t.supported && t.reason !== undefined)).toBe(true);
    const toSend = rsu.reduce((sum, t) => sum + t.added, 0);
    expect(toSend).toBeGreaterThan(0);
    expect(read.body.diff?.flatMap((d) => d.added)).toHaveLength(
      prepared.body.targets.reduce((sum, t) => sum + t.added, 0),
    );
    expect(sentBeforeApproval).toEqual(before);
    expect(approved.status).toBe(200);
    expect(approved.body.approval).toMatchObject({ by: expect.any(String), sent: toSend });
    expect(jobs.map((j) => j.status)).toEqual(jobs.map(() => "succeeded"));
    expect(sent.length - before.length).toBe(toSend);
    const diffed = new Set(
      read.body.diff?.flatMap((d) =>
        d.added.filter((r) => r.eventId.startsWith("610")).map((r) => r.registrationId),
      ),
    );
    expect(new Set(sent.map((r) => String(r.registration_id)))).toEqual(diffed);
    await eventually(
      () => watcher.messages.filter((m) => m.type === "update"),
      (updates) => updates.some((m) => (m.entity as { data: Publication }).data.status === "approved"),
    );
    await watcher.close();

    // Act again: the same results, published a second time
    const again = await call<Publication>(acme, "POST", `/events/${eventId}/publications`, { body: {} });
    const approvedAgain = await call<Publication>(
      acme,
      "POST",
      `/events/${eventId}/publications/${again.body.publicationId}/approve`,
    );

    // Assess
    expect(again.body.basedOn).toBe(prepared.body.publicationId);
    // Race Roster was never sent anything, so its rows stay "added": the diff is against what it got.
    const supported = again.body.targets.filter((t) => t.supported);
    expect(supported.map((t) => t.added + t.changed + t.removed)).toEqual(supported.map(() => 0));
    expect(approvedAgain.body.approval).toMatchObject({ sent: 0, jobs: [] });
    expect(await postedRows()).toEqual(sent);
  });

  it("lets another tenant neither read nor approve a publication", async () => {
    const globex = { api: target.api, token: (await target.tokenFor("race-globex")) as string };
    const prepared = await call<Publication>(acme, "POST", `/events/${eventId}/publications`, { body: {} });
    const path = `/events/${eventId}/publications/${prepared.body.publicationId}`;

    const answers = [
      await call(globex, "POST", `/events/${eventId}/publications`, { body: {} }),
      await call(globex, "GET", path),
      await call(globex, "POST", `${path}/approve`),
    ];

    expect(answers.map((a) => a.status)).toEqual([404, 404, 404]);
    expect((await call<Publication>(acme, "GET", path)).body.status).toBe("prepared");
  });

  it("never made a provider answer 429", async () => {
    const stats = await Promise.all(
      PROVIDERS.map((p) => fake<{ rateLimited: number }>(p, "GET", "/_fake/stats")),
    );

    expect(stats.map((s) => s.rateLimited)).toEqual([0, 0, 0]);
  });
});

interface Publication {
  readonly publicationId: string;
  readonly status: string;
  readonly results: number;
  readonly basedOn: string | null;
  readonly targets: readonly {
    provider: string;
    eventId: string;
    supported: boolean;
    reason?: string;
    added: number;
    changed: number;
    removed: number;
  }[];
  readonly approval: { by: string; sent: number; jobs: string[] } | null;
  readonly diff?: readonly { eventId: string; added: { eventId: string; registrationId: string }[] }[];
}

/** Every result row RunSignUp's fake was posted, over all its result sets. */
async function postedRows(): Promise<{ registration_id?: unknown }[]> {
  const { sets } = await fake<{ sets: { rows: { registration_id?: unknown }[] }[] }>(
    "runsignup",
    "GET",
    "/_fake/results",
  );
  return sets.flatMap((set) => set.rows);
}
