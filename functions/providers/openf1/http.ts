import {
  type PacerError,
  ProviderMalformedError,
  ProviderRateLimitedError,
  ProviderRejectedError,
  ProviderUnavailableError,
} from "#core/errors.ts";
import { retryAfterMs } from "#core/retry-after.ts";

/** Pacer's fetch wrapper normally turns 429s into errors; this is the fallback when it has not. */
const DEFAULT_RETRY_AFTER_MS = 1_000;
/** Enough of a body to recognise it in a job's error (an HTML error page, a cut-off row). */
const EXCERPT_CHARS = 120;

/** OpenF1's answer when a query matches nothing; it means "empty", not "missing". */
export const NO_RESULTS_DETAIL = "No results found.";

export interface ReadJsonOptions {
  /** The body may hold secrets (a token): say what was wrong, never quote it. */
  readonly secret?: boolean;
}

/**
 * The JSON body of a 2xx answer. A body that cannot be read (stalled, cut off by the timeout) is
 * ProviderUnavailableError; one that is read but is not JSON is ProviderMalformedError.
 */
export async function readJson(
  response: Response,
  path: string,
  options: ReadJsonOptions = {},
): Promise<unknown> {
  const answered = `OpenF1 ${path} answered ${response.status}`;
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
    const message = `OpenF1 ${path}: the response body could not be read (${reason(cause)})`;
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

/** The `detail` (or `error`) text of an error body, or a short excerpt of whatever came back. */
export async function errorDetail(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === "object" && body !== null) {
      const { detail, error } = body as { detail?: unknown; error?: unknown };
      if (typeof detail === "string") return excerpt(detail);
      if (typeof error === "string") return excerpt(error);
    }
  } catch {
    // Not JSON (e.g. the HTML error page of a 500): fall through to the raw excerpt.
  }
  return excerpt(text);
}

/** Maps a non-2xx status (other than the ones the caller handles itself) to a typed error. */
export async function describeFailure(response: Response, path: string, now: Date): Promise<PacerError> {
  const { status } = response;
  const detail = await errorDetail(response);
  const message = `OpenF1 ${path} answered ${status}${detail === "" ? "" : `: ${detail}`}`;
  if (status === 429) {
    const waitMs = retryAfterMs(response.headers, now.getTime()) ?? DEFAULT_RETRY_AFTER_MS;
    return new ProviderRateLimitedError(waitMs, message);
  }
  if (status >= 500) return new ProviderUnavailableError(message);
  return new ProviderRejectedError(message, status);
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
