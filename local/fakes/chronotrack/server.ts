import type { IncomingMessage, ServerResponse } from "node:http";
import { NO_TIME_SCALE, scaledWindowMs } from "#core/limit-time-scale.ts";
import { GUESSED_LIMITS } from "#providers/chronotrack/definition.ts";
import { serveFake } from "../serve.ts";
import { StrictWindow, type WindowLimit } from "../strict-window.ts";
import type { FakeProviderStats } from "../types.ts";
import { type ApiResponse, error, findRoute, json } from "./api.ts";
import { fakeEvents } from "./data.ts";
import { EntryBook, type PushKind } from "./entries.ts";
import { fakeCredentials, sha1Hex } from "./keys.ts";

export interface FakeChronoTrackOptions {
  /** The credentials the fake accepts are derived from it (./keys.ts). */
  readonly secret: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** The fake's clock, for its limit windows. */
  readonly now?: () => Date;
  /** The moment the demo race's start is reckoned from (epoch ms). @default the clock at start */
  readonly startedAtMs?: number;
  /**
   * ChronoTrack documents no limit: the fake holds each credential to these, strictly.
   * @default the definition's guess (5 per second, 120 per minute)
   */
  readonly limits?: readonly WindowLimit[];
  /** Every limit window divided by this, as Pacer's are. @default 1 */
  readonly timeScale?: number;
}

/** What the fake has seen, as `stats()` and `GET /_fake/stats` give it. */
export interface FakeChronoTrackStats extends FakeProviderStats {
  /** Every API request (not `/_fake/…`), whatever its answer. */
  readonly requests: number;
  /** Requests answered 429. */
  readonly rateLimited: number;
  /** Requests answered 401. */
  readonly unauthorized: number;
  /** Entry writes accepted, by what they did (a create of a known reference is an update). */
  readonly pushes: Readonly<Record<PushKind, number>>;
}

export interface FakeChronoTrack {
  readonly url: string;
  stats(): FakeChronoTrackStats;
  stop(): Promise<void>;
}

/** Entry bodies are a few hundred bytes. */
const MAX_BODY_BYTES = 64 * 1024;
const MAX_FINISHERS = 10_000;

/**
 * A fake ChronoTrack Live API over real HTTP under `/api`, after shared/providers/chronotrack.md:
 * "simple" auth in the query (`client_id`, `user_id`, `user_pass` = SHA-1 of the password; else
 * 401), JSON only with `format=json` (otherwise an XML body, as ChronoTrack's default format is
 * assumed to be), documented wrapper keys and X-Ctlive-* paging headers, string values, and the
 * module's assumed entry writes (./entries.ts). One strict sliding window per credential; 429
 * without Retry-After on any excess (none is documented). Test-only routes, no auth:
 * `GET /_fake/stats`, `GET /_fake/entries/{eventId}`, `POST /_fake/events/{eventId}/finishers
 * {"count": N}`.
 */
export async function startFakeChronoTrack(options: FakeChronoTrackOptions): Promise<FakeChronoTrack> {
  const now = options.now ?? (() => new Date());
  const events = fakeEvents(options.startedAtMs ?? now().getTime());
  const expected = fakeCredentials(options.secret);
  const timeScale = options.timeScale ?? NO_TIME_SCALE;
  const limits = (options.limits ?? [GUESSED_LIMITS.perSecond, GUESSED_LIMITS.perMinute]).map((limit) => ({
    calls: limit.calls,
    perMs: scaledWindowMs(limit.perMs, timeScale),
  }));
  const windows = new Map<string, StrictWindow>();
  const book = new EntryBook();
  const stats = { requests: 0, rateLimited: 0, unauthorized: 0, pushes: { created: 0, updated: 0 } };

  async function handle(request: IncomingMessage): Promise<ApiResponse> {
    const url = new URL(request.url ?? "/", "http://fake");
    const method = request.method ?? "GET";
    if (url.pathname.startsWith("/_fake/")) return admin(method, url.pathname, request);
    stats.requests++;
    const found = url.pathname.startsWith("/api/") ? findRoute(method, url.pathname.slice(4)) : undefined;
    if (found === undefined) return error(404, "Not Found");
    const query = url.searchParams;
    const clientId = query.get("client_id");
    const authorized =
      clientId === expected.clientId &&
      query.get("user_id") === expected.userId &&
      query.get("user_pass") === sha1Hex(expected.password);
    if (!authorized) {
      stats.unauthorized++;
      return error(401, "Invalid client_id, user_id or user_pass");
    }
    const budget = `${clientId}\u0000${query.get("user_id")}`;
    let window = windows.get(budget);
    if (window === undefined) {
      window = new StrictWindow(limits);
      windows.set(budget, window);
    }
    if (!window.tryAcquire(now().getTime()).accepted) {
      stats.rateLimited++;
      return error(429, "Too Many Requests");
    }
    if (query.get("format") !== "json")
      return { status: 200, contentType: "application/xml", body: "<?xml version='1.0'?><response/>" };
    const body = method === "GET" ? "" : await readBody(request);
    return found.route.handle({
      method,
      params: found.params,
      query,
      body,
      events,
      book,
      onPush: (kind) => {
        stats.pushes[kind]++;
      },
    });
  }

  async function admin(method: string, path: string, request: IncomingMessage): Promise<ApiResponse> {
    if (method === "GET" && path === "/_fake/stats") return json(200, snapshot());
    const entries = /^\/_fake\/entries\/(\d+)$/.exec(path);
    if (method === "GET" && entries) {
      const list = book.entries(entries[1] ?? "").map((entry) => ({
        entry_id: entry.entryId,
        event_id: entry.eventId,
        ...entry.fields,
        finished: entry.finish !== undefined,
      }));
      return json(200, { entries: list });
    }
    const finishers = /^\/_fake\/events\/(\d+)\/finishers$/.exec(path);
    if (method === "POST" && finishers) {
      const event = events.find((e) => e.eventId === finishers[1]);
      if (event === undefined) return error(404, "Event not found");
      const count = countOf(await readBody(request));
      if (count === undefined) return error(400, `expected {"count": N}, N from 1 to ${MAX_FINISHERS}`);
      const finished = book.finish(event, count);
      const total = book.entries(event.eventId).filter((entry) => entry.finish !== undefined).length;
      return json(200, { finished, totalFinished: total });
    }
    return error(404, "Not Found");
  }

  function snapshot(): FakeChronoTrackStats {
    return { ...stats, pushes: { ...stats.pushes } };
  }

  async function respond(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let answer: ApiResponse;
    try {
      answer = await handle(request);
    } catch (failure) {
      answer =
        failure instanceof BodyTooLargeError
          ? error(413, "Payload Too Large")
          : error(500, "Internal Server Error");
    }
    response.writeHead(answer.status, {
      "content-type": answer.contentType ?? "application/json; charset=utf-8",
      ...answer.headers,
    });
    response.end(answer.body);
  }

  const served = await serveFake(respond, options);
  return { url: served.url, stats: snapshot, stop: served.stop };
}

function countOf(body: string): number | undefined {
  try {
    const count: unknown = (JSON.parse(body) as { count?: unknown } | null)?.count;
    return Number.isInteger(count) && (count as number) >= 1 && (count as number) <= MAX_FINISHERS
      ? (count as number)
      : undefined;
  } catch {
    return undefined;
  }
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
