import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { LimitDef } from "#catalog/types.ts";
import { StrictWindow } from "../../local/fakes/strict-window.ts";
import { LOOPBACK, listen } from "../../local/ports.ts";

/** What the provider saw during one limiter run. */
export interface ProviderTally {
  readonly accepted: number;
  /** Calls answered 429: each one is a limit the limiter under test let through. */
  readonly rejected: number;
  /** Epoch ms of the first call of the run (accepted or not); undefined when none came. */
  readonly firstCallAt: number | undefined;
}

export interface StrictProvider {
  readonly url: string;
  /** Starts counting a new run against fresh windows; returns the URL its workers call. */
  beginRun(runId: string, limits: readonly LimitDef[]): string;
  /** Stops the run: later calls to its URL get 410 and are not counted. */
  endRun(runId: string): ProviderTally;
  stop(): Promise<void>;
}

interface Run {
  /** One window per scope key, holding every limit of that scope. */
  readonly windows: Map<string, StrictWindow>;
  readonly limits: readonly LimitDef[];
  accepted: number;
  rejected: number;
  firstCallAt: number | undefined;
}

/**
 * A provider as strict as the design asks Pacer to respect: every call is checked, at the moment
 * it arrives, against every limit with an exact sliding window (StrictWindow), and any excess is
 * answered 429. Calls are `GET /runs/<runId>/call?tenant=<id>`; a tenant-scoped limit counts per
 * tenant, a global one across them.
 */
export async function startStrictProvider(): Promise<StrictProvider> {
  const runs = new Map<string, Run>();
  const server = createServer((request, response) => handle(runs, request, response));
  server.keepAliveTimeout = 30_000;
  const port = await listen(server, 0);
  const url = `http://${LOOPBACK}:${port}`;
  return {
    url,
    beginRun(runId, limits) {
      runs.set(runId, { windows: new Map(), limits, accepted: 0, rejected: 0, firstCallAt: undefined });
      return `${url}/runs/${encodeURIComponent(runId)}/call`;
    },
    endRun(runId) {
      const run = runs.get(runId);
      runs.delete(runId);
      if (!run) throw new Error(`no run ${runId}`);
      return { accepted: run.accepted, rejected: run.rejected, firstCallAt: run.firstCallAt };
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function handle(runs: Map<string, Run>, request: IncomingMessage, response: ServerResponse): void {
  const now = Date.now();
  const url = new URL(request.url ?? "/", "http://provider");
  if (url.pathname === "/health") {
    reply(response, 200, { ok: true });
    return;
  }
  const match = /^\/runs\/([^/]+)\/call$/.exec(url.pathname);
  const run = match ? runs.get(decodeURIComponent(match[1] ?? "")) : undefined;
  if (!run) {
    reply(response, 410, { error: "no such run" });
    return;
  }
  run.firstCallAt ??= now;
  const tenant = url.searchParams.get("tenant") ?? "default";
  const refusal = admit(run, tenant, now);
  if (refusal === undefined) {
    run.accepted++;
    reply(response, 200, { ok: true });
  } else {
    run.rejected++;
    response.setHeader("Retry-After", String(Math.ceil(refusal / 1_000)));
    reply(response, 429, { error: "rate limited" });
  }
}

/**
 * Checks the call against each scope's window; undefined when all accept, else the wait the
 * refusing window names. The scenarios give every limit one scope; with both scopes a call one
 * window accepted and the other refused stays counted in the first, as independent counters do.
 */
function admit(run: Run, tenant: string, now: number): number | undefined {
  const byScope = new Map<string, LimitDef[]>();
  for (const limit of run.limits) {
    const key = limit.scope === "global" ? "global" : `tenant:${tenant}`;
    byScope.set(key, [...(byScope.get(key) ?? []), limit]);
  }
  for (const [key, limits] of byScope) {
    let window = run.windows.get(key);
    if (!window) {
      window = new StrictWindow(limits.map(({ calls, perMs }) => ({ calls, perMs })));
      run.windows.set(key, window);
    }
    const admission = window.tryAcquire(now);
    if (!admission.accepted) return admission.retryAfterMs;
  }
  return undefined;
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}
