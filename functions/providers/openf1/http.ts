import {
  type PacerError,
  ProviderRateLimitedError,
  ProviderRejectedError,
  ProviderUnavailableError,
} from "#core/errors.ts";

/** Pacer's fetch wrapper normally turns 429s into errors; this is the fallback when it has not. */
const DEFAULT_RETRY_AFTER_MS = 1_000;

/** OpenF1's answer when a query matches nothing; it means "empty", not "missing". */
export const NO_RESULTS_DETAIL = "No results found.";

export async function readJson(response: Response, path: string): Promise<unknown> {
  let text: string;
  try {
    text = await response.text();
  } catch (cause) {
    throw new ProviderUnavailableError(`OpenF1 ${path}: the response body could not be read`, { cause });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ProviderUnavailableError(
      `OpenF1 ${path} answered ${response.status} with a body that is not JSON`,
      {
        cause,
      },
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
      if (typeof detail === "string") return detail;
      if (typeof error === "string") return error;
    }
  } catch {
    // Not JSON (e.g. the HTML error page of a 500): fall through to the raw excerpt.
  }
  return text.slice(0, 200);
}

/** Maps a non-2xx status (other than the ones the caller handles itself) to a typed error. */
export async function describeFailure(response: Response, path: string, now: Date): Promise<PacerError> {
  const { status } = response;
  const detail = await errorDetail(response);
  const message = `OpenF1 ${path} answered ${status}${detail === "" ? "" : `: ${detail}`}`;
  if (status === 429) return new ProviderRateLimitedError(retryAfterMs(response, now), message);
  if (status >= 500) return new ProviderUnavailableError(message);
  return new ProviderRejectedError(message, status);
}

/** `Retry-After` as delta-seconds or an HTTP date, measured from the run's clock. */
export function retryAfterMs(response: Response, now: Date): number {
  const header = response.headers.get("retry-after")?.trim();
  if (header === undefined || header === "") return DEFAULT_RETRY_AFTER_MS;
  if (/^\d+(\.\d+)?$/.test(header)) return Math.ceil(Number(header) * 1_000);
  const at = Date.parse(header);
  if (Number.isNaN(at)) return DEFAULT_RETRY_AFTER_MS;
  return Math.max(0, at - now.getTime());
}
