import { hours, seconds } from "#catalog/types.ts";
import { ProviderRejectedError } from "#core/errors.ts";
import { type Call, describeFailure, readJsonAs, sendRequest } from "#providers/http.ts";
import { type IssuedToken, TokenCache } from "#providers/race/token-cache.ts";
import type { ProviderFetch, RunConnection } from "#providers/types.ts";
import type { RaceRosterCredentials } from "./definition.ts";
import { providerWords } from "./errors.ts";
import { tokenSchema } from "./schemas.ts";

/**
 * Race Roster access tokens, as the two client projects get them: `POST auth:/authorize`, form
 * encoded, with the grant type `access_token` (that exact value, not `password`) and all four
 * credentials. One cache for the process: a token serves every run of its connection.
 */
export const tokens = new TokenCache();

/** The sample JWT in the docs lives 24 h (exp − iat); used when the answer carries no expires_in. */
export const DEFAULT_TOKEN_LIFETIME_MS = hours(24);

export const CREDENTIALS_HINT =
  "check the connection's clientId, clientSecret, username and password (PATCH /connections/{id}); " +
  "API credentials are made at raceroster.com/dashboard/account/api-settings";

/** What a call needs to authenticate: the run's fetch and clock, and its connection. */
export interface AuthContext {
  readonly fetch: ProviderFetch;
  readonly now: Date;
  readonly connection: Pick<RunConnection, "connectionId" | "credentials">;
  readonly credentials: RaceRosterCredentials;
}

/** The connection's bearer token, from the cache or a new grant. */
export function accessToken(context: AuthContext): Promise<string> {
  return tokens.token(context.connection, context.now.getTime(), () => issueToken(context));
}

/** Drops the connection's token: Race Roster refused it before it expired. */
export function forgetToken(context: AuthContext): void {
  tokens.forget(context.connection);
}

async function issueToken({ fetch, now, credentials }: AuthContext): Promise<IssuedToken> {
  const call: Call = { source: "Race Roster auth:/authorize", now };
  const body = new URLSearchParams({
    grant_type: "access_token",
    client_id: credentials.clientId,
    client_secret: credentials.clientSecret,
    username: credentials.username,
    password: credentials.password,
  });
  const response = await sendRequest(
    fetch,
    {
      method: "POST",
      host: "auth",
      path: "/authorize",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: body.toString(),
      // Race Roster documents no limit on token requests: they spend no permit.
      limited: false,
    },
    call,
  );
  const secrets = Object.values(credentials);
  const { status } = response;
  // OAuth servers answer a bad client or grant 400 (invalid_grant, invalid_request) or 401 (invalid_client).
  if (status === 400 || status === 401 || status === 403) {
    const detail = await providerWords(response, secrets);
    throw new ProviderRejectedError(
      `${call.source} answered ${status}${detail === "" ? "" : ` (${detail})`}: the credentials were refused; ${CREDENTIALS_HINT}`,
      status,
    );
  }
  if (!response.ok) throw await describeFailure(response, call);
  const token = await readJsonAs(response, call, tokenSchema, { secret: true });
  const expiresInMs = token.expires_in ? seconds(token.expires_in) : DEFAULT_TOKEN_LIFETIME_MS;
  return { accessToken: token.access_token, expiresInMs };
}
