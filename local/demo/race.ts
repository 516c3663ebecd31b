import { pushSlotMs } from "#core/race/follow-ups.ts";
import { nextGeneration } from "#core/sync-job/push-flight.ts";
import { DEMO_EVENT_ID as CHRONOTRACK_EVENT } from "../fakes/chronotrack/data.ts";
import { DEMO_EVENT_ID as RACEROSTER_EVENT, SUB_EVENT_5K } from "../fakes/raceroster/data.ts";
import { DEMO_EVENTS, DEMO_RACE_ID } from "../fakes/runsignup/data.ts";
import type { FakeConnection } from "../fakes/types.ts";
import type { LocalLog } from "../log.ts";
import type { DemoApi, JobWait } from "./api.ts";
import { describeRun } from "./openf1.ts";
import { publishResults } from "./race-publications.ts";
import {
  type DemoFakeStats,
  type DemoRun,
  type ProviderDemo,
  RACE_PROVIDERS,
  type RaceDemo,
  type RaceProvider,
  type RaceRuns,
} from "./types.ts";

/** The race part's own tenant: what it connects, creates and reads is nobody else's. */
export const RACE_DEMO_TENANT = "race-demo";

/**
 * The fakes' demo data (local/fakes/…/data.ts), as test/integration/race-timing.test.ts uses it:
 * RunSignUp's 5K and Race Roster's 5K feed ChronoTrack's Harbour Run, whose 5K race is its
 * event id and "1". Even people of the shared pool run the 5K; 140–148 are on both platforms.
 */
const RSU_5K = String(DEMO_EVENTS[0].eventId);
const RR_5K = `${RACEROSTER_EVENT}.${SUB_EVENT_5K}`;
const CT_5K_RACE = `${CHRONOTRACK_EVENT}1`;
/** How many runners the demo lets finish before it pulls results. */
const FINISHERS = 20;

/** A race provider's fake: the connection it accepts, and its server for the `/_fake/…` routes. */
export interface RaceFake {
  readonly connection: FakeConnection;
  readonly url: string;
}

export interface RaceOptions {
  /** The REST API as the race tenant ({@link RACE_DEMO_TENANT}'s token). */
  readonly api: DemoApi;
  readonly tenantId: string;
  /** The stack's limit time scale: the push slot (5 min deployed) shrinks by it. */
  readonly timeScale: number;
  /** A fake absent: its base URL is overridden, and the race cannot run. */
  readonly fakes: Partial<Record<RaceProvider, RaceFake>>;
  readonly wait: JobWait;
  readonly log: LocalLog;
}

export interface RaceOutcome {
  readonly providers: Record<RaceProvider, ProviderDemo<RaceRuns>>;
  readonly race: RaceDemo;
}

type Runs = Record<RaceProvider, Record<string, DemoRun[]>>;

/**
 * A race through the public API, as a timer would run it: connect RunSignUp and Race Roster
 * (registration) and ChronoTrack (scoring); discover their events; create a Pacer event fed by
 * one event of each registration platform and scored on ChronoTrack; sync participants; wait for
 * the automatic push; read the unified list; let runners finish and pull results; publish them
 * with approval, twice (the second, of unchanged results, must send nothing).
 */
