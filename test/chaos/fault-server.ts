import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { openf1 } from "#providers/openf1/definition.ts";
import { FakeOpenF1Api } from "../../local/fakes/openf1/api.ts";
import { StrictWindow } from "../../local/fakes/strict-window.ts";
import { answer, type Fault, faultLabel, OK, type Script } from "./faults.ts";

/** One call the provider received. */
export interface ProviderCall {
  /** The `session_key` the call asked for: each chaos job has its own. */
  readonly key: string | undefined;
  readonly at: number;
  /** False: the call broke OpenF1's limits (answered 429, as OpenF1 would). */
  readonly withinLimits: boolean;
  readonly answer: string;
}

export interface FaultServer {
  /** Pacer's OpenF1 base URL (PACER_OPENF1_BASE_URL). */
  readonly url: string;
  /** A second host, the target of cross-host redirects: Pacer must never call it. */
  readonly otherHostUrl: string;
  /** Answers calls for `key` by `script`; keys without one get healthy answers. */
  script(key: string, script: Script): void;
  calls(): readonly ProviderCall[];
  callsFor(key: string): readonly ProviderCall[];
  /** Calls the other host received (only a followed cross-host redirect gets there). */
  otherHostCalls(): number;
  /** Calls beyond OpenF1's limits so far. */
  beyondLimit(): number;
  /** Calls whose answer is still being held back (slow answers, hangs, stalls). */
  inFlight(): number;
  /** Calls OpenF1's longest window would still take now. */
  room(): number;
  /** Drops every held-back answer. */
  releaseHeld(): void;
  stop(): Promise<void>;
}

/**
 * A stand-in for OpenF1 that misbehaves on purpose. Its healthy answers are the fake OpenF1's own
 * data (local/fakes/openf1/api.ts, queried without its HTTP layer or limits), and it enforces
 * OpenF1's limits from the catalog exactly (local/fakes/strict-window.ts) before any fault, so a
 * faulty answer still costs the call it would cost at OpenF1, and every call beyond a limit is
 * counted.
 */
export async function startFaultServer(): Promise<FaultServer> {
  const limits = openf1.limits.map((limit) => ({ calls: limit.calls, perMs: limit.perMs }));
  const window = new StrictWindow(limits);
  const minute = Math.max(...limits.map((limit) => limit.perMs));
  const minuteCalls = limits.find((limit) => limit.perMs === minute)?.calls ?? 1;
  const api = new FakeOpenF1Api(new Date());
  const template = weatherTemplate(api);
  const scripts = new Map<string, Script>();
  const log: ProviderCall[] = [];
  const held = new Set<ServerResponse>();
  let beyond = 0;
  let otherHost = 0;

  const hold = (response: ServerResponse) => {
    held.add(response);
    response.once("close", () => held.delete(response));
  };

  const main = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://provider");
    if (url.pathname === "/token") return respondToken(response);
    const endpoint = /^\/v1\/(\w+)$/.exec(url.pathname)?.[1];
    if (endpoint === undefined) {
      response.writeHead(404, { "content-type": "application/json" }).end('{"detail":"Not Found"}');
      return;
    }
    const key = url.searchParams.get("session_key") ?? undefined;
    const now = Date.now();
    if (!window.tryAcquire(now).accepted) {
      beyond++;
      log.push({ key, at: now, withinLimits: false, answer: "status-429" });
      response.writeHead(429, { "content-type": "application/json" }).end('{"error":"Rate limit exceeded"}');
      return;
    }
    const script = key === undefined ? undefined : scripts.get(key);
    const previous =
      key === undefined ? 0 : log.filter((call) => call.key === key && call.withinLimits).length;
    const fault: Fault = script?.(previous) ?? OK;
    log.push({ key, at: now, withinLimits: true, answer: faultLabel(fault) });
    const healthyBody =
      endpoint === "weather" && key !== undefined
        ? JSON.stringify(template.map((row) => ({ ...row, session_key: Number(key) })))
        : api.query(endpoint, url.search.slice(1), now).body;
    answer(
      fault,
      {
        healthyBody,
        sameHostLocation: nextHop(url),
        sameUrlLocation: `${url.pathname}${url.search}`,
        otherHostLocation: `${otherUrl}${url.pathname}${url.search}`,
        hold,
      },
      response,
      request,
    );
  });
  const other = createServer((_request, response) => {
    otherHost++;
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(template));
  });
  const mainPort = await listen(main);
  const otherPort = await listen(other);
  // Another host name, not only another port: a same-host check must not mistake it for the provider.
  const otherUrl = `http://localhost:${otherPort}`;

  return {
    url: `http://127.0.0.1:${mainPort}`,
    otherHostUrl: otherUrl,
    script: (key, script) => void scripts.set(key, script),
    calls: () => log,
    callsFor: (key) => log.filter((call) => call.key === key),
    otherHostCalls: () => otherHost,
    beyondLimit: () => beyond,
    inFlight: () => held.size,
    room: () => minuteCalls - log.filter((c) => c.withinLimits && c.at > Date.now() - minute).length,
    releaseHeld: () => {
      for (const response of held) response.destroy();
      held.clear();
    },
    stop: async () => {
      for (const response of held) response.destroy();
      await Promise.all([close(main), close(other)]);
    },
  };
}

/** A few weather rows of a finished session; each job's healthy answer is these under its own session_key. */
function weatherTemplate(api: FakeOpenF1Api): Record<string, unknown>[] {
  const now = Date.now();
  const finished = api.calendar.sessions.filter(
    (session) => !session.is_cancelled && Date.parse(session.date_end) < now - 60 * 60_000,
  );
  for (const session of finished.reverse()) {
    const found = api.query("weather", `session_key=${session.session_key}`, now);
    if (found.status !== 200) continue;
    const rows = JSON.parse(found.body) as Record<string, unknown>[];
    if (rows.length > 0) return rows.slice(0, 3);
  }
  throw new Error("the fake OpenF1 calendar has no finished session with weather");
}

/** The same endpoint and query with the next `hop` number: a new URL on this host for every hop. */
function nextHop(url: URL): string {
  const next = new URL(url.href);
  next.searchParams.set("hop", String(Number(url.searchParams.get("hop") ?? "0") + 1));
  return `${next.pathname}${next.search}`;
}

function respondToken(response: ServerResponse): void {
  // Only reached when the operator set OpenF1 credentials: any account will do.
  response
    .writeHead(200, { "content-type": "application/json" })
    .end(JSON.stringify({ expires_in: "3600", access_token: "chaos-token", token_type: "bearer" }));
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
