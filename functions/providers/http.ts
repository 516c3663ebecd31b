import type { z } from "zod";
import {
  PacerError,
  ProviderMalformedError,
  ProviderRateLimitedError,
  ProviderRejectedError,
  ProviderUnavailableError,
} from "#core/errors.ts";
import { retryAfterMs } from "#core/retry-after.ts";
import type { ProviderFetch, ProviderRequest } from "./types.ts";

/**
 * Reading a provider's answers, for any provider module: JSON bodies checked against zod schemas,
 * statuses mapped to Pacer's typed errors, Retry-After honoured. What is one provider's own (an
 * empty result answered 404, a token flow) stays in its folder.
 */

/** Which call an answer belongs to. */
export interface Call {
  /** How errors name the call: `<provider> <path>`, e.g. `OpenF1 /v1/sessions`. */
  readonly source: string;
  /** The run's clock: a Retry-After given as an HTTP date is read against it. */
  readonly now: Date;
}

export interface ReadOptions {
  /** The body may hold secrets (a token): say what was wrong, never quote it. */
  readonly secret?: boolean;
}

/** Pacer's fetch wrapper normally turns 429s into errors; this is the fallback when it has not. */
const DEFAULT_RETRY_AFTER_MS = 1_000;
/** Enough of a body to recognise it in a job's error (an HTML error page, a cut-off row). */
const EXCERPT_CHARS = 120;

/**
 * Sends a request through the run's fetch. A failure that is not already one of Pacer's typed
 * errors (the network, an aborted or timed-out request) is ProviderUnavailableError: a later
 * retry may well succeed.
 */
export async function sendRequest(
  fetch: ProviderFetch,
  request: ProviderRequest,
  call: Call,
): Promise<Response> {
  try {
    return await fetch(request);
  } catch (cause) {
    if (cause instanceof PacerError) throw cause;
    throw new ProviderUnavailableError(`${call.source} could not be reached`, { cause });
  }
}

/**
 * The rows of an answer that is a JSON array, each validated against `schema`. A non-2xx answer
 * is the typed error of {@link describeFailure}; a 2xx that is not a JSON array is
 * ProviderMalformedError.
 */
export async function readRows<T>(response: Response, call: Call, schema: z.ZodType<T>): Promise<T[]> {
  if (!response.ok) throw await describeFailure(response, call);
  const body = await readJson(response, call);
  if (!Array.isArray(body)) {
    const got = body === null ? "null" : typeof body;
    throw new ProviderMalformedError(
      `${call.source} answered ${response.status} with JSON ${got}, not an array`,
    );
  }
  return parseRows(schema, body, call.source, response.status);
}

/**
 * The JSON body of an answer, validated against `schema` as a whole. A non-2xx answer is the
 * typed error of {@link describeFailure}; a body off the schema is ProviderMalformedError naming
 * the field (never its value).
 */
export async function readJsonAs<T>(
  response: Response,
  call: Call,
  schema: z.ZodType<T>,
  options: ReadOptions = {},
): Promise<T> {
  if (!response.ok) throw await describeFailure(response, call);
  const parsed = schema.safeParse(await readJson(response, call, options));
  if (parsed.success) return parsed.data;
  const field = parsed.error.issues[0]?.path.join(".") ?? "";
  throw new ProviderMalformedError(`${call.source} answered ${response.status} without a valid "${field}"`);
}

/**
 * Validates every row. One bad row fails the whole read, naming the row and field, because storing
 * part of a list without saying so would look like data the provider never had. The value itself
 * is left out of the message: it may be anything, of any size.
 */
export function parseRows<T>(
  schema: z.ZodType<T>,
  rows: readonly unknown[],
  source: string,
  status: number,
): T[] {
  return rows.map((row, index) => {
    const result = schema.safeParse(row);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    const field = issue?.path.join(".") || "(row)";
    throw new ProviderMalformedError(
      `${source} answered ${status} with row ${index} of ${rows.length} off the documented shape: ` +
        `"${field}": ${issue?.message ?? "invalid"}`,
    );
  });
}

/**
 * The JSON body of a 2xx answer. A body that cannot be read (stalled, cut off by the timeout) is
 * ProviderUnavailableError; one that is read but is not JSON (by its content type, or its text)
 * is ProviderMalformedError.
 */
