import type { IncomingMessage, ServerResponse } from "node:http";
import { NO_TIME_SCALE, scaledWindowMs } from "#core/limit-time-scale.ts";
import { raceroster } from "#providers/raceroster/definition.ts";
import { serveFake } from "../serve.ts";
import { StrictWindow, type WindowLimit } from "../strict-window.ts";
import { Accounts, TOKEN_LIFETIME_S } from "./accounts.ts";
import {
  type ApiResponse,
  getEvent,
  json,
  listEvents,
  listParticipants,
  message,
  oauthError,
} from "./api.ts";
import { control } from "./control.ts";
import { eventsAt, Registrations } from "./data.ts";
import { type FakeRaceRosterStats, StatsRecorder } from "./stats.ts";

export interface FakeRaceRosterOptions {
  /** The credentials the fake accepts are derived from it (./accounts.ts, fakeCredentials). */
  readonly secret: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** The fake's clock: limit windows, token expiry, `updatedAt`. */
  readonly now?: () => Date;
  /** The moment the event dates are set from (the demo race starts 48 h after it). @default now at start */
  readonly dataStartMs?: number;
  /**
   * Race Roster documents no limit: the fake holds every account to these, strictly.
   * @default the definition's (Pacer's guess)
   */
  readonly limits?: readonly WindowLimit[];
  /** Every limit window divided by this, as Pacer's are. @default 1 */
  readonly timeScale?: number;
}

export interface FakeRaceRoster {
  readonly url: string;
  stats(): FakeRaceRosterStats;
  stop(): Promise<void>;
}

/** The definition's limits, as the fake counts them. */
export const DEFAULT_LIMITS: readonly WindowLimit[] = raceroster.limits.map(({ calls, perMs }) => ({
  calls,
  perMs,
}));

const MAX_BODY_BYTES = 64 * 1024;

/**
 * A fake Race Roster REST API v1 over real HTTP (shared/providers/raceroster.md): the OAuth token
 * endpoint at `/_auth/authorize` (the `auth` host), `GET /events`, `GET /events/{id}`,
 * `GET /events/{id}/participants` with `Authorization: Bearer <token>`, one strict sliding
 * window per account (429 `{"message":"Too Many Requests"}` on any excess, counted), and the
 * test-only controls of ./control.ts under `/_fake/…` (no auth).
 */
export async function startFakeRaceRoster(options: FakeRaceRosterOptions): Promise<FakeRaceRoster> {
  const now = options.now ?? (() => new Date());
  const startedAtMs = options.dataStartMs ?? now().getTime();
  const timeScale = options.timeScale ?? NO_TIME_SCALE;
  const limits = (options.limits ?? DEFAULT_LIMITS).map((l) => ({
    calls: l.calls,
    perMs: scaledWindowMs(l.perMs, timeScale),
  }));
  new StrictWindow(limits); // fails at start on a bad limit, not on the first call
  const accounts = new Accounts(options.secret);
  const events = eventsAt(startedAtMs);
  const registrations = new Registrations(startedAtMs);
  const windows = new Map<string, StrictWindow>();
  const stats = new StatsRecorder();

  async function handle(request: IncomingMessage): Promise<ApiResponse> {
    const url = new URL(request.url ?? "/", "http://fake");
    const method = request.method ?? "GET";
    const nowMs = now().getTime();
    if (url.pathname.startsWith("/_fake/")) {
      const body = method === "GET" ? "" : await readBody(request);
      return control({ method, path: url.pathname, body, nowMs, registrations, accounts, stats });
    }
    stats.request();
    if (url.pathname === "/_auth/authorize") {
      if (method !== "POST") return message(405, "Method not allowed");
      return authorize(await readBody(request), nowMs);
    }
    const route = routeOf(url.pathname);
    if (route === undefined) return message(404, "Not Found");
    if (method !== "GET") return message(405, "Method not allowed");
    const clientId = accounts.clientOf(request.headers.authorization, nowMs);
    if (clientId === undefined) {
      stats.unauthorized();
      return message(401, "Unauthenticated.");
    }
    let window = windows.get(clientId);
    if (window === undefined) {
      window = new StrictWindow(limits);
      windows.set(clientId, window);
    }
    const admission = window.tryAcquire(nowMs);
    stats.call(route.name, admission.accepted);
    if (!admission.accepted) return message(429, "Too Many Requests");
    if (route.name === "events") return listEvents(events, url.searchParams);
    if (route.name === "event") return getEvent(events, route.eventId);
    return listParticipants(events, registrations, route.eventId, url.searchParams);
  }

  function authorize(body: string, nowMs: number): ApiResponse {
    const form = new URLSearchParams(body);
    const given = {
      clientId: form.get("client_id") ?? undefined,
      clientSecret: form.get("client_secret") ?? undefined,
      username: form.get("username") ?? undefined,
      password: form.get("password") ?? undefined,
    };
    const grant = form.get("grant_type");
    if (grant !== "access_token") {
      stats.tokenRefused();
      return oauthError(
        400,
        "unsupported_grant_type",
        "The authorization grant type is not supported by the authorization server.",
      );
    }
    if (!accounts.knowsClient(given.clientId, given.clientSecret)) {
      stats.tokenRefused();
      return oauthError(401, "invalid_client", "Client authentication failed");
    }
    const account = accounts.find(given);
    if (account === undefined) {
      stats.tokenRefused();
      return oauthError(400, "invalid_grant", "The user credentials were incorrect.");
    }
    stats.tokenIssued();
    const token = accounts.issue(account, nowMs);
    return json(200, { data: { access_token: token, expires_in: TOKEN_LIFETIME_S, token_type: "Bearer" } });
  }

  async function respond(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let answer: ApiResponse;
    try {
      answer = await handle(request);
    } catch (error) {
      answer =
        error instanceof BodyTooLargeError ? message(413, "Payload Too Large") : message(500, "Server error");
    }
    response.writeHead(
      answer.status,
      answer.body === undefined ? {} : { "content-type": "application/json" },
    );
    response.end(answer.body);
  }

  const served = await serveFake(respond, options);
  return { url: served.url, stats: () => stats.snapshot(), stop: served.stop };
}

type Route =
  | { readonly name: "events" }
  | { readonly name: "event" | "participants"; readonly eventId: number };

function routeOf(path: string): Route | undefined {
  if (path === "/events") return { name: "events" };
  const match = /^\/events\/(\d{1,12})(\/participants)?$/.exec(path);
  if (match === null) return undefined;
  return { name: match[2] === undefined ? "event" : "participants", eventId: Number(match[1]) };
}

class BodyTooLargeError extends Error {
  override readonly name = "BodyTooLargeError";
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
