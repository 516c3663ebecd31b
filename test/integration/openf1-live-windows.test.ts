/**
 * OpenF1's real-time tier only while a session is live, end to end on the local stack: a
 * `sessions` sync puts one schedule per (live window, real-time sync type) in the Scheduler
 * stand-in, each with its StartDate and EndDate; a session the calendar cancels loses its
 * schedules on the next sessions sync; nothing is scheduled to fire outside a window, and there
 * is no around-the-clock real-time schedule. Each tenant's sessions schedule only its own
 * connection. A connection deleted or disabled loses its windows; enabled again, its initial
 * sessions run puts them back. OpenF1 is a small server of this test (PACER_OPENF1_BASE_URL), so the calendar can
 * change between syncs; it serves each tenant's account its own calendar, so whose sessions made
 * which schedules shows.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  GetScheduleCommand,
  type GetScheduleCommandOutput,
  paginateListSchedules,
  SchedulerClient,
} from "@aws-sdk/client-scheduler";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../../local/stack.ts";
import { call, connectProvider, waitForJob } from "./support/api-client.ts";
import { eventually } from "./support/eventually.ts";
import { catalogOf, type Target } from "./support/target.ts";

const GROUP = "pacer-connections";
const TIME_SCALE = 60;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const LEAD = 5 * MINUTE;
const TAIL = 30 * MINUTE;

const startedAt = Math.floor(Date.now() / MINUTE) * MINUTE;
const year = new Date(startedAt).getUTCFullYear();
const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "+00:00");
const stamp = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replaceAll(/[-:]/g, "");

interface Session {
  readonly key: number;
  readonly startMs: number;
  readonly endMs: number;
  cancelled: boolean;
}

/** acme's calendar: a race live now, qualifying in 3 h, a race in 10 days, one over. */
const acmeSessions: Session[] = [
  { key: 9700, startMs: startedAt - 20 * MINUTE, endMs: startedAt + 100 * MINUTE, cancelled: false },
  { key: 9701, startMs: startedAt + 3 * HOUR, endMs: startedAt + 4 * HOUR, cancelled: false },
  { key: 9702, startMs: startedAt + 10 * DAY, endMs: startedAt + 10 * DAY + 2 * HOUR, cancelled: false },
  { key: 9703, startMs: startedAt - 6 * HOUR, endMs: startedAt - 4 * HOUR, cancelled: false },
];
const [live, qualifying] = acmeSessions as [Session, Session, Session, Session];
/** globex's calendar: only a sprint in 5 hours. */
const sprint: Session = {
  key: 9800,
  startMs: startedAt + 5 * HOUR,
  endMs: startedAt + 6 * HOUR,
  cancelled: false,
};
const calendars: Record<string, Session[]> = { "acme-account": acmeSessions, "globex-account": [sprint] };
/** The sessions calls the test's OpenF1 answered, per account. */
const sessionCalls = new Map<string, number>();

function sessionRow(session: Session) {
  return {
    session_key: session.key,
    session_name: "Race",
    session_type: "Race",
    meeting_key: 1290,
    date_start: isoSeconds(session.startMs),
    date_end: isoSeconds(session.endMs),
    gmt_offset: "00:00:00",
    location: "Silverstone",
    country_key: 2,
    country_code: "GBR",
    country_name: "United Kingdom",
    circuit_key: 2,
    circuit_short_name: "Silverstone",
    is_cancelled: session.cancelled,
    year,
  };
}

let openf1: Server;
let stack: LocalStack;
let scheduler: SchedulerClient;
let acme: Target;
let globex: Target;
let acmeConnection: string;
let globexConnection: string;

