import type { z } from "zod";
import { ProviderRejectedError } from "#core/errors.ts";
import { type Call, errorDetail, readJsonAs, sendRequest } from "#providers/http.ts";
import type { ProviderFetch, ProviderRequest } from "#providers/types.ts";

/** What a call to ZwiftRacing.app needs from the run. */
export interface ZrContext {
  readonly fetch: ProviderFetch;
  readonly now: Date;
  /** The connection's key; sent as the Authorization header, never put in a message. */
  readonly apiKey: string;
}

export interface ZrRequest {
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly query?: string;
  /** Sent as JSON. */
  readonly body?: unknown;
}

/**
 * What a 404 means for this call (an unknown club, rider or event), as the message of the
 * ProviderRejectedError it becomes. `detail` is ZR's own `message`. Absent: a plain rejection.
 */
export type NotFound = (detail: string) => string;

const KEY_HINT =
  'check the connection\'s apiKey (PATCH /connections/{id} with credentials {"apiKey"}): ' +
  "ZwiftRacing.app issues it, and it decides the tier";

/**
 * Calls ZwiftRacing.app and returns the body validated against `schema`. ZR takes the raw key in
 * `Authorization` (no `Bearer`); it does not document whether a bad key is 401 or 403, so both
 * say to check the key. A 429 the fetch already turned into ProviderRateLimitedError.
 */
export async function callZr<T>(
  context: ZrContext,
  request: ZrRequest,
  schema: z.ZodType<T>,
  notFound?: NotFound,
): Promise<T> {
  const call: Call = { source: `ZwiftRacing.app ${request.path}`, now: context.now };
  const headers: Record<string, string> = { authorization: context.apiKey, accept: "application/json" };
  if (request.body !== undefined) headers["content-type"] = "application/json";
  const providerRequest: ProviderRequest = {
    method: request.method,
    path: request.path,
    headers,
    ...(request.query !== undefined && { query: request.query }),
    ...(request.body !== undefined && { body: JSON.stringify(request.body) }),
  };
  const response = await sendRequest(context.fetch, providerRequest, call);
  const { status } = response;
  if (status === 401 || status === 403) {
    const detail = scrub(await errorDetail(response), context.apiKey);
    throw new ProviderRejectedError(
      `${call.source} answered ${status}${detail === "" ? "" : ` (${detail})`}: the API key was refused; ${KEY_HINT}`,
      status,
    );
  }
  if (status === 404 && notFound !== undefined) {
    throw new ProviderRejectedError(`${call.source}: ${notFound(await errorDetail(response))}`, 404);
  }
  return readJsonAs(response, call, schema);
}

/** ZR's message should not echo the key, but an error must never carry it even if it does. */
function scrub(text: string, secret: string): string {
  return secret === "" ? text : text.split(secret).join("***");
}