export async function runRace(options: RaceOptions): Promise<RaceOutcome> {
  const { api, fakes } = options;
  const runs: Runs = { runsignup: {}, raceroster: {}, chronotrack: {} };
  const missing = RACE_PROVIDERS.filter((p) => fakes[p] === undefined);
  if (missing.length > 0)
    return notRun(
      options,
      Object.fromEntries(missing.map((p) => [p, noFake(p)])),
      `no fake for ${missing.join(", ")}`,
    );
  const connected = await Promise.all(
    RACE_PROVIDERS.map(async (p) => [p, await api.connect(p, (fakes[p] as RaceFake).connection)] as const),
  );
  const refused = Object.fromEntries(connected.flatMap(([p, c]) => ("problem" in c ? [[p, c.problem]] : [])));
  if (Object.keys(refused).length > 0) return notRun(options, refused, "not every race provider connected");
  const ids = Object.fromEntries(
    connected.map(([p, c]) => [p, "connectionId" in c ? c.connectionId : ""]),
  ) as Record<RaceProvider, string>;

  const step = async (provider: RaceProvider, syncType: string, params?: Record<string, string>) => {
    const request = { provider, syncType, connectionId: ids[provider], ...(params ? { params } : {}) };
    const run = await api.run(request, options.wait);
    record(runs, provider, syncType, run);
    options.log.info(`demo race ${provider}/${syncType}: ${describeRun(run)}`);
    return run;
  };
  const finish = async (race: Omit<RaceDemo, "tenantId">) => ({
    providers: await providerDemos(fakes, ids, runs),
    race: { tenantId: options.tenantId, ...race },
  });
  const nobody = { count: 0, withTwoSources: 0 };

  await Promise.all([
    step("runsignup", "races"),
    step("raceroster", "events"),
    step("chronotrack", "events"),
  ]);
  const eventId = await createEvent(api, ids);
  if (typeof eventId !== "string")
    return finish({ participants: nobody, publications: { available: false }, problem: eventId.problem });

  // One after the other: each sync's worker unifies the event again before its job ends.
  const syncsFrom = Date.now();
  await step("raceroster", "participants", { eventId: String(RACEROSTER_EVENT) });
  await step("runsignup", "participants", { raceId: String(DEMO_RACE_ID), eventId: RSU_5K });
  const pushes = await awaitPushes(api, eventId, { from: syncsFrom, to: Date.now() }, options);
  runs.chronotrack.participants = pushes;
  options.log.info(`demo race chronotrack/participants (${pushes.length} automatic pushes)`);
  const participants = await unifiedParticipants(api, eventId);

  await fakeRoute(fakes.chronotrack as RaceFake, "POST", `/_fake/events/${CHRONOTRACK_EVENT}/finishers`, {
    count: FINISHERS,
  });
  await step("chronotrack", "results", { eventId: CHRONOTRACK_EVENT });
  const posted = async () => (await fakeStats(fakes.runsignup as RaceFake)).resultsPosted ?? 0;
  const published = await publishResults(api, { eventId, wait: options.wait, rowsPosted: posted });
  runs.runsignup.publish = [...published.runs];
  options.log.info(`demo race publications: ${published.runs.length} publish jobs`);
  return finish({ eventId, participants, publications: published.publications });
}

/** A race that broke off on an unexpected error (a fake's control route refused, the API gone). */
export function raceBrokeOff(options: Pick<RaceOptions, "tenantId">, error: unknown): RaceOutcome {
  const message = error instanceof Error ? error.message : String(error);
  return notRun(options, {}, `broke off: ${message}`);
}

/** `POST /events`: the Harbour Run fed by each platform's 5K, scored to ChronoTrack's 5K race. */
async function createEvent(
  api: DemoApi,
  ids: Record<RaceProvider, string>,
): Promise<string | { problem: string }> {
  const feeds = [
    { connectionId: ids.runsignup, eventId: RSU_5K },
    { connectionId: ids.raceroster, eventId: RR_5K },
  ];
  const created = await api.call<{ eventId?: string; error?: { message?: string } }>("POST", "/events", {
    name: "Harbour Run (demo)",
    startsAt: new Date(Date.now() + 48 * 3_600_000).toISOString(),
    registration: feeds,
    scoring: {
      connectionId: ids.chronotrack,
      eventId: CHRONOTRACK_EVENT,
      races: Object.fromEntries(feeds.map((f) => [`${f.connectionId}:${f.eventId}`, CT_5K_RACE])),
    },
  });
  if (created.status === 201 && typeof created.body?.eventId === "string") return created.body.eventId;
  return { problem: `POST /events: HTTP ${created.status} ${created.body?.error?.message ?? ""}`.trim() };
}

/**
 * The event's automatic pushes since `from`: a registration sync that changed the list queues
 * `push.<eventId>.<slot>` for the end of its push slot (functions/core/race/follow-ups.ts), so
 * the slots the syncs ran in name every push they can have queued. Each is waited for.
 */
