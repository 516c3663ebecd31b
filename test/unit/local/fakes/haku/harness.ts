import { afterEach } from "vitest";
import type { ProviderFetch } from "#providers/types.ts";
import {
  type FakeHaku,
  type FakeHakuOptions,
  fakeClient,
  hakuFake,
  startFakeHaku,
} from "../../../../../local/fakes/haku/index.ts";

export const SECRET = "test-secret";

export { manualClock } from "../clock.ts";

const running: FakeHaku[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((fake) => fake.stop()));
});

/** A fake on a free loopback port, stopped after the test. */
export async function startFake(options: Partial<FakeHakuOptions> = {}): Promise<FakeHaku> {
  const fake = await startFakeHaku({ secret: SECRET, ...options });
  running.push(fake);
  return fake;
}

export interface Answer {
  readonly status: number;
  readonly body: unknown;
}

export async function call(
  fake: { readonly url: string },
  path: string,
  { authorization, method = "GET", body, contentType }: CallOptions = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (authorization !== undefined) headers.authorization = authorization;
  if (body !== undefined) headers["content-type"] = contentType ?? "application/json";
  const response = await fetch(`${fake.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

interface CallOptions {
  readonly authorization?: string;
  readonly method?: string;
  readonly body?: unknown;
  readonly contentType?: string;
}

/** A token for the client derived for `label`, as the module asks for one. */
export async function tokenFor(fake: { readonly url: string }, label = "a"): Promise<string> {
  const { clientId, clientSecret } = fakeClient(SECRET, label);
  const answer = await call(fake, "/_auth/oauth2/token", {
    method: "POST",
    authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`,
    body: "grant_type=client_credentials",
    contentType: "application/x-www-form-urlencoded",
  });
  return (answer.body as { access_token: string }).access_token;
}

/**
 * A ProviderFetch onto the fake, as Pacer's own fetch builds URLs: the `auth` host where the
 * fake's hostPaths put it, every other path from the server's root.
 */
export function fetchOnto(fake: { readonly url: string }): ProviderFetch {
  return async (request) => {
    const base =
      request.host === undefined ? fake.url : `${fake.url}${hakuFake.hostPaths?.[request.host] ?? ""}`;
    const query = request.query === undefined ? "" : `?${request.query}`;
    return fetch(`${base}${request.path}${query}`, {
      method: request.method ?? "GET",
      ...(request.headers === undefined ? {} : { headers: request.headers }),
      ...(request.body === undefined ? {} : { body: request.body }),
    });
  };
}

export type Json = Record<string, unknown>;
