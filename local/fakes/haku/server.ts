import type { IncomingMessage, ServerResponse } from "node:http";
import { NO_TIME_SCALE, scaledWindowMs } from "#core/limit-time-scale.ts";
import { serveFake } from "../serve.ts";
import { StrictWindow, type WindowLimit } from "../strict-window.ts";
import { clientFingerprint, TOKEN_LIFETIME_S, TokenAuthority } from "./auth.ts";
import { controlParticipants } from "./control.ts";
import { DEMO_EVENT_ID, HakuData } from "./data.ts";
import { eventPayload, registrationPayload, summaryPayload } from "./payloads.ts";

/** The integrator's working number (shared/providers/haku.md), the fake's default: 500 an hour. */
export const DEFAULT_LIMIT: WindowLimit = { calls: 500, perMs: 3_600_000 };
/** The facts' safe reading of Haku's page size: `per_page` honoured up to 100, capped above. */
export const MAX_PER_PAGE = 100;
/** The docs' page size, when a request names none. */
const DEFAULT_PER_PAGE = 25;

export interface FakeHakuOptions {
  /** The OAuth clients the fake accepts are derived from it (./auth.ts, fakeClient). */
  readonly secret: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** The fake's clock: its limit windows, token expiry, and `updated_at` of changes. */
  readonly now?: () => Date;
  /** The moment the data is anchored at (the demo race's date). @default now() at start */
  readonly dataNow?: () => Date;
  /** Calls per window per client id, before `timeScale`. @default 500 per hour */
  readonly limit?: WindowLimit;
  /** Every limit window divided by this, as Pacer's are. @default 1 */
  readonly timeScale?: number;
  /** Seconds an access token lives. @default 3600 */
  readonly tokenLifetimeS?: number;
}

/** What the fake has seen, as `stats()` and `GET /_fake/stats` give it. */
export interface FakeHakuStats {
  /** Every request but `/_fake/…`, token requests included, whatever its answer. */
  readonly requests: number;
  /** API requests answered 429. */
  readonly rateLimited: number;
  /** API requests answered 401 (no, an unknown or an expired token). */
  readonly unauthorized: number;
  readonly tokensIssued: number;
  /** Token requests refused (wrong client credentials or grant). */
  readonly tokensRefused: number;
  /** Answered API calls per endpoint; `registrations` is the N+1 cost of detail calls. */
  readonly calls: { readonly events: number; readonly participants: number; readonly registrations: number };
  /** The same as `calls.registrations`: one detail call per registration. */
  readonly detailCalls: number;
  /** Answered API calls per client (by clientFingerprint). */
  readonly byClient: Readonly<Record<string, number>>;
}

