import type { IncomingMessage, ServerResponse } from "node:http";
import { NO_TIME_SCALE } from "#core/limit-time-scale.ts";
import { serveFake } from "../serve.ts";
import { type ApiResponse, canonicalPath, findRoute, json, message } from "./api.ts";
import { KeyConflictError, KeyRegistry, keyRegistration } from "./keys.ts";
import { KeyBudgets, type Tier } from "./limits.ts";
import { type FakeZwiftRacingStats, StatsRecorder } from "./stats.ts";
import { DEMO_WORLD, type ZwiftWorld } from "./world.ts";

export interface FakeZwiftRacingOptions {
  /** The keys the fake accepts are derived from it (./keys.ts, fakeKey). */
  readonly secret: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** The fake's clock: its limit windows, and the hour repeats are counted in. */
  readonly now?: () => Date;
  /**
   * The moment its data is served as of (riders' form, the event schedule). Defaults to `now`;
   * a demo freezes it so that two runs see the same data.
   */
  readonly dataNow?: () => Date;
  /** More keys to accept from the start, beside the derived ones. */
  readonly keys?: Readonly<Record<string, Tier>>;
  /** Every limit window divided by this, as Pacer's are (functions/core/limit-time-scale.ts). @default 1 */
  readonly timeScale?: number;
  /** What it serves. @default the demo's clubs and events (DEMO_WORLD) */
  readonly world?: ZwiftWorld;
}

export interface FakeZwiftRacing {
  readonly url: string;
  stats(): FakeZwiftRacingStats;
  stop(): Promise<void>;
}

/** Bulk bodies of 1000 ids are ~10 kB; anything this large is a client bug. */
const MAX_BODY_BYTES = 1 << 20;

class BodyTooLargeError extends Error {
  override readonly name = "BodyTooLargeError";
}

/**
 * A fake ZwiftRacing.app public API over real HTTP, after shared/providers/zwiftracing.md:
 * `Authorization: <key>` (raw, no Bearer), one strict sliding window per key and endpoint group
 * at the key's tier (429 `{"message":"Too Many Requests"}` on any excess, no Retry-After, none
 * being documented), deterministic clubs, riders and results, and the experimental events
 * endpoints. Test-only routes, no auth: `GET /_fake/stats`, `POST /_fake/keys {"key","tier"}`.
 */
export async function startFakeZwiftRacing(options: FakeZwiftRacingOptions): Promise<FakeZwiftRacing> {
  const now = options.now ?? (() => new Date());
  const dataNow = options.dataNow ?? now;
  const keys = KeyRegistry.derivedFrom(options.secret);
  for (const [key, tier] of Object.entries(options.keys ?? {})) keys.register(key, tier);
  const budgets = new KeyBudgets(options.timeScale ?? NO_TIME_SCALE);
  const stats = new StatsRecorder();
  const world = options.world ?? DEMO_WORLD;

  async function handle(request: IncomingMessage): Promise<ApiResponse> {
    const url = new URL(request.url ?? "/", "http://fake");
    const method = request.method ?? "GET";
    if (url.pathname.startsWith("/_fake/")) return admin(method, url.pathname, request);

    stats.request();
    const path = canonicalPath(url.pathname);
    const found = findRoute(method, path);
    if (found === undefined) return message(404, "Not Found");
    const key = request.headers.authorization;
    const tier = keys.tierOf(key);
    if (key === undefined || tier === undefined) {
      stats.unauthorized();
      return message(401, "Unauthorized");
    }
    const body = method === "POST" ? await readBody(request) : "";
    const nowMs = now().getTime();
    const admission = budgets.tryAcquire(key, tier, found.route.group, nowMs);
    stats.call(
      key,
      found.route.group,
      `${method} ${path}${url.search} ${canonicalBody(body)}`,
      admission.accepted,
      nowMs,
    );
    if (!admission.accepted) return message(429, "Too Many Requests");
    return found.route.handle({
      params: found.params,
      query: url.searchParams,
      body,
      dataNowMs: dataNow().getTime(),
      world,
    });
  }

  async function admin(method: string, path: string, request: IncomingMessage): Promise<ApiResponse> {
    if (method === "GET" && path === "/_fake/stats") return json(200, stats.snapshot());
    if (method !== "POST" || path !== "/_fake/keys") return message(404, "Not Found");
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readBody(request));
    } catch {
      return message(400, 'expected {"key": "…", "tier": "standard" | "premium"}');
    }
    const registration = keyRegistration.safeParse(parsed);
    if (!registration.success)
      return message(400, registration.error.issues[0]?.message ?? "invalid key registration");
    try {
      keys.register(registration.data.key, registration.data.tier);
    } catch (error) {
      if (error instanceof KeyConflictError) return message(409, error.message);
      throw error;
    }
    // The key is not echoed: it is a credential.
    return json(201, { tier: registration.data.tier });
  }

  async function respond(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let answer: ApiResponse;
    try {
      answer = await handle(request);
    } catch (error) {
      answer =
        error instanceof BodyTooLargeError
          ? message(413, "Payload Too Large")
          : message(500, "Internal Server Error");
    }
    response.writeHead(answer.status, { "content-type": "application/json; charset=utf-8" });
    response.end(answer.body);
  }

  const served = await serveFake(respond, options);
  return { url: served.url, stats: () => stats.snapshot(), stop: served.stop };
}

/** The same JSON, however it is spaced, is the same call. */
function canonicalBody(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body));
  } catch {
    return body;
  }
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
