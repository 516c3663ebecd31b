import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { NO_TIME_SCALE, scaledWindowMs } from "#core/limit-time-scale.ts";
import { serveFake } from "../serve.ts";
import { StrictWindow, type WindowLimit } from "../strict-window.ts";
import { type ApiResponse, FakeOpenF1Api, NOT_FOUND } from "./api.ts";

export interface FakeOpenF1Options {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** The fake's clock: it places the live race, publishes feed rows and counts rate limits. */
  readonly now?: () => Date;
  /**
   * How far the live feed has got: which weather and race-control rows are published and whether
   * a session is live. Defaults to `now`; a demo freezes it so that two runs see the same data.
   */
  readonly feedNow?: () => Date;
  /** When set, live sessions lock out requests without a bearer token, as OpenF1 does. */
  readonly credentials?: { readonly username: string; readonly password: string };
  /** Every limit window divided by this, as Pacer's are (functions/core/limit-time-scale.ts). @default 1 */
  readonly timeScale?: number;
  /** When the weekend's race starts (the simulator's race weekend). @default running at start-up, 20 min in */
  readonly raceStartMs?: number;
}

export interface FakeOpenF1Stats {
  readonly requests: number;
  readonly ok: number;
  readonly rateLimited: number;
  readonly unauthorized: number;
  readonly notFound: number;
  readonly byPath: Readonly<Record<string, number>>;
}

export interface FakeOpenF1 {
  readonly url: string;
  stop(): Promise<void>;
  stats(): FakeOpenF1Stats;
}

type LabelledLimit = WindowLimit & { readonly label: string };

/** OpenF1's free tier, enforced on /v1 (not /token). */
const LIMITS: readonly LabelledLimit[] = [
  { calls: 3, perMs: 1_000, label: "3 per 1 second" },
  { calls: 30, perMs: 60_000, label: "30 per 1 minute" },
];

/** The free tier with its windows scaled like Pacer's; the 429 tells the window it enforced. */
function limitsAt(timeScale: number): readonly LabelledLimit[] {
  if (timeScale === NO_TIME_SCALE) return LIMITS;
  return LIMITS.map((limit) => {
    const perMs = scaledWindowMs(limit.perMs, timeScale);
    return {
      ...limit,
      perMs,
      label: `${limit.calls} per ${perMs} ms (${limit.label} at time scale ${timeScale})`,
    };
  });
}
const TOKEN_TTL_S = 3_600;
const LIVE_LOCKOUT = {
  detail:
    "Session in progress, access is restricted to authenticated users. Sign up here: https://tally.so/r/w2yWDb",
};

const json = (status: number, value: unknown): ApiResponse => ({
  status,
  contentType: "application/json",
  body: JSON.stringify(value),
});

/**
 * A fake OpenF1 over real HTTP, shaped after shared/providers/openf1.md: a generated calendar for
 * this season and the last with a race live at start-up, OpenF1's filter language, the live-session
 * lockout and token flow, and the free tier's limits enforced exactly (429 on any excess).
 */
export async function startFakeOpenF1(options: FakeOpenF1Options = {}): Promise<FakeOpenF1> {
  const now = options.now ?? (() => new Date());
  const feedNow = options.feedNow ?? now;
  const api = new FakeOpenF1Api(now(), options.raceStartMs);
  const limits = limitsAt(options.timeScale ?? NO_TIME_SCALE);
  const window = new StrictWindow(limits);
  const tokens = new Map<string, number>();
  const counts = { requests: 0, ok: 0, rateLimited: 0, unauthorized: 0, notFound: 0 };
  const byPath: Record<string, number> = {};

  async function handle(request: IncomingMessage): Promise<ApiResponse> {
    const target = request.url ?? "/";
    const queryAt = target.indexOf("?");
    const path = queryAt === -1 ? target : target.slice(0, queryAt);
    const rawQuery = queryAt === -1 ? "" : target.slice(queryAt + 1);
    byPath[path] = (byPath[path] ?? 0) + 1;
    const nowMs = now().getTime();

    if (path === "/" && rawQuery === "")
      return { status: 200, contentType: "text/plain", body: "Welcome to OpenF1!" };
    if (path === "/token")
      return request.method === "POST" ? issueToken(await readBody(request), nowMs) : NOT_FOUND;
    const endpoint = /^\/v1\/(\w+)$/.exec(path)?.[1];
    if (endpoint === undefined) return NOT_FOUND;
    if (request.method !== "GET" && request.method !== "POST")
      return json(405, { detail: "Method Not Allowed" });

    const admission = window.tryAcquire(nowMs);
    if (!admission.accepted) {
      const label = limits.find((limit) => limit === admission.limit)?.label;
      return json(429, { error: `Rate limit exceeded: ${label}` });
    }
    const feedMs = feedNow().getTime();
    const refusal = authRefusal(request.headers.authorization, nowMs, feedMs);
    return refusal ?? api.query(endpoint, rawQuery, feedMs);
  }

  function issueToken(form: string, nowMs: number): ApiResponse {
    const fields = new URLSearchParams(form);
    const username = fields.get("username") ?? "";
    const password = fields.get("password") ?? "";
    const expected = options.credentials;
    // Without configured credentials any account will do: the fake is open, tokens are a formality.
    const valid = expected
      ? username === expected.username && password === expected.password
      : username !== "" && password !== "";
    if (!valid) return json(401, { detail: "Invalid username or password" });
    const accessToken = randomBytes(24).toString("base64url");
    tokens.set(accessToken, nowMs + TOKEN_TTL_S * 1_000);
    return json(200, { expires_in: String(TOKEN_TTL_S), access_token: accessToken, token_type: "bearer" });
  }

  function authRefusal(
    authorization: string | undefined,
    nowMs: number,
    feedMs: number,
  ): ApiResponse | undefined {
    if (options.credentials === undefined) return undefined;
    if (authorization === undefined) return api.isLive(feedMs) ? json(401, LIVE_LOCKOUT) : undefined;
    const token = /^Bearer (\S+)$/i.exec(authorization)?.[1];
    const expiresAt = token === undefined ? undefined : tokens.get(token);
    if (expiresAt !== undefined && nowMs < expiresAt) return undefined;
    return json(401, { detail: "Invalid or expired token" });
  }

  function record(response: ApiResponse): void {
    counts.requests++;
    if (response.status >= 200 && response.status < 300) counts.ok++;
    if (response.status === 429) counts.rateLimited++;
    if (response.status === 401) counts.unauthorized++;
    if (response.status === 404) counts.notFound++;
  }

  async function respond(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let answer: ApiResponse;
    try {
      answer = await handle(request);
    } catch (error) {
      answer = {
        status: 500,
        contentType: "text/html",
        body: `<h1>An error occurred</h1><pre>${String(error)}</pre>`,
      };
    }
    record(answer);
    response.writeHead(answer.status, { "content-type": answer.contentType, ...answer.headers });
    response.end(answer.body);
  }

  const served = await serveFake(respond, options);
  return { url: served.url, stats: () => ({ ...counts, byPath: { ...byPath } }), stop: served.stop };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
