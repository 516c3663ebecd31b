import { afterEach } from "vitest";
import type { ProviderFetch } from "#providers/types.ts";
import {
  type FakeRunSignUp,
  type FakeRunSignUpOptions,
  fakeCredentials,
  startFakeRunSignUp,
} from "../../../../../local/fakes/runsignup/index.ts";

export const SECRET = "test-secret";
export const CREDENTIALS = fakeCredentials(SECRET);

export { manualClock } from "../clock.ts";

const running: FakeRunSignUp[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((fake) => fake.stop()));
});

/** A fake on a free loopback port, stopped after the test. Limits are lifted unless given. */
export async function startFake(options: Partial<FakeRunSignUpOptions> = {}): Promise<FakeRunSignUp> {
  const fake = await startFakeRunSignUp({
    secret: SECRET,
    limits: [{ calls: 10_000, perMs: 1_000 }],
    ...options,
  });
  running.push(fake);
  return fake;
}

export interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/** A REST call under `/Rest` as Pacer's module makes them: format=json, the key, the secret header. */
export async function call(
  fake: { readonly url: string },
  path: string,
  query = "",
  credentials: { apiKey?: string; apiSecret?: string } = CREDENTIALS,
): Promise<Answer> {
  const parts = [
    "format=json",
    query,
    credentials.apiKey === undefined ? "" : `rsu_api_key=${credentials.apiKey}`,
  ];
  const headers: Record<string, string> = {};
  if (credentials.apiSecret !== undefined) headers["x-rsu-api-secret"] = credentials.apiSecret;
  const response = await fetch(`${fake.url}/Rest${path}?${parts.filter(Boolean).join("&")}`, { headers });
  return { status: response.status, body: await response.json() };
}

/** A POST under `/Rest` as Pacer's module makes them: key in the query, `form` as form fields. */
export async function post(
  fake: { readonly url: string },
  path: string,
  form: Record<string, string>,
  credentials: { apiKey?: string; apiSecret?: string } = CREDENTIALS,
): Promise<Answer> {
  const query = ["format=json", credentials.apiKey === undefined ? "" : `rsu_api_key=${credentials.apiKey}`];
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  if (credentials.apiSecret !== undefined) headers["x-rsu-api-secret"] = credentials.apiSecret;
  const response = await fetch(`${fake.url}/Rest${path}?${query.filter(Boolean).join("&")}`, {
    method: "POST",
    headers,
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, body: await response.json() };
}

/** A test-only control call (no auth). */
export async function control(fake: { readonly url: string }, method: string, path: string, body?: unknown) {
  const response = await fetch(`${fake.url}/_fake${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

/** What Pacer's fetch does with a request, minus permits: the base URL (the fake's `/Rest`) in front. */
export function fetchTo(fake: { readonly url: string }): ProviderFetch {
  return (request) =>
    fetch(`${fake.url}/Rest${request.path}${request.query ? `?${request.query}` : ""}`, {
      method: request.method ?? "GET",
      ...(request.headers === undefined ? {} : { headers: request.headers }),
      ...(request.body === undefined ? {} : { body: request.body }),
    });
}

export type Json = Record<string, unknown>;
