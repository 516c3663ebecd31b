import { ProviderRejectedError } from "#core/errors.ts";
import { type Call, readJsonAs, sendRequest } from "#providers/http.ts";
import type { ProviderFetch } from "#providers/types.ts";
import { tokenSchema } from "./schemas.ts";

/** An OpenF1 account, as the connection's credentials hold it (the definition's schema). */
export interface Credentials {
  readonly username: string;
  readonly password: string;
}

interface CachedToken {
  readonly accessToken: string;
  readonly refreshAtMs: number;
}

/** Tokens are renewed this long before OpenF1 says they expire, so none expires mid-call. */
const REFRESH_MARGIN_MS = 60_000;

/** Per account (its username): connections with the same account share one token. */
const cached = new Map<string, CachedToken>();
const pending = new Map<string, Promise<CachedToken>>();

/** The account in a connection's credentials, if it has one. */
export function accountOf(
  credentials: Readonly<Record<string, string>> | undefined,
): Credentials | undefined {
  const username = credentials?.username;
  const password = credentials?.password;
  return username && password ? { username, password } : undefined;
}

/**
 * The `Authorization` header for an OpenF1 call: none without credentials, otherwise a bearer
 * token, fetched lazily and shared by every run of this process until shortly before it expires.
 * `renew` drops the cached token, for when OpenF1 has just refused it.
 */
export async function authHeaders(
  fetch: ProviderFetch,
  now: Date,
  account: Credentials | undefined,
  renew = false,
): Promise<Record<string, string>> {
  if (account === undefined) return {};
  const key = account.username;
  if (renew) cached.delete(key);
  let token = cached.get(key);
  if (token === undefined || now.getTime() >= token.refreshAtMs) {
    // Concurrent calls share one token request instead of each spending a /token call.
    let request = pending.get(key);
    if (request === undefined) {
      request = requestToken(fetch, account, now).finally(() => pending.delete(key));
      pending.set(key, request);
    }
    token = await request;
    cached.set(key, token);
  }
  return { authorization: `Bearer ${token.accessToken}` };
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
      "OpenF1 refused the connection's credentials (username and password); update them with PATCH /connections/{id}",
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