beforeAll(async () => {
  openf1 = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://openf1").pathname;
    const send = (body: unknown) =>
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (path === "/token") {
      // The token names the account, so the sessions answer can be the account's own.
      let form = "";
      request.on("data", (chunk) => {
        form += chunk;
      });
      request.on("end", () => {
        const username = new URLSearchParams(form).get("username") ?? "";
        send({ access_token: `token-${username}`, expires_in: "3600", token_type: "bearer" });
      });
      return;
    }
    const account = (request.headers.authorization ?? "").replace(/^Bearer token-/, "");
    if (path !== "/v1/sessions") return send([]);
    sessionCalls.set(account, (sessionCalls.get(account) ?? 0) + 1);
    send((calendars[account] ?? []).map(sessionRow));
  });
  await new Promise<void>((resolve) => openf1.listen(0, "127.0.0.1", resolve));
  process.env.PACER_OPENF1_BASE_URL = `http://127.0.0.1:${(openf1.address() as AddressInfo).port}`;

  stack = await startLocalStack({
    quiet: true,
    catalog: catalogOf(["openf1"]),
    scheduler: false,
    connectFakes: false,
    // OpenF1's 1-minute window as 1 s: a manual sync reuses an answer at most that old, so the
    // next sync after the calendar changes soon sees the change.
    timeScale: TIME_SCALE,
  });
  scheduler = new SchedulerClient({
    endpoint: stack.scheduler.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  acme = { api: stack.api, ws: stack.ws, token: await stack.issueToken("acme") } as Target;
  globex = { api: stack.api, ws: stack.ws, token: await stack.issueToken("globex") } as Target;
  const account = (username: string) => ({
    tier: "free",
    settings: {},
    credentials: { username, password: "not-a-real-password" },
  });
  acmeConnection = await connectProvider(acme, "openf1", account("acme-account"));
  globexConnection = await connectProvider(globex, "openf1", account("globex-account"));
}, 120_000);

afterAll(async () => {
  scheduler?.destroy();
  await stack?.stop();
  delete process.env.PACER_OPENF1_BASE_URL;
  await new Promise((resolve) => openf1?.close(resolve));
});

/** A manual sync of `syncType` for the tenant, waited for until it ends. */
async function syncAs(target: Target, syncType: string) {
  const started = await call<{ jobId: string }>(target, "POST", "/sync", {
    body: { provider: "openf1", syncType },
  });
  if (started.status !== 202) throw new Error(`POST /sync answered ${started.status}`);
  return waitForJob(target, started.body.jobId);
}

/** The names of the stand-in's schedules of one connection. */
async function schedulesOf(connectionId: string): Promise<string[]> {
  const names: string[] = [];
  for await (const page of paginateListSchedules(
    { client: scheduler },
    { GroupName: GROUP, NamePrefix: `${connectionId}.` },
  ))
    for (const schedule of page.Schedules ?? []) if (schedule.Name) names.push(schedule.Name);
  return names.sort();
}

const windowNames = (connectionId: string, session: Session) =>
  ["race_control", "weather"].map(
    (syncType) => `${connectionId}.${syncType}.${stamp(session.startMs - LEAD)}`,
  );

const isWindow = (name: string) => /\.(weather|race_control)\./.test(name);

const getSchedule = (name: string): Promise<GetScheduleCommandOutput> =>
  scheduler.send(new GetScheduleCommand({ Name: name, GroupName: GROUP }));