export interface FakeHaku {
  readonly url: string;
  stats(): FakeHakuStats;
  stop(): Promise<void>;
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

const answer = (status: number, body: unknown): Answer => ({ status, body });
const msg = (status: number, message: string) => answer(status, { message });

/**
 * A fake Haku partner API over real HTTP, after shared/providers/haku.md: a Cognito-style token
 * endpoint under `/_auth` (`POST /_auth/oauth2/token`, HTTP Basic, `{"error":"invalid_client"}`),
 * the API taking `Authorization: <token>` or `Bearer <token>`, a strict sliding window per client
 * (429 `{"message":"Too Many Requests"}`, API Gateway's throttling body, no Retry-After), page and
 * per_page paging of bare arrays, and 404 `{"message":…}` for unknown events and registrations.
 */
export async function startFakeHaku(options: FakeHakuOptions): Promise<FakeHaku> {
  const now = options.now ?? (() => new Date());
  const data = new HakuData((options.dataNow ?? now)().getTime());
  const authority = new TokenAuthority(options.secret);
  const base = options.limit ?? DEFAULT_LIMIT;
  const limit = { calls: base.calls, perMs: scaledWindowMs(base.perMs, options.timeScale ?? NO_TIME_SCALE) };
  const windows = new Map<string, StrictWindow>();
  const counts = { requests: 0, rateLimited: 0, unauthorized: 0, tokensIssued: 0, tokensRefused: 0 };
  const calls = { events: 0, participants: 0, registrations: 0 };
  const byClient = new Map<string, number>();

  function token(request: IncomingMessage, body: string): Answer {
    const form = new URLSearchParams(body);
    const type = (request.headers["content-type"] ?? "").split(";")[0]?.trim();
    let refusal: Answer | undefined;
    if (type !== "application/x-www-form-urlencoded") refusal = answer(400, { error: "invalid_request" });
    else if (form.get("grant_type") !== "client_credentials")
      refusal = answer(400, { error: "unsupported_grant_type" });
    const issued =
      refusal === undefined
        ? authority.issue(
            request.headers.authorization,
            now().getTime(),
            options.tokenLifetimeS ?? TOKEN_LIFETIME_S,
          )
        : undefined;
    if (issued === undefined) {
      counts.tokensRefused++;
      return (
        refusal ??
        answer(request.headers.authorization === undefined ? 401 : 400, { error: "invalid_client" })
      );
    }
    counts.tokensIssued++;
    const lifetime = options.tokenLifetimeS ?? TOKEN_LIFETIME_S;
    return answer(200, { access_token: issued, expires_in: lifetime, token_type: "Bearer" });
  }

  function api(request: IncomingMessage, url: URL): Answer {
    const segments = url.pathname.split("/").slice(1).map(decodeURIComponent);
    const route = routeOf(request.method ?? "GET", segments);
    if (route === undefined) return msg(404, "Not Found");
    const nowMs = now().getTime();
    const client = authority.clientOf(request.headers.authorization, nowMs);
    if (client === undefined) {
      counts.unauthorized++;
      return msg(401, "Unauthorized");
    }
    let window = windows.get(client);
    if (window === undefined) {
      window = new StrictWindow([limit]);
      windows.set(client, window);
    }
    if (!window.tryAcquire(nowMs).accepted) {
      counts.rateLimited++;
      return msg(429, "Too Many Requests");
    }
    calls[route.kind]++;
    const fingerprint = clientFingerprint(client);
    byClient.set(fingerprint, (byClient.get(fingerprint) ?? 0) + 1);
    return serve(route, url.searchParams);
  }

  function serve(route: Route, query: URLSearchParams): Answer {
    const paging = pagingOf(query);
    if (typeof paging === "string") return msg(400, paging);
    const direction = query.get("sort_direction") === "asc" ? "asc" : "desc";
    if (route.kind === "events") {
      const list = data.events
        .filter((event) => event.active || query.get("show_inactive") === "true")
        .sort((a, b) => (direction === "asc" ? a.startMs - b.startMs : b.startMs - a.startMs));
      return answer(200, pageOf(list, paging).map(eventPayload));
    }
    const event = data.event(route.eventId);
    if (event === undefined) return msg(404, "Event not found");
    if (route.kind === "participants") {
      const list = pageOf(data.registrationsOf(event.id, direction), paging);
      return answer(
        200,
        list.map((registration) => summaryPayload(registration, event)),
      );
    }
    const registration = data.registration(route.registrationNumber);
    if (registration === undefined || registration.eventId !== event.id)
      return msg(404, "Registration not found");
    return answer(200, registrationPayload(registration, event));
  }

  async function handle(request: IncomingMessage): Promise<Answer> {
    const url = new URL(request.url ?? "/", "http://fake");
    const method = request.method ?? "GET";
    const body = method === "GET" ? "" : await readBody(request);
    const path = url.pathname;
    if (method === "GET" && path === "/_fake/stats") return answer(200, snapshot());
    if (method === "POST" && path === "/_fake/tokens/expire")
      return answer(200, { expired: authority.expireAll() });
    const control = /^\/_fake\/participants(?:\/([^/]+))?$/.exec(path);
    if (control) {
      const number = control[1] === undefined ? undefined : decodeURIComponent(control[1]);
      return controlParticipants(data, method, number, body, now().getTime(), DEMO_EVENT_ID);
    }
    if (path.startsWith("/_fake/")) return msg(404, "Not Found");
    counts.requests++;
    if (path === "/_auth/oauth2/token")
      return method === "POST" ? token(request, body) : msg(405, "Method Not Allowed");
    return api(request, url);
  }

  function snapshot(): FakeHakuStats {
    return {
      ...counts,
      calls: { ...calls },
      detailCalls: calls.registrations,
      byClient: Object.fromEntries(byClient),
    };
  }

  async function respond(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let result: Answer;
    try {
      result = await handle(request);
    } catch {
      result = msg(500, "Internal Server Error");
    }
    response.writeHead(result.status, { "content-type": "application/json; charset=utf-8" });
    response.end(JSON.stringify(result.body));
  }

  const served = await serveFake(respond, options);
  return { url: served.url, stats: snapshot, stop: served.stop };
}

type Route =
  | { readonly kind: "events" }
  | { readonly kind: "participants"; readonly eventId: string }
  | { readonly kind: "registrations"; readonly eventId: string; readonly registrationNumber: string };

function routeOf(method: string, segments: readonly string[]): Route | undefined {
  if (method !== "GET" || segments[0] !== "events") return undefined;
  const [, eventId, what, registrationNumber] = segments;
  if (segments.length === 1) return { kind: "events" };
  if (eventId === undefined || eventId === "") return undefined;
  if (segments.length === 3 && what === "participants") return { kind: "participants", eventId };
  if (segments.length === 4 && what === "registrations" && registrationNumber)
    return { kind: "registrations", eventId, registrationNumber };
  return undefined;
}

/** `page` from 1, `per_page` up to {@link MAX_PER_PAGE} (more is capped), or what is wrong. */
function pagingOf(query: URLSearchParams): { page: number; perPage: number } | string {
  const page = Number(query.get("page") ?? "1");
  const perPage = Number(query.get("per_page") ?? String(DEFAULT_PER_PAGE));
  if (!Number.isInteger(page) || page < 1) return "page must be a whole number from 1";
  if (!Number.isInteger(perPage) || perPage < 1) return "per_page must be a whole number from 1";
  return { page, perPage: Math.min(perPage, MAX_PER_PAGE) };
}

function pageOf<T>(list: readonly T[], { page, perPage }: { page: number; perPage: number }): T[] {
  return list.slice((page - 1) * perPage, page * perPage);
}

const MAX_BODY_BYTES = 64 * 1024;

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error("body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
