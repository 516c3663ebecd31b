import type { z } from "zod";
import {
  type PacerError,
  ProviderMalformedError,
  ProviderRateLimitedError,
  ProviderRejectedError,
  ProviderUnavailableError,
  ValidationError,
} from "#core/errors.ts";
import { retryAfterMs } from "#core/retry-after.ts";
import { type Call, errorDetail, parseRows, readJson, readJsonAs, sendRequest } from "#providers/http.ts";
import { TokenCache } from "#providers/race/token-cache.ts";
import type { ProviderRequest, RunConnection, SyncRun } from "#providers/types.ts";
import { type HakuCredentials, type HakuSettings, haku } from "./definition.ts";
import { tokenSchema } from "./schemas.ts";

/**
 * Calling Haku for one run: an OAuth2 client-credentials token from Haku's Cognito host, sent raw
 * in `Authorization` (no `Bearer`, as the adapter says: an API Gateway Cognito authorizer), and
 * renewed once when the API answers 401 before the token's expiry.
 */

/** Tokens outlive a run: one cache for the worker's sandbox, per connection and credentials. */
const tokens = new TokenCache();

/** Cognito's own default; the adapter assumes it when `expires_in` is missing. */
const DEFAULT_TOKEN_LIFETIME_S = 3_600;

const CREDENTIALS_HINT =
  'check the connection\'s credentials (PATCH /connections/{id} with {"clientId","clientSecret"}): ' +
  "Haku issues one API client per organisation";

export interface HakuClient {
  readonly settings: HakuSettings;
  /** GET a path of the API and validate the whole body against `schema`. */
  get<T>(request: HakuGet, schema: z.ZodType<T>): Promise<T>;
  /** GET a list: a bare array, or an object holding it under `envelope`; every row validated. */
  list<T>(request: HakuGet, envelope: string, row: z.ZodType<T>): Promise<T[]>;
}

export interface HakuGet {
  readonly path: string;
  readonly query?: string;
  /** What a 404 means here ("event 123 not found"); absent: a plain rejection. */
  readonly notFound?: string;
}

/**
 * The run's Haku client, after parsing its connection with the definition's own schemas (a run
 * may carry a connection from before a schema changed): it fails naming the field, never a value.
 */
export function hakuClient(run: Pick<SyncRun, "connection" | "fetch" | "now">): HakuClient {
  const { settings, credentials } = parseConnection(run.connection);
  const now = run.now;

  async function send(request: HakuGet, retried = false): Promise<{ response: Response; call: Call }> {
    const call: Call = { source: `Haku ${request.path}`, now };
    const token = await tokens.token(run.connection, now.getTime(), () => issueToken(run, credentials));
    const providerRequest: ProviderRequest = {
      method: "GET",
      path: request.path,
      // UNVERIFIED: the raw token (no "Bearer "), as the adapter sends it to an API Gateway authorizer.
      headers: { authorization: token, accept: "application/json" },
      ...(request.query !== undefined && { query: request.query }),
    };
    const response = await sendRequest(run.fetch, providerRequest, call);
    if (response.ok) return { response, call };
    const secrets = [credentials.clientId, credentials.clientSecret, token];
    if (response.status === 401) {
      // A token refused before its expiry (revoked, rotated): forget it and try once with a new one.
      tokens.forget(run.connection);
      if (!retried) {
        await response.body?.cancel();
        return send(request, true);
      }
      throw await failureOf(response, call, secrets, `a fresh token was refused; ${CREDENTIALS_HINT}`);
    }
    if (response.status === 404 && request.notFound !== undefined)
      throw await failureOf(response, call, secrets, request.notFound);
    throw await failureOf(response, call, secrets);
  }

  return {
    settings,
    async get(request, schema) {
      const { response, call } = await send(request);
      return readJsonAs(response, call, schema);
    },
    async list(request, envelope, row) {
      const { response, call } = await send(request);
      const body = await readJson(response, call);
      // UNVERIFIED: the adapter reads a bare array, and also accepts `{events|participants: [...]}`.
      const rows = Array.isArray(body) ? body : rowsUnder(body, envelope);
      if (rows === undefined)
        throw new ProviderMalformedError(
          `${call.source} answered ${response.status} with neither an array nor {"${envelope}": [...]}`,
        );
      return parseRows(row, rows, call.source, response.status);
    },
  };
}

