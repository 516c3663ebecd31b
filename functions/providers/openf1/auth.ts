import { providerSecret } from "#adapters/provider-credentials.ts";
import { optionalEnv } from "#core/env.ts";
import { ProviderRejectedError } from "#core/errors.ts";
import { type Call, readJsonAs, sendRequest } from "#providers/http.ts";
import type { ProviderFetch } from "#providers/types.ts";
import { tokenSchema } from "./schemas.ts";

interface Credentials {
  readonly username: string;
  readonly password: string;
}

interface CachedToken {
  readonly accessToken: string;
  readonly refreshAtMs: number;
}

/** Tokens are renewed this long before OpenF1 says they expire, so none expires mid-call. */
const REFRESH_MARGIN_MS = 60_000;

const fromEnv = readCredentials();
let cached: CachedToken | undefined;
let pending: Promise<CachedToken> | undefined;

/** Locally the env vars; deployed, the secret named by PACER_OPENF1_CREDENTIALS_SECRET. */
async function credentials(): Promise<Credentials | undefined> {
  if (fromEnv) return fromEnv;
  const secret = await providerSecret("openf1");
  if (secret === undefined) return undefined;
  const { username, password } = secret;
  if (!username || !password) {
    throw new ProviderRejectedError('the OpenF1 credentials secret must hold "username" and "password"', 401);
  }
  return { username, password };
}

function readCredentials(): Credentials | undefined {
  const username = optionalEnv("PACER_OPENF1_USERNAME");
  const password = optionalEnv("PACER_OPENF1_PASSWORD");
  if (username === undefined && password === undefined) return undefined;
  if (username === undefined || password === undefined) {
    throw new Error("set both PACER_OPENF1_USERNAME and PACER_OPENF1_PASSWORD, or neither");
  }
  return { username, password };
}

export async function hasCredentials(): Promise<boolean> {
  return (await credentials()) !== undefined;
}

/**
 * The `Authorization` header for an OpenF1 call: none without credentials, otherwise a bearer
 * token, fetched lazily and shared by every run of this process until shortly before it expires.
 * `renew` drops the cached token, for when OpenF1 has just refused it.
 */
export async function authHeaders(
  fetch: ProviderFetch,
  now: Date,
  renew = false,
): Promise<Record<string, string>> {
  const account = await credentials();
  if (account === undefined) return {};
  if (renew) cached = undefined;
  if (cached === undefined || now.getTime() >= cached.refreshAtMs) {
    // Concurrent calls share one token request instead of each spending a /token call.
    pending ??= requestToken(fetch, account, now).finally(() => {
      pending = undefined;
    });
    cached = await pending;
  }
  return { authorization: `Bearer ${cached.accessToken}` };
}

async function requestToken(fetch: ProviderFetch, { username, password }: Credentials, now: Date) {
  const call: Call = { source: "OpenF1 /token", now };
  const request = {
    path: "/token",
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username, password }).toString(),
    limited: false,
  } as const;
  const response = await sendRequest(fetch, request, call);
  if (response.status === 401 || response.status === 403) {
    throw new ProviderRejectedError(
      "OpenF1 refused the credentials in PACER_OPENF1_USERNAME / PACER_OPENF1_PASSWORD",
      response.status,
    );
  }
  const token = await readJsonAs(response, call, tokenSchema, { secret: true });
  const expiresInMs = token.expires_in * 1_000;
  return {
    accessToken: token.access_token,
    refreshAtMs: now.getTime() + Math.max(0, expiresInMs - REFRESH_MARGIN_MS),
  };
}