export async function readJson(response: Response, call: Call, options: ReadOptions = {}): Promise<unknown> {
  const answered = `${call.source} answered ${response.status}`;
  const quote = (text: string) => (options.secret || text === "" ? "" : `: "${excerpt(text)}"`);
  const contentType = response.headers.get("content-type");
  if (contentType !== null && !isJson(contentType)) {
    const text = await response.text().catch(() => "");
    throw new ProviderMalformedError(`${answered} with ${mediaType(contentType)}, not JSON${quote(text)}`);
  }
  let text: string;
  try {
    text = await response.text();
  } catch (cause) {
    const message = `${call.source}: the response body could not be read (${reason(cause)})`;
    throw new ProviderUnavailableError(message, { cause });
  }
  if (text.trim() === "") throw new ProviderMalformedError(`${answered} with an empty body`);
  try {
    return JSON.parse(text);
  } catch (cause) {
    // V8's own message quotes the body, so it is not passed on (a token's body must never leak).
    const what = endsEarly(cause, text) ? "JSON cut off before its end" : "a body that is not valid JSON";
    throw new ProviderMalformedError(
      `${answered} with ${what} (${Buffer.byteLength(text)} bytes)${quote(text)}`,
    );
  }
}

/**
 * The provider's own words in an error body: its `detail`, `error` or `message` text (or
 * `error.message`, or a problem document's `title`), else a short excerpt of whatever came back.
 */
export async function errorDetail(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  try {
    const body: unknown = JSON.parse(text);
    const said = saidIn(body);
    if (said !== undefined) return excerpt(said);
  } catch {
    // Not JSON (e.g. the HTML error page of a 500): fall through to the raw excerpt.
  }
  return excerpt(text);
}

/**
 * The typed error for a non-2xx answer (other than the statuses the caller handles itself): 429
 * is ProviderRateLimitedError for its Retry-After, 5xx ProviderUnavailableError (a retry may fix
 * it), any other ProviderRejectedError with its status. The message quotes the provider's detail.
 */
export async function describeFailure(response: Response, call: Call): Promise<PacerError> {
  const { status } = response;
  const detail = await errorDetail(response);
  const message = `${call.source} answered ${status}${detail === "" ? "" : `: ${detail}`}`;
  if (status === 429) {
    const waitMs = retryAfterMs(response.headers, call.now.getTime()) ?? DEFAULT_RETRY_AFTER_MS;
    return new ProviderRateLimitedError(waitMs, message);
  }
  if (status >= 500) return new ProviderUnavailableError(message);
  return new ProviderRejectedError(message, status);
}

function saidIn(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const { detail, error, message, title } = body as Record<string, unknown>;
  for (const candidate of [detail, error, message]) if (typeof candidate === "string") return candidate;
  if (typeof error === "object" && error !== null) {
    const nested = (error as Record<string, unknown>).message;
    if (typeof nested === "string") return nested;
  }
  return typeof title === "string" ? title : undefined;
}

/** Whether JSON.parse failed at the very end of the text: the body was truncated, not garbled. */
function endsEarly(cause: unknown, text: string): boolean {
  if (!(cause instanceof SyntaxError)) return false;
  if (/end of JSON input/i.test(cause.message)) return true;
  const position = /at position (\d+)/.exec(cause.message)?.[1];
  return position !== undefined && Number(position) >= text.trimEnd().length;
}

function isJson(contentType: string): boolean {
  const type = mediaType(contentType);
  return type === "application/json" || type.endsWith("+json");
}

function mediaType(contentType: string): string {
  return (contentType.split(";")[0] ?? "").trim().toLowerCase();
}

/** One line of at most EXCERPT_CHARS characters, control characters dropped. */
function excerpt(text: string): string {
  const line = text.replace(/[\p{Cc}\s]+/gu, " ").trim();
  return line.length > EXCERPT_CHARS ? `${line.slice(0, EXCERPT_CHARS)}…` : line;
}

function reason(cause: unknown): string {
  if (cause instanceof Error) return cause.name === "TimeoutError" ? "timed out" : cause.message;
  return String(cause);
}
