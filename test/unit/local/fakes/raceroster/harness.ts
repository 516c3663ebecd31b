import { afterEach } from "vitest";
import type { ProviderFetch } from "#providers/types.ts";
import {
  type FakeRaceRoster,
  type FakeRaceRosterOptions,
  fakeCredentials,
  startFakeRaceRoster,
} from "../../../../../local/fakes/raceroster/index.ts";

export const SECRET = "test-secret";
export const DEMO = fakeCredentials(SECRET, "demo");
/** The moment the fake's event dates are set from. */
export const DATA_START_MS = Date.parse("2026-03-10T18:20:00Z");

export { manualClock } from "../clock.ts";

const running: FakeRaceRoster[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((fake) => fake.stop()));
});

/** A fake on a free loopback port, stopped after the test. */
export async function startFake(options: Partial<FakeRaceRosterOptions> = {}): Promise<FakeRaceRoster> {
  const fake = await startFakeRaceRoster({ secret: SECRET, dataStartMs: DATA_START_MS, ...options });
  running.push(fake);
  return fake;
}

export interface Answer {
  readonly status: number;
  readonly body: unknown;
}

export type Json = Record<string, unknown>;

/** One request; `form` is sent form-encoded, `body` as JSON. */
export async function call(
  fake: { readonly url: string },
  path: string,
  options: { token?: string; method?: string; body?: unknown; form?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.form !== undefined) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(options.form).toString();
  } else if (options.body !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  const response = await fetch(`${fake.url}${path}`, { method: options.method ?? "GET", headers, body });
  const text = await response.text();
  return { status: response.status, body: text === "" ? undefined : JSON.parse(text) };
}

/** The access_token grant for `credentials`, as Race Roster's clients send it. */
export const grant = (credentials: typeof DEMO) => ({
  grant_type: "access_token",
  client_id: credentials.clientId,
  client_secret: credentials.clientSecret,
  username: credentials.username,
  password: credentials.password,
});

/** A token for the demo account. */
export async function tokenOf(fake: FakeRaceRoster, credentials = DEMO): Promise<string> {
  const answer = await call(fake, "/_auth/authorize", { method: "POST", form: grant(credentials) });
  return (answer.body as { data: { access_token: string } }).data.access_token;
}

/**
 * A ProviderFetch straight to the fake, the auth host at `/_auth`, as the stand-in points it;
 * `beforeCall` runs before each (a test's stand-in for the limiter's pacing).
 */
export function fetchTo(fake: FakeRaceRoster, beforeCall: () => void = () => {}): ProviderFetch {
  return (request) => {
    beforeCall();
    return fetch(
      `${fake.url}${request.host === "auth" ? "/_auth" : ""}${request.path}${request.query ? `?${request.query}` : ""}`,
      { method: request.method ?? "GET", headers: request.headers ?? {}, body: request.body },
    );
  };
}
