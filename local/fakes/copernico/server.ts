import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";
import { z } from "zod";
import { NO_TIME_SCALE } from "#core/limit-time-scale.ts";
import { serveFake } from "../serve.ts";
import { Budgets, type CopernicoLimits, DEFAULT_LIMITS } from "./limits.ts";
import { DEMO_PRESET, RaceBook, type Registration } from "./race.ts";
import { type FakeCopernicoStats, StatsRecorder } from "./stats.ts";

export interface FakeCopernicoOptions {
  /** The API key the fake accepts is derived from it (fakeApiKey). */
  readonly secret: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** The fake's clock, for its limit windows. */
  readonly now?: () => Date;
  /** @default DEFAULT_LIMITS, the definition's numbers */
  readonly limits?: CopernicoLimits;
  /** Every limit window divided by this, as Pacer's are. @default 1 */
  readonly timeScale?: number;
  /** Answer exports gzipped without a content-encoding header, as Copernico's CDN may. @default false */
  readonly gzipExports?: boolean;
  /** Export rows as a bare list or as `{ "data": [rows] }`; clients see both. @default "list" */
  readonly exportForm?: "list" | "data";
}

export interface FakeCopernico {
  readonly url: string;
  stats(): FakeCopernicoStats;
  stop(): Promise<void>;
}

/** The header the push's key comes in (the one Copernico's athlete endpoint takes). */
export const API_KEY_HEADER = "x-api-key";
/** Where the public export host lies on the fake's server (`hostPaths.public`). */
export const PUBLIC_PATH = "/_public/api";

/** The key the fake started with `secret` accepts: 32 hex characters. */
export function fakeApiKey(secret: string): string {
  return createHash("sha256").update(`${secret}:copernico:demo`).digest("hex").slice(0, 32);
}

const MAX_BODY_BYTES = 8 << 20;
const registrationsBody = z.array(z.looseObject({ id: z.string().min(1) }));
const finishersBody = z.object({ count: z.number().int().min(0).max(10_000) }).strict();

interface Answer {
  readonly status: number;
  readonly body: Buffer | string;
  readonly json: boolean;
}
const json = (status: number, value: unknown): Answer => ({
  status,
  body: JSON.stringify(value),
  json: true,
});
const message = (status: number, text: string) => json(status, { message: text });

/**
 * A fake Copernico after shared/providers/copernico.md: `POST /race-registrations/{raceUuid}`
 * (key in `x-api-key`, create or update by id) and the public preset export under
 * `/_public/api/races/{slug}/preset/{login}:::{preset}/{eventName}` (no auth; names exactly as
 * saved; text double-encoded as Copernico's often is). Strict limits (429 on any excess), as
 * none are documented. Test-only routes, no auth: `POST /_fake/races/{raceUuid}/finishers
 * {"count"}`, `GET /_fake/registrations/{raceUuid}`, `GET /_fake/stats`.
 */
export async function startFakeCopernico(options: FakeCopernicoOptions): Promise<FakeCopernico> {
  const now = options.now ?? (() => new Date());
  const apiKey = fakeApiKey(options.secret);
  const budgets = new Budgets(options.limits ?? DEFAULT_LIMITS, options.timeScale ?? NO_TIME_SCALE);
  const stats = new StatsRecorder();
  const book = new RaceBook();

  async function handle(request: IncomingMessage): Promise<Answer> {
    const url = new URL(request.url ?? "/", "http://fake");
    const method = request.method ?? "GET";
    const segments = url.pathname.split("/").slice(1);
    if (segments[0] === "_fake") return admin(method, segments.slice(1), request);
    stats.count("requests");
    if (method === "POST" && segments[0] === "race-registrations" && segments.length === 2)
      return push(decode(segments[1]), request);
    const races = `${PUBLIC_PATH}/races/`;
    if (method === "GET" && url.pathname.startsWith(races)) {
      const parts = url.pathname.slice(races.length).split("/");
      if (parts.length === 4 && parts[1] === "preset") return presetExport(parts);
    }
    return notFound("Not Found");
  }

  async function push(raceUuid: string | undefined, request: IncomingMessage): Promise<Answer> {
    if (request.headers[API_KEY_HEADER] !== apiKey) {
      stats.count("unauthorized");
      return message(401, "Unauthorized");
    }
    if (!budgets.push(apiKey, now().getTime()).accepted) return tooMany();
    if (raceUuid === undefined || !book.has(raceUuid)) return notFound("Race not found");
    const body = registrationsBody.safeParse(parseJson(await readBody(request)));
    if (!body.success) {
      stats.count("badRequests");
      return message(400, "the body must be a JSON array of registrations, each with an id");
    }
    const { created, updated } = book.register(raceUuid, body.data as Registration[]);
    stats.count("pushes");
    stats.count("created", created);
    stats.count("updated", updated);
    return json(200, { created, updated });
  }

  function presetExport([slug, , preset, eventName]: string[]): Answer {
    if (!budgets.export(now().getTime()).accepted) return tooMany();
    // The literal ":::" separates the parts, each URL-encoded on its own.
    const split = preset?.indexOf(":::") ?? -1;
    const login = split < 0 ? undefined : decode(preset?.slice(0, split));
    const name = split < 0 ? undefined : decode(preset?.slice(split + 3));
    const rows = book.exportRows(decode(eventName) ?? "");
    const known = decode(slug) === book.race.slug && login === DEMO_PRESET.login && name === DEMO_PRESET.name;
    if (!known || rows === undefined) return notFound("Preset not found");
    stats.count("exports");
    const body = JSON.stringify(options.exportForm === "data" ? { data: rows } : rows);
    return { status: 200, body: options.gzipExports ? gzipSync(body) : body, json: true };
  }

  async function admin(method: string, segments: string[], request: IncomingMessage): Promise<Answer> {
    const [what, raceUuid, more] = segments;
    if (method === "GET" && what === "stats" && segments.length === 1) return json(200, stats.snapshot());
    if (raceUuid === undefined || !book.has(raceUuid)) return message(404, "Not Found");
    if (method === "GET" && what === "registrations" && segments.length === 2)
      return json(200, book.registrations(raceUuid));
    if (method === "POST" && what === "races" && more === "finishers" && segments.length === 3) {
      const body = finishersBody.safeParse(parseJson(await readBody(request)));
      if (!body.success) return message(400, 'expected {"count": N}');
      return json(200, { finished: book.finish(raceUuid, body.data.count) });
    }
    return message(404, "Not Found");
  }

  function tooMany(): Answer {
    stats.count("rateLimited");
    return message(429, "Too Many Requests");
  }

  function notFound(text: string): Answer {
    stats.count("notFound");
    return message(404, text);
  }

  async function respond(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let answer: Answer;
    try {
      answer = await handle(request);
    } catch (error) {
      answer =
        error instanceof BodyTooLargeError
          ? message(413, "Payload Too Large")
          : message(500, "Internal Server Error");
    }
    // A gzipped export says nothing of its encoding: the client must look at the bytes.
    response.writeHead(answer.status, { "content-type": "application/json; charset=utf-8" });
    response.end(answer.body);
  }

  const served = await serveFake(respond, options);
  return { url: served.url, stats: () => stats.snapshot(), stop: served.stop };
}

class BodyTooLargeError extends Error {
  override readonly name = "BodyTooLargeError";
}

function decode(segment: string | undefined): string | undefined {
  if (segment === undefined) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
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
