import type { z } from "zod";
import { ProviderRejectedError } from "#core/errors.ts";
import { type Call, errorDetail, readRows, sendRequest } from "#providers/http.ts";
import type { ProviderFetch, ProviderRequest } from "#providers/types.ts";
import { accountOf, authHeaders } from "./auth.ts";

export interface OpenF1Context {
  readonly fetch: ProviderFetch;
  readonly now: Date;
  readonly connection: { readonly credentials: Readonly<Record<string, string>> | undefined };
}

/** OpenF1's answer when a query matches nothing; it means "empty", not "missing". */
const NO_RESULTS_DETAIL = "No results found.";

const LIVE_RESTRICTION_HINT =
  "OpenF1 restricts all data to authenticated users while a session is live (and for 30 minutes after it). " +
  'Give the connection an OpenF1 account with live access: PATCH /connections/{id} with credentials {"username","password"}.';

/**
 * GETs an OpenF1 endpoint and returns its rows, each validated against `schema`. OpenF1's quirks
 * live here: a query that matches nothing is a 404 "No results found." (an empty list), and a 401
 * is answered with a fresh token once when credentials are configured.
 */
export async function getRows<T>(
  context: OpenF1Context,
  path: string,
  query: string,
  schema: z.ZodType<T>,
): Promise<T[]> {
  const call: Call = { source: `OpenF1 ${path}`, now: context.now };
  const request: ProviderRequest = { path, query, method: "GET" };
  let response = await send(context, request, call, false);
  if (response.status === 401) {
    if (accountOf(context.connection.credentials) === undefined) {
      const detail = await errorDetail(response);
      throw new ProviderRejectedError(
        `${call.source} answered 401 (${detail}). ${LIVE_RESTRICTION_HINT}`,
        401,
      );
    }
    await response.body?.cancel();
    response = await send(context, request, call, true);
    if (response.status === 401) {
      const detail = await errorDetail(response);
      throw new ProviderRejectedError(
        `${call.source} refused a fresh bearer token (${detail}); check that the connection's OpenF1 account has live access`,
        401,
      );
    }
  }
  if (response.status === 404) {
    const detail = await errorDetail(response);
    if (detail === NO_RESULTS_DETAIL) return [];
    throw new ProviderRejectedError(`${call.source} answered 404: ${detail}`, 404);
  }
  return readRows(response, call, schema);
}

async function send(
  context: OpenF1Context,
  request: ProviderRequest,
  call: Call,
  renewToken: boolean,
): Promise<Response> {
  const headers = await authHeaders(
    context.fetch,
    context.now,
    accountOf(context.connection.credentials),
    renewToken,
  );
  return sendRequest(
    context.fetch,
    { ...request, headers: { accept: "application/json", ...headers } },
    call,
  );
}
