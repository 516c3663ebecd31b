import type { z } from "zod";
import { ProviderRejectedError } from "#core/errors.ts";
import { type Call, describeFailure, readJsonAs, sendRequest } from "#providers/http.ts";
import { type AuthContext, accessToken, CREDENTIALS_HINT, forgetToken } from "./auth.ts";
import { providerWords } from "./errors.ts";

export interface RrRequest {
  readonly path: string;
  /** Raw query string, already encoded. */
  readonly query?: string;
}

/** What a 404 means for this call (an unknown event), as the message it becomes. */
export type NotFound = (detail: string) => string;

/** A 404 the caller chose to handle itself (see {@link callRr}'s `notFound: "skip"`). */
export class RrNotFound {
  constructor(readonly path: string) {}
}

/**
 * GETs a Race Roster v1 path with the connection's bearer token and returns the body validated
 * against `schema`. A 401 means the token was refused before it expired (revoked, or Race Roster
 * restarted): the token is forgotten and the call made once more with a new one. Statuses follow
 * Race Roster's documented list: 400 validation, 401, 403, 404, 5xx; a 429 the fetch has already
 * turned into ProviderRateLimitedError. No error carries a token or a credential.
 */
export async function callRr<T>(
  context: AuthContext,
  request: RrRequest,
  schema: z.ZodType<T>,
  notFound?: NotFound,
): Promise<T>;
/** As above, but a 404 comes back as RrNotFound instead of an error. */
export async function callRr<T>(
  context: AuthContext,
  request: RrRequest,
  schema: z.ZodType<T>,
  notFound: "skip" | NotFound,
): Promise<T | RrNotFound>;
export async function callRr<T>(
  context: AuthContext,
  request: RrRequest,
  schema: z.ZodType<T>,
  notFound?: NotFound | "skip",
): Promise<T | RrNotFound> {
  const call: Call = { source: `Race Roster ${request.path}`, now: context.now };
  let response = await send(context, request, call, await accessToken(context));
  if (response.status === 401) {
    await response.body?.cancel().catch(() => {});
    forgetToken(context);
    response = await send(context, request, call, await accessToken(context));
  }
  const { status } = response;
  if (status === 404 && notFound === "skip") {
    await response.body?.cancel().catch(() => {});
    return new RrNotFound(request.path);
  }
  if (status === 400 || status === 401 || status === 403 || status === 404) {
    const detail = await providerWords(response, Object.values(context.credentials));
    const said = detail === "" ? "" : ` (${detail})`;
    throw new ProviderRejectedError(
      `${call.source} answered ${status}${said}: ${meaning(status, detail, notFound)}`,
      status,
    );
  }
  if (!response.ok) throw await describeFailure(response, call);
  return readJsonAs(response, call, schema);
}

function meaning(status: number, detail: string, notFound: NotFound | "skip" | undefined): string {
  if (status === 400) return "Race Roster found the request invalid";
  if (status === 401) return `a fresh token was refused too; ${CREDENTIALS_HINT}`;
  if (status === 403)
    return "the Race Roster account may not see this; check the account's access to the event";
  return typeof notFound === "function" ? notFound(detail) : "not found";
}

function send(context: AuthContext, request: RrRequest, call: Call, token: string): Promise<Response> {
  return sendRequest(
    context.fetch,
    {
      method: "GET",
      path: request.path,
      headers: { authorization: `Bearer ${token}`, accept: "application/json" },
      ...(request.query !== undefined && { query: request.query }),
    },
    call,
  );
}
