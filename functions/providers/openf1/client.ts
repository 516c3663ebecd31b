import type { z } from "zod";
import {
  PacerError,
  ProviderMalformedError,
  ProviderRejectedError,
  ProviderUnavailableError,
} from "#core/errors.ts";
import type { ProviderFetch, ProviderRequest } from "#providers/types.ts";
import { authHeaders, hasCredentials } from "./auth.ts";
import { describeFailure, errorDetail, NO_RESULTS_DETAIL, readJson } from "./http.ts";
import { parseRows } from "./schemas.ts";

export interface OpenF1Context {
  readonly fetch: ProviderFetch;
  readonly now: Date;
}

const LIVE_RESTRICTION_HINT =
  "OpenF1 restricts all data to authenticated users while a session is live (and for 30 minutes after it). " +
  "Give Pacer an OpenF1 account with live access: PACER_OPENF1_USERNAME and PACER_OPENF1_PASSWORD, or deployed, " +
  'the providerSecrets.openf1 config (a Secrets Manager secret {"username","password"}).';

/**
 * GETs an OpenF1 endpoint and returns its rows, each validated against `schema`. A query that
 * matches nothing is an empty list; a 401 is answered with a fresh token once when credentials are
 * configured. A 2xx Pacer cannot use (not JSON, not an array, a row off the schema) is
 * ProviderMalformedError.
 */
export async function getRows<T>(
  context: OpenF1Context,
  path: string,
  query: string,
  schema: z.ZodType<T>,
): Promise<T[]> {
  const request: ProviderRequest = { path, query, method: "GET" };
  let response = await send(context, request, false);
  if (response.status === 401) {
    if (!(await hasCredentials())) {
      const detail = await errorDetail(response);
      throw new ProviderRejectedError(
        `OpenF1 ${path} answered 401 (${detail}). ${LIVE_RESTRICTION_HINT}`,
        401,
      );
    }
    await response.body?.cancel();
    response = await send(context, request, true);
    if (response.status === 401) {
      const detail = await errorDetail(response);
      throw new ProviderRejectedError(
        `OpenF1 ${path} refused a fresh bearer token (${detail}); check that the account in PACER_OPENF1_USERNAME has live access`,
        401,
      );
    }
  }
  return readRows(response, path, context.now, schema);
}

async function send(
  context: OpenF1Context,
  request: ProviderRequest,
  renewToken: boolean,
): Promise<Response> {
  try {
    const headers = await authHeaders(context.fetch, context.now, renewToken);
    return await context.fetch({ ...request, headers: { accept: "application/json", ...headers } });
  } catch (cause) {
    if (cause instanceof PacerError) throw cause;
    // Network failures, aborted or timed-out requests: a later retry may well succeed.
    throw new ProviderUnavailableError(`OpenF1 ${request.path} could not be reached`, { cause });
  }
}

async function readRows<T>(response: Response, path: string, now: Date, schema: z.ZodType<T>): Promise<T[]> {
  if (response.ok) {
    const body = await readJson(response, path);
    if (!Array.isArray(body)) {
      const got = body === null ? "null" : typeof body;
      throw new ProviderMalformedError(
        `OpenF1 ${path} answered ${response.status} with JSON ${got}, not an array`,
      );
    }
    return parseRows(schema, body, path, response.status);
  }
  if (response.status === 404) {
    const detail = await errorDetail(response);
    if (detail === NO_RESULTS_DETAIL) return [];
    throw new ProviderRejectedError(`OpenF1 ${path} answered 404: ${detail}`, 404);
  }
  throw await describeFailure(response, path, now);
}