/** `POST auth:/oauth2/token`, client id and secret as HTTP Basic; not counted against the limit. */
async function issueToken(run: Pick<SyncRun, "fetch" | "now">, credentials: HakuCredentials) {
  const call: Call = { source: "Haku auth /oauth2/token", now: run.now };
  const basic = Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString("base64");
  const response = await sendRequest(
    run.fetch,
    {
      method: "POST",
      host: "auth",
      path: "/oauth2/token",
      limited: false,
      headers: {
        authorization: `Basic ${basic}`,
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      },
      body: "grant_type=client_credentials",
    },
    call,
  );
  if (!response.ok) {
    const secrets = [credentials.clientId, credentials.clientSecret];
    // Cognito says `{"error":"invalid_client"}`: its code names the fault and carries no secret.
    const refused = response.status === 400 || response.status === 401;
    throw await failureOf(
      response,
      call,
      secrets,
      refused ? `the client credentials were refused; ${CREDENTIALS_HINT}` : undefined,
    );
  }
  const token = await readJsonAs(response, call, tokenSchema, { secret: true });
  return {
    accessToken: token.access_token,
    expiresInMs: (token.expires_in ?? DEFAULT_TOKEN_LIFETIME_S) * 1_000,
  };
}

/** Pacer's fetch wrapper normally turns 429s into errors; this is the fallback when it has not. */
const DEFAULT_RETRY_AFTER_MS = 1_000;

/**
 * The typed error for a non-2xx answer, as `describeFailure` types them (429 rate limited, 5xx
 * unavailable, other 4xx rejected), with Haku's own words quoted but any credential or token in
 * them masked: the adapter says nothing of what Haku's error bodies hold.
 */
async function failureOf(
  response: Response,
  call: Call,
  secrets: readonly string[],
  meaning?: string,
): Promise<PacerError> {
  const { status } = response;
  const detail = scrub(await errorDetail(response), secrets);
  const message = `${call.source} answered ${status}${detail === "" ? "" : ` (${detail})`}${meaning === undefined ? "" : `: ${meaning}`}`;
  if (status === 429) {
    const waitMs = retryAfterMs(response.headers, call.now.getTime()) ?? DEFAULT_RETRY_AFTER_MS;
    return new ProviderRateLimitedError(waitMs, message);
  }
  if (status >= 500) return new ProviderUnavailableError(message);
  return new ProviderRejectedError(message, status);
}

function scrub(text: string, secrets: readonly string[]): string {
  return secrets
    .filter((secret) => secret.length >= 4)
    .reduce((said, secret) => said.split(secret).join("***"), text);
}

function rowsUnder(body: unknown, key: string): unknown[] | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const rows = (body as Record<string, unknown>)[key];
  return Array.isArray(rows) ? rows : undefined;
}

function parseConnection(connection: RunConnection): {
  settings: HakuSettings;
  credentials: HakuCredentials;
} {
  const schemas = haku.connection;
  const settings = schemas.settings.safeParse(connection.settings);
  if (!settings.success) throw new ValidationError(`Haku connection ${problem("settings", settings.error)}`);
  if (connection.credentials === undefined)
    throw new ValidationError(
      'Haku connection has no credentials: give it {"clientId","clientSecret"} of its Haku API client',
    );
  const credentials = schemas.credentials.safeParse(connection.credentials);
  if (!credentials.success)
    throw new ValidationError(`Haku connection ${problem("credentials", credentials.error)}`);
  return { settings: settings.data, credentials: credentials.data };
}

/** `settings.eventIds.0: …`; zod's messages name the expectation, never the value given. */
function problem(what: string, error: z.ZodError): string {
  const issue = error.issues[0];
  const path = issue?.path.map(String).join(".") ?? "";
  return `${what}${path === "" ? "" : `.${path}`}: ${issue?.message ?? "not valid"}`;
}
