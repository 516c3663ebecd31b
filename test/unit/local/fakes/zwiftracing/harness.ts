import { afterEach } from "vitest";
import {
  type FakeZwiftRacing,
  type FakeZwiftRacingOptions,
  startFakeZwiftRacing,
} from "../../../../../local/fakes/zwiftracing/index.ts";

export const SECRET = "test-secret";

export { manualClock } from "../clock.ts";

const running: FakeZwiftRacing[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((fake) => fake.stop()));
});

/** A fake on a free loopback port, stopped after the test. */
export async function startFake(options: Partial<FakeZwiftRacingOptions> = {}): Promise<FakeZwiftRacing> {
  const fake = await startFakeZwiftRacing({ secret: SECRET, ...options });
  running.push(fake);
  return fake;
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

/** One request, as Pacer's module makes them: the raw key in `Authorization`, JSON bodies. */
export async function call(
  fake: { readonly url: string },
  path: string,
  { key, method = "GET", body }: { key?: string; method?: string; body?: unknown } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (key !== undefined) headers.authorization = key;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${fake.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

export type Json = Record<string, unknown>;
