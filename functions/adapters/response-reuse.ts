import { createHash } from "node:crypto";
import { ProviderUnavailableError } from "#core/errors.ts";
import type { LegReuse } from "#core/sync-job/types.ts";
import type { ProviderRequest } from "#providers/types.ts";

/** A provider's 200 answer as kept for reuse: its body and the headers a module may read. */
export interface CachedResponse {
  readonly status: 200;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
  /** When it was received (epoch ms). */
  readonly fetchedAt: number;
}

/** Where answers are kept, by a key that already names whose they are (see responseKey). */
export interface ResponseCache {
  get(key: ResponseKey): Promise<CachedResponse | undefined>;
  /** Keeps `response` until `expiresAt` (epoch ms); an answer too large to keep is dropped. */
  put(key: ResponseKey, response: CachedResponse, expiresAt: number): Promise<void>;
}

export interface ResponseKey {
  /** The tenant: every answer is its tenant's, whatever the credential. */
  readonly tenantId: string;
  /** Hash of the credential budget, method, URL, body and headers (never stored in the clear). */
  readonly hash: string;
}

/** What a leg reuses answers by: its cache, and the leg's terms (whose answers, how old). */
export interface ResponseReuse extends LegReuse {
  readonly cache: ResponseCache;
}

/** DynamoDB's item limit is 400 KB: answers above this are not kept. */
export const MAX_CACHED_BODY_BYTES = 350 * 1024;

/** Headers that name the caller: the budget key stands for them in the cache key. */
const CREDENTIAL_HEADER = /auth|token|key|cookie|secret|signature|session/i;
/** Headers not kept: they describe the transfer, not the answer, or belong to one caller. */
const DROPPED_HEADERS = new Set([
  "set-cookie",
  "content-encoding",
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
]);

/**
 * Whether an answer to `request` may be kept and reused: a read (GET, or a POST the sync type
 * reads with, like a bulk lookup, only from a pull) that spends the provider's budget. A call
 * the provider does not count (an OAuth token request) is never kept: a token must be fresh.
 */
export function reusable(request: ProviderRequest): boolean {
  if (request.limited === false) return false;
  const method = request.method ?? "GET";
  if (method !== "GET" && method !== "POST") return false;
  const noCache = Object.entries(request.headers ?? {}).some(
    ([name, value]) => name.toLowerCase() === "cache-control" && /no-cache|no-store/i.test(value),
  );
  return !noCache;
}

/** The cache key of `request` sent to `href`, for this tenant's credential. */
export function responseKey(
  reuse: Pick<ResponseReuse, "tenantId" | "budgetKey">,
  request: ProviderRequest,
  href: string,
): ResponseKey {
  const headers = Object.entries(request.headers ?? {})
    .map(([name, value]) => [name.toLowerCase(), value] as const)
    .filter(([name]) => !CREDENTIAL_HEADER.test(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const hash = createHash("sha256")
    .update(JSON.stringify([reuse.budgetKey, request.method ?? "GET", href, request.body ?? null, headers]))
    .digest("base64url");
  return { tenantId: reuse.tenantId, hash };
}

/** Reads a 200 answer whole, for the cache and for the module (which gets an equal Response). */
export async function capture(
  response: Response,
  fetchedAt: number,
): Promise<{ cached: CachedResponse; response: Response }> {
  const body = new Uint8Array(await response.arrayBuffer());
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (!DROPPED_HEADERS.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
  });
  const cached: CachedResponse = { status: 200, headers, body, fetchedAt };
  return { cached, response: replay(cached) };
}

/** A kept answer as a fresh Response. */
export function replay(cached: CachedResponse): Response {
  return new Response(cached.body.slice(), { status: cached.status, headers: cached.headers });
}

/** A kept answer young enough to stand in for the call, if there is one; the cache failing is a miss. */
export async function reused(
  reuse: ResponseReuse,
  key: ResponseKey,
  maxAgeMs: number,
  now: number,
): Promise<Response | undefined> {
  if (maxAgeMs <= 0) return undefined;
  try {
    const kept = await reuse.cache.get(key);
    if (kept === undefined || now - kept.fetchedAt > maxAgeMs) return undefined;
    reuse.onReuse?.(kept.fetchedAt);
    return replay(kept);
  } catch (error) {
    reuse.onCacheError?.(error);
    return undefined;
  }
}

/**
 * Reads a 200 answer whole and keeps it for later reads (now, or when the run says it used it
 * well); the module gets an equal Response.
 */
export async function keep(
  reuse: ResponseReuse,
  key: ResponseKey,
  response: Response,
  now: number,
  label: string,
): Promise<Response> {
  let captured: Awaited<ReturnType<typeof capture>>;
  try {
    captured = await capture(response, now);
  } catch (cause) {
    // As a module reading the body itself would report it.
    throw new ProviderUnavailableError(
      `${label}: the response body could not be read (${cause instanceof Error ? cause.message : String(cause)})`,
      {
        cause,
      },
    );
  }
  const { cached, response: fresh } = captured;
  const write = async () => {
    try {
      await reuse.cache.put(key, cached, now + reuse.keepMs);
    } catch (error) {
      reuse.onCacheError?.(error);
    }
  };
  if (reuse.keepLater) reuse.keepLater(write);
  else await write();
  return fresh;
}
