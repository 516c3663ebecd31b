import type { z } from "zod";
import {
  type PacerError,
  ProviderRateLimitedError,
  ProviderRejectedError,
  ProviderUnavailableError,
} from "#core/errors.ts";
import { type Call, readJsonAs, sendRequest } from "#providers/http.ts";
import type { ProviderFetch } from "#providers/types.ts";
import { type RsuError, rsuErrorSchema } from "./schemas.ts";

/** What a call to RunSignUp needs from the run. */
export interface RsuContext {
  readonly fetch: ProviderFetch;
  readonly now: Date;
  /** Sent as `rsu_api_key` in the query and `X-RSU-API-SECRET`; never put in a message. */
  readonly apiKey: string;
  readonly apiSecret: string;
}

export interface RsuRequest {
  readonly path: string;
  /** Raw query without `format`, `rsu_api_key` (added here) and without `?`. */
  readonly query?: string;
  /**
   * What the call is about, for a not-found answer (201, 223, 15): "race 20261 (in the
   * connection's raceIds setting)".
   */
  readonly subject: string;
  /**
   * A POST's form fields (RunSignUp's write methods take their JSON in a `request` field); absent:
   * a GET. Credentials stay in the query and header, never in the form.
   */
  readonly form?: Readonly<Record<string, string>>;
}

/** Error 14 says nothing of when to come back. */
export const THROTTLED_WAIT_MS = 60_000;

const CREDENTIALS_HINT =
  'check the connection\'s apiKey and apiSecret (PATCH /connections/{id} with credentials {"apiKey","apiSecret"})';

/**
 * Calls RunSignUp with the API v2 key and returns the body validated against `schema`. RunSignUp
 * may answer an error with HTTP 200, so the body decides: `{"error": {error_code, error_msg}}` is
 * the typed error of its code, whatever the status. A 429 the fetch already turned into
 * ProviderRateLimitedError. Errors name the call by its path only: the key is in the query.
 */
export async function callRsu<T>(context: RsuContext, request: RsuRequest, schema: z.ZodType<T>): Promise<T> {
  const call: Call = { source: `RunSignUp ${request.path}`, now: context.now };
  const key = `rsu_api_key=${encodeURIComponent(context.apiKey)}`;
  const query = ["format=json", request.query, key].filter((part) => part !== undefined && part !== "");
  const headers = { "x-rsu-api-secret": context.apiSecret, accept: "application/json" };
  const response = await sendRequest(
    context.fetch,
    request.form === undefined
      ? { method: "GET", path: request.path, query: query.join("&"), headers }
      : {
          method: "POST",
          path: request.path,
          query: query.join("&"),
          headers: { ...headers, "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams(request.form).toString(),
        },
    call,
  );
  const error = await errorIn(response.clone());
  if (error !== undefined) throw errorFor(error, response.status, call, request, context);
  return readJsonAs(response, call, schema);
}

/** The error object of an error body, or undefined for any other body (read by readJsonAs). */
async function errorIn(response: Response): Promise<RsuError | undefined> {
  let body: unknown;
  try {
    body = JSON.parse(await response.text());
  } catch {
    return undefined;
  }
  const parsed = rsuErrorSchema.safeParse(body);
  return parsed.success ? parsed.data.error : undefined;
}

/** RunSignUp's error codes (its Error Codes page) as Pacer's typed errors. */
function errorFor(
  error: RsuError,
  status: number,
  call: Call,
  request: RsuRequest,
  context: RsuContext,
): PacerError {
  const code = error.error_code;
  const said = scrub(error.error_msg?.trim() ?? "", [context.apiKey, context.apiSecret]);
  const answered = `${call.source} answered error ${code}${said === "" ? "" : ` "${said}"`}`;
  switch (code) {
    case 6:
      return new ProviderRejectedError(`${answered}: the key was refused; ${CREDENTIALS_HINT}`, 401);
    case 7:
    case 13:
      return new ProviderRejectedError(
        `${answered}: the key may not read ${request.subject}; use a key of the race or of a partner it granted access to`,
        403,
      );
    case 201:
    case 223:
    case 15:
      return new ProviderRejectedError(`${answered}: ${request.subject} not found`, 404);
    case 14:
      return new ProviderRateLimitedError(THROTTLED_WAIT_MS, `${answered}: throttled`);
    case 4:
    case 5:
      return new ProviderUnavailableError(`${answered}: RunSignUp failed on its side`);
    default:
      // 3 (invalid parameters) and the rest: a retry with the same request would be refused again.
      return new ProviderRejectedError(answered, status >= 400 && status < 500 ? status : 400);
  }
}

/** RunSignUp's message should not echo the key, but an error must never carry it even if it does. */
function scrub(text: string, secrets: readonly string[]): string {
  return secrets.reduce(
    (scrubbed, secret) => (secret === "" ? scrubbed : scrubbed.split(secret).join("***")),
    text,
  );
}