describe("OpenF1's live windows on the local stack", () => {
  it("after a sessions sync, schedules weather and race control for each live or upcoming session only", async () => {
    // Act
    const job = await syncAs(acme, "sessions");
    const names = await schedulesOf(acmeConnection);

    // Assess: the live race and qualifying, not the race beyond the 7 days ahead nor the one over.
    expect(job.status).toBe("succeeded");
    const windowed = names.filter((n) => /\.(weather|race_control)\./.test(n));
    expect(windowed).toEqual(
      [...windowNames(acmeConnection, live), ...windowNames(acmeConnection, qualifying)].sort(),
    );
    // The real-time tier has no around-the-clock schedule.
    expect(names).not.toContain(`${acmeConnection}.weather`);
    expect(names).not.toContain(`${acmeConnection}.race_control`);
  });

  it("gives each window schedule its session's start and end, and has Scheduler delete it after", async () => {
    // Act
    const [, weather] = windowNames(acmeConnection, qualifying);
    const schedule = await getSchedule(weather ?? "");

    // Assess
    expect(schedule).toMatchObject({
      ScheduleExpression: "rate(1 minute)",
      StartDate: new Date(qualifying.startMs - LEAD),
      EndDate: new Date(qualifying.endMs + TAIL),
      ActionAfterCompletion: "DELETE",
    });
    expect(JSON.parse(schedule.Target?.Input ?? "{}")).toMatchObject({
      tenantId: "acme",
      connectionId: acmeConnection,
      syncType: "weather",
    });
  });

  it("schedules no firing outside a window", async () => {
    // Act
    const upcoming = stack.scheduler.upcoming().filter((u) => u.name.startsWith(`${acmeConnection}.`));

    // Assess: every real-time firing lies inside a live session's window.
    const windows = [live, qualifying].map((s) => ({ from: s.startMs - LEAD, to: s.endMs + TAIL }));
    const realTime = upcoming.filter((u) => /\.(weather|race_control)\./.test(u.name));
    expect(realTime).toHaveLength(4);
    for (const { name, at } of realTime) {
      const atMs = Date.parse(at ?? "");
      expect(
        windows.some((w) => atMs > w.from && atMs < w.to),
        `${name} fires at ${at}`,
      ).toBe(true);
    }
  });

  it("drops a session's schedules when the calendar cancels it, on the next sessions sync", async () => {
    // Prepare
    qualifying.cancelled = true;
    const callsBefore = sessionCalls.get("acme-account") ?? 0;

    // Act: sessions syncs until one sees OpenF1 anew (not an answer reused from the last one).
    const job = await eventually(
      () => syncAs(acme, "sessions"),
      () => (sessionCalls.get("acme-account") ?? 0) > callsBefore,
      20_000,
    );
    const names = await schedulesOf(acmeConnection);

    // Assess
    expect(job.status).toBe("succeeded");
    for (const name of windowNames(acmeConnection, qualifying)) expect(names).not.toContain(name);
    for (const name of windowNames(acmeConnection, live)) expect(names).toContain(name);
  });

  it("never schedules one tenant's sessions for another tenant's connection", async () => {
    // Act: globex syncs its own calendar (a sprint only), after acme's syncs.
    const job = await syncAs(globex, "sessions");
    const globexWindows = (await schedulesOf(globexConnection)).filter((n) =>
      /\.(weather|race_control)\./.test(n),
    );
    const acmeWindows = (await schedulesOf(acmeConnection)).filter((n) =>
      /\.(weather|race_control)\./.test(n),
    );

    // Assess: each connection has its own tenant's windows, running as that tenant, and no other's.
    expect(job.status).toBe("succeeded");
    expect(globexWindows).toEqual(windowNames(globexConnection, sprint).sort());
    expect(acmeWindows).toEqual(windowNames(acmeConnection, live).sort());
    for (const name of globexWindows) {
      expect(JSON.parse((await getSchedule(name)).Target?.Input ?? "{}")).toMatchObject({
        tenantId: "globex",
        connectionId: globexConnection,
      });
    }
  });

  it("leaves none of a deleted connection's window schedules, and another tenant's untouched", async () => {
    // Prepare: acme's live race has its windows (the test before checked them).
    const acmeBefore = (await schedulesOf(acmeConnection)).filter(isWindow);
    expect(acmeBefore).toEqual(windowNames(acmeConnection, live).sort());

    // Act
    const deleted = await call(acme, "DELETE", `/connections/${acmeConnection}`);

    // Assess: nothing of acme's connection is left in the Scheduler; globex's sprint still is.
    expect(deleted).toEqual({ status: 200, body: { connectionId: acmeConnection, deleted: true } });
    expect(await schedulesOf(acmeConnection)).toEqual([]);
    expect((await schedulesOf(globexConnection)).filter(isWindow)).toEqual(
      windowNames(globexConnection, sprint).sort(),
    );
  });

  it("drops a disabled connection's window schedules, and puts them back once it is enabled again", async () => {
    // Act
    const disabled = await call(globex, "PATCH", `/connections/${globexConnection}`, {
      body: { enabled: false },
    });
    const whileDisabled = (await schedulesOf(globexConnection)).filter(isWindow);
    const enabled = await call(globex, "PATCH", `/connections/${globexConnection}`, {
      body: { enabled: true },
    });
    // Enabling queues an initial sessions run; its success puts the windows.
    const afterEnabling = await eventually(
      async () => (await schedulesOf(globexConnection)).filter(isWindow),
      (names) => names.length > 0,
      20_000,
    );

    // Assess
    expect([disabled.status, enabled.status]).toEqual([200, 200]);
    expect(whileDisabled).toEqual([]);
    expect(afterEnabling).toEqual(windowNames(globexConnection, sprint).sort());
  });
});
