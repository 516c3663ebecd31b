import { z } from "zod";
import type { EndpointGroup } from "./limits.ts";
import { hourOf } from "./seed.ts";
import { type ZwiftWorld, zwiftPowerResultsIn } from "./world.ts";

export interface ApiResponse {
  readonly status: number;
  readonly body: string;
}

export const json = (status: number, value: unknown): ApiResponse => ({
  status,
  body: JSON.stringify(value),
});
export const message = (status: number, text: string): ApiResponse => json(status, { message: text });

export interface CallContext {
  /** The path's captured segments. */
  readonly params: readonly string[];
  readonly query: URLSearchParams;
  readonly body: string;
  /** The moment the data is served as of (epoch ms): riders' form, which events have finished. */
  readonly dataNowMs: number;
  /** What there is to serve. */
  readonly world: ZwiftWorld;
}

export interface Route {
  readonly method: "GET" | "POST";
  readonly pattern: RegExp;
  readonly group: EndpointGroup;
  handle(call: CallContext): ApiResponse;
}

/** Largest bulk request ZwiftRacing takes. */
export const MAX_BULK_RIDERS = 1_000;
const bulkBody = z
  .array(z.number().int().positive(), { error: "the body must be a JSON array of riderIds" })
  .max(MAX_BULK_RIDERS, `at most ${MAX_BULK_RIDERS} riderIds per request`);
/** Epoch seconds, 10 digits at most: epoch milliseconds are a client bug ZwiftRacing does not take. */
const EPOCH_SECONDS = /^\d{1,10}$/;
const eventsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  skip: z.coerce.number().int().min(0).default(0),
});

const int = (segment: string | undefined) => Number(segment ?? Number.NaN);

/** The hour to serve riders at: now, or the epoch-seconds segment (never later than now). */
function riderHour(epochSegment: string | undefined, dataNowMs: number): number | ApiResponse {
  if (epochSegment === undefined) return hourOf(dataNowMs);
  if (!EPOCH_SECONDS.test(epochSegment))
    return message(400, "epoch must be in seconds, without milliseconds");
  return hourOf(Math.min(Number(epochSegment) * 1_000, dataNowMs));
}

function club({ params, dataNowMs, world }: CallContext): ApiResponse {
  const page = world.clubPage(
    int(params[0]),
    params[1] === undefined ? 0 : int(params[1]),
    hourOf(dataNowMs),
  );
  return page ? json(200, page) : message(404, "Club not found");
}

function rider({ params, dataNowMs, world }: CallContext): ApiResponse {
  const hour = riderHour(params[1], dataNowMs);
  if (typeof hour !== "number") return hour;
  const found = world.riderAt(int(params[0]), hour);
  return found ? json(200, found) : message(404, "Rider not found");
}

/** Unknown riderIds are left out of the answer, duplicates answered once, in the order asked. */
function riders({ params, body, dataNowMs, world }: CallContext): ApiResponse {
  const hour = riderHour(params[0], dataNowMs);
  if (typeof hour !== "number") return hour;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return message(400, "the body must be a JSON array of riderIds");
  }
  const ids = bulkBody.safeParse(parsed);
  if (!ids.success) return message(400, ids.error.issues[0]?.message ?? "invalid body");
  const found = [...new Set(ids.data)].flatMap((id) => world.riderAt(id, hour) ?? []);
  return json(200, found);
}

function results({ params, dataNowMs, world }: CallContext): ApiResponse {
  const found = world.eventResults(params[0] ?? "", dataNowMs);
  return found ? json(200, found) : message(404, "Event not found");
}

function zpResults({ params, dataNowMs, world }: CallContext): ApiResponse {
  const found = zwiftPowerResultsIn(world, params[0] ?? "", dataNowMs);
  return found ? json(200, found) : message(404, "Event not found");
}

function recentEvents({ query, dataNowMs, world }: CallContext): ApiResponse {
  const parsed = eventsQuery.safeParse(Object.fromEntries(query));
  if (!parsed.success) return message(400, "limit must be 1 to 100 and skip 0 or more");
  return json(200, world.finishedEvents(dataNowMs, parsed.data.skip, parsed.data.limit));
}

function signups({ params, dataNowMs, world }: CallContext): ApiResponse {
  const found = world.eventSignups(params[0] ?? "", dataNowMs);
  return found ? json(200, found) : message(404, "Event not found");
}

/**
 * Every endpoint, matched against the path without `/api` in front of `/public` (both are
 * served). `/api/events…` are the undocumented website endpoints, marked experimental.
 */
export const ROUTES: readonly Route[] = [
  { method: "GET", pattern: /^\/public\/clubs\/(\d+)$/, group: "clubs", handle: club },
  { method: "GET", pattern: /^\/public\/clubs\/(\d+)\/(\d+)$/, group: "clubs", handle: club },
  { method: "GET", pattern: /^\/public\/riders\/(\d+)$/, group: "riders", handle: rider },
  { method: "GET", pattern: /^\/public\/riders\/(\d+)\/(\d+)$/, group: "riders", handle: rider },
  { method: "POST", pattern: /^\/public\/riders$/, group: "riders-bulk", handle: riders },
  { method: "POST", pattern: /^\/public\/riders\/(\d+)$/, group: "riders-bulk", handle: riders },
  { method: "GET", pattern: /^\/public\/results\/(\d+)$/, group: "results", handle: results },
  { method: "GET", pattern: /^\/public\/zp\/(\d+)\/results$/, group: "results", handle: zpResults },
  {
    method: "GET",
    pattern: /^\/api\/events\/upcoming$/,
    group: "events",
    handle: ({ dataNowMs, world }) => json(200, world.upcomingEvents(dataNowMs)),
  },
  { method: "GET", pattern: /^\/api\/events$/, group: "events", handle: recentEvents },
  { method: "GET", pattern: /^\/api\/events\/(\d+)\/signups$/, group: "events", handle: signups },
];

/** `/api/public/x` and `/public/x` are one endpoint. */
export const canonicalPath = (path: string) => (path.startsWith("/api/public/") ? path.slice(4) : path);

export function findRoute(method: string, path: string): { route: Route; params: string[] } | undefined {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(path);
    if (match) return { route, params: match.slice(1) };
  }
  return undefined;
}
