import type { JobRecord } from "#core/job.ts";
import { TERMINAL_STATUSES } from "#core/job.ts";
import type { LocalStack } from "../../../local/stack.ts";
import type { Target } from "./target.ts";

export interface ApiResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
}

/** A JSON request to the target's REST API; `token: null` sends no Authorization header. */
export async function call<T = unknown>(
  target: Pick<Target, "api" | "token">,
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; token?: string | null } = {},
): Promise<ApiResponse<T>> {
  const token = options.token === undefined ? target.token : options.token;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${target.api}${path}`, {
    method,
    headers,
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    // not JSON: the test sees the text
  }
  return { status: response.status, body: body as T };
}

/** What `POST /connections` takes to connect to each fake of the local stack under test. */
const fakeConnections = new Map<string, Record<string, unknown>>();

/** Tenants that `startSync` connects connect to this stack's fakes, with credentials they accept. */
export function useFakeConnections(stack: Pick<LocalStack, "fakes">): void {
  fakeConnections.clear();
  for (const [provider, fake] of Object.entries(stack.fakes))
    fakeConnections.set(provider, { ...fake.connection });
}

/**
 * Starts a sync and returns its 202 answer. A tenant with no connection to the provider is
 * connected first, as a user would before their first sync: to the local stack's fake with the
 * credentials it accepts, or (against a deployed stack) without credentials.
 */
export async function startSync(
  target: Pick<Target, "api" | "token">,
  provider: string,
  syncType: string,
): Promise<{ jobId: string; status: string; priority: string }> {
  const post = () =>
    call<{ jobId: string; status: string; priority: string }>(target, "POST", "/sync", {
      body: { provider, syncType },
    });
  let response = await post();
  if (response.status === 404) {
    await connectProvider(target, provider, fakeConnections.get(provider));
    response = await post();
  }
  if (response.status !== 202)
    throw new Error(`POST /sync answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body;
}

/** Polls GET /jobs/{jobId} until the job is terminal; fails after `timeoutMs`. */
export async function waitForJob(
  target: Pick<Target, "api" | "token">,
  jobId: string,
  timeoutMs = 30_000,
): Promise<JobRecord> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const response = await call<JobRecord>(target, "GET", `/jobs/${encodeURIComponent(jobId)}`);
    last = response.body;
    if (response.status === 200 && TERMINAL_STATUSES.includes(response.body.status)) return response.body;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`job ${jobId} not terminal after ${timeoutMs} ms; last seen ${JSON.stringify(last)}`);
}

/** `POST /connections {provider}` for the target's tenant; returns the connection id. */
export async function connectProvider(
  target: Pick<Target, "api" | "token">,
  provider: string,
  body: Record<string, unknown> = {},
): Promise<string> {
  const response = await call<{ connectionId: string }>(target, "POST", "/connections", {
    body: { provider, ...body },
  });
  if (response.status !== 201)
    throw new Error(`POST /connections answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body.connectionId;
}

/**
 * Waits until the tenant has no queued or running job of `providers` (all: absent) on `GET /status`,
 * e.g. the initial runs a new connection queues: a test that counts calls, messages or jobs then
 * starts from quiet.
 */
export async function untilQuiet(
  target: Pick<Target, "api" | "token">,
  providers?: readonly string[],
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pending: string[] = [];
  while (Date.now() < deadline) {
    const status = await call<{
      providers: { provider: string; syncTypes: { syncType: string; pendingJobs: number }[] }[];
    }>(target, "GET", "/status");
    pending = status.body.providers
      .filter((p) => providers === undefined || providers.includes(p.provider))
      .flatMap((p) => p.syncTypes.filter((s) => s.pendingJobs > 0).map((s) => `${p.provider}/${s.syncType}`));
    if (status.status === 200 && pending.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`jobs still pending after ${timeoutMs} ms: ${pending.join(", ")}`);
}
