import { createHash } from "node:crypto";
import type { z } from "zod";
import {
  PacerError,
  ProviderMalformedError,
  ProviderRateLimitedError,
  ProviderRejectedError,
  ProviderUnavailableError,
} from "#core/errors.ts";
import { type Call, describeFailure, errorDetail, readJson } from "#providers/http.ts";
import type { ProviderFetch } from "#providers/types.ts";
import type { ChronoTrackCredentials } from "./definition.ts";

/** What a call to ChronoTrack needs from the run. */
export interface CtContext {
  readonly fetch: ProviderFetch;
  readonly now: Date;
  /** Sent in the query string (ChronoTrack's "simple" auth), so never put in a message. */
  readonly credentials: ChronoTrackCredentials;
}

export interface CtRequest {
  readonly method?: "GET" | "POST" | "PUT";
  readonly path: string;
  /** Query parameters besides `format` and the credentials. */
  readonly query?: Readonly<Record<string, string | number | boolean>>;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** What a 404 means for this call ("event 90001 not found"). Absent: a plain rejection. */
  readonly notFound?: string;
}

/** An answer read: its body validated, and the headers (paging lives in them). */
export interface CtAnswer<T> {
  readonly body: T;
  readonly headers: Headers;
}

const CREDENTIALS_HINT =
  "check the connection's clientId, userId and password " +
  '(PATCH /connections/{id} with credentials {"clientId","userId","password"})';

/** SHA-1 of the password as 40 lower-case hex characters: what ChronoTrack's `user_pass` takes. */
export const passwordHash = (password: string): string => createHash("sha1").update(password).digest("hex");

/**
 * The query of a call: `format=json` (ChronoTrack answers JSON only when asked), the call's own
 * parameters, then the "simple" auth: `client_id`, `user_id`, `user_pass` = SHA-1 of the password.
 */
export function queryOf(request: CtRequest, credentials: ChronoTrackCredentials): string {
  const query = new URLSearchParams({ format: "json" });
  for (const [name, value] of Object.entries(request.query ?? {})) query.set(name, String(value));
  query.set("client_id", credentials.clientId);
  query.set("user_id", credentials.userId);
  query.set("user_pass", passwordHash(credentials.password));
  return query.toString();
}

/**
 * Calls ChronoTrack and returns the body validated against `schema`, with the answer's headers.
 * Errors name the call by `ChronoTrack <path>` only, never its query (the credentials live there),
 * and ChronoTrack's own words are quoted only with every credential form scrubbed out.
 */
export async function callCt<T>(
  context: CtContext,
  request: CtRequest,
  schema: z.ZodType<T>,
): Promise<CtAnswer<T>> {
  const call: Call = { source: `ChronoTrack ${request.path}`, now: context.now };
  const headers: Record<string, string> = { accept: "application/json" };
  if (request.body !== undefined) headers["content-type"] = "application/json";
  const secrets = secretsOf(context.credentials);
  try {
    const response = await sendOnce(context, request, headers, call);
    if (!response.ok) throw await failure(response, request, call);
    const parsed = schema.safeParse(await readJson(response, call));
    if (!parsed.success) {
      const field = parsed.error.issues[0]?.path.join(".") || "(body)";
      throw new ProviderMalformedError(
        `${call.source} answered ${response.status} without a valid "${field}"`,
      );
    }
    return { body: parsed.data, headers: response.headers };
  } catch (error) {
    throw scrubbed(error, secrets);
  }
}

async function sendOnce(
  context: CtContext,
  request: CtRequest,
  headers: Record<string, string>,
  call: Call,
): Promise<Response> {
  try {
    return await context.fetch({
      method: request.method ?? "GET",
      path: request.path,
      query: queryOf(request, context.credentials),
      headers,
      ...(request.body !== undefined && { body: JSON.stringify(request.body) }),
    });
  } catch (cause) {
    if (cause instanceof PacerError) throw cause;
    // The cause is not kept: a network error may carry the URL, and the URL the credentials.
    throw new ProviderUnavailableError(`${call.source} could not be reached`);
  }
}

/** ChronoTrack's error body is undocumented; clients only look at the status (non-200 fails). */
async function failure(response: Response, request: CtRequest, call: Call): Promise<PacerError> {
  const { status } = response;
  if (status === 401 || status === 403) {
    // Not quoted at all: an error page may well echo the request's query.
    await response.body?.cancel().catch(() => {});
    return new ProviderRejectedError(
      `${call.source} answered ${status}: the credentials were refused; ${CREDENTIALS_HINT}`,
      status,
    );
  }
  if (status === 404 && request.notFound !== undefined) {
    const detail = await errorDetail(response);
    return new ProviderRejectedError(
      `${call.source}: ${request.notFound}${detail === "" ? "" : ` (${detail})`}`,
      404,
    );
  }
  return describeFailure(response, call);
}

/** Every form a credential could take in a message: as given, URL-encoded, and the hash. */
function secretsOf(credentials: ChronoTrackCredentials): string[] {
  const { clientId, userId, password } = credentials;
  const values = [clientId, userId, password, passwordHash(password)];
  return [...new Set(values.flatMap((value) => [value, encodeURIComponent(value)]))]
    .filter((value) => value.length >= 3)
    .sort((a, b) => b.length - a.length);
}

/** The same error with any credential in its message replaced by `***`. */
function scrubbed(error: unknown, secrets: readonly string[]): unknown {
  if (!(error instanceof PacerError)) return error;
  const clean = secrets.reduce((message, secret) => message.split(secret).join("***"), error.message);
  if (clean === error.message) return error;
  if (error instanceof ProviderRejectedError) return new ProviderRejectedError(clean, error.status);
  if (error instanceof ProviderMalformedError) return new ProviderMalformedError(clean);
  if (error instanceof ProviderRateLimitedError)
    return new ProviderRateLimitedError(error.retryAfterMs, clean);
  // Any other kind is rebuilt as unavailable rather than let a secret through.
  return new ProviderUnavailableError(clean);
}

/**
 * Whether a page is followed by another: by `X-Ctlive-Current-Page` / `X-Ctlive-Page-Count` when
 * ChronoTrack sends them, else by the page being full (clients do both).
 */
export function hasNextPage(headers: Headers, page: number, rows: number, size: number): boolean {
  // An empty page ends the list whatever the headers say: asking on could never end.
  if (rows === 0) return false;
  const current = Number(headers.get("x-ctlive-current-page") ?? Number.NaN);
  const count = Number(headers.get("x-ctlive-page-count") ?? Number.NaN);
  if (Number.isInteger(count) && count >= 0) return (Number.isInteger(current) ? current : page) < count;
  return rows >= size;
}