async function awaitPushes(
  api: DemoApi,
  eventId: string,
  { from, to }: { readonly from: number; readonly to: number },
  options: Pick<RaceOptions, "timeScale" | "wait">,
): Promise<DemoRun[]> {
  const slotMs = pushSlotMs(options.timeScale);
  const candidates: string[] = [];
  for (let slot = Math.floor(from / slotMs); slot <= Math.floor(to / slotMs); slot++)
    candidates.push(`push.${eventId}.${slot}`);
  const queued = (await Promise.all(candidates.map((id) => api.job(id)))).filter((job) => job !== undefined);
  const runs: DemoRun[] = [];
  // A push that found another of the event running was skipped, and the running one queued its
  // next generation as it ended (functions/core/sync-job/push-flight.ts): those are waited for too.
  for (let pending = queued.map((job) => job.jobId); pending.length > 0; ) {
    const ended = await Promise.all(pending.map((id) => api.waitFor(id, options.wait)));
    runs.push(...ended);
    const next = await Promise.all(
      ended.map((run) => (run.jobId ? api.job(nextGeneration(run.jobId)) : undefined)),
    );
    pending = next.filter((job) => job !== undefined).map((job) => job.jobId);
  }
  return runs;
}

async function unifiedParticipants(api: DemoApi, eventId: string): Promise<RaceDemo["participants"]> {
  const answer = await api.call<{ participants?: { sources: readonly string[] }[] }>(
    "GET",
    `/events/${encodeURIComponent(eventId)}/participants`,
  );
  const list = answer.body?.participants ?? [];
  return { count: list.length, withTwoSources: list.filter((p) => p.sources.length > 1).length };
}

/** Each provider's tally: its fake's counters, its jobs' writes, and what it was sent. */
async function providerDemos(
  fakes: RaceOptions["fakes"],
  ids: Record<RaceProvider, string>,
  runs: Runs,
): Promise<Record<RaceProvider, ProviderDemo<RaceRuns>>> {
  const tallies = await Promise.all(
    RACE_PROVIDERS.map(async (provider): Promise<[RaceProvider, ProviderDemo<RaceRuns>]> => {
      const stats = await fakeStats(fakes[provider] as RaceFake);
      const syncs = Object.fromEntries(
        Object.entries(runs[provider]).map(([type, list]) => [type, { runs: list }]),
      );
      const written = Object.values(runs[provider])
        .flat()
        .reduce((sum, run) => sum + run.written, 0);
      return [
        provider,
        {
          connectionId: ids[provider],
          calls: stats.requests,
          entitiesWritten: written,
          rateLimited: stats.rateLimited,
          pushes: pushesOf(stats),
          syncs,
        },
      ];
    }),
  );
  return Object.fromEntries(tallies) as Record<RaceProvider, ProviderDemo<RaceRuns>>;
}

/** Entries pushed to a scoring fake, or result rows posted to a registration fake. */
export function pushesOf(stats: DemoFakeStats): number {
  return (stats.pushes ? stats.pushes.created + stats.pushes.updated : 0) + (stats.resultsPosted ?? 0);
}

function record(runs: Runs, provider: RaceProvider, syncType: string, run: DemoRun): void {
  runs[provider][syncType] = [...(runs[provider][syncType] ?? []), run];
}

function notRun(
  options: Pick<RaceOptions, "tenantId">,
  problems: Partial<Record<RaceProvider, string>>,
  problem: string,
): RaceOutcome {
  const providers = Object.fromEntries(
    RACE_PROVIDERS.map((p) => [
      p,
      {
        calls: 0,
        entitiesWritten: 0,
        rateLimited: 0,
        pushes: 0,
        syncs: {},
        ...(problems[p] === undefined ? {} : { problem: problems[p] }),
      },
    ]),
  ) as Record<RaceProvider, ProviderDemo<RaceRuns>>;
  const race = {
    tenantId: options.tenantId,
    participants: { count: 0, withTwoSources: 0 },
    publications: { available: false } as const,
    problem,
  };
  return { providers, race };
}

const noFake = (provider: string) => `no fake running (PACER_${provider.toUpperCase()}_BASE_URL set?)`;

/** A fake's test-only route (`/_fake/…`, no auth): how the demo lets runners finish and reads the counters. */
async function fakeRoute<T>(fake: RaceFake, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${fake.url}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`the fake's ${method} ${path} answered ${response.status}`);
  return (await response.json()) as T;
}

/** Read over HTTP, not from the stand-in's copy: exact at the moment, which the publish check needs. */
const fakeStats = (fake: RaceFake) => fakeRoute<DemoFakeStats>(fake, "GET", "/_fake/stats");
