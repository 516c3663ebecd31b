import { describe, expect, it } from "vitest";
import { createProviderFetch } from "#adapters/provider-fetch.ts";
import { ProviderRateLimitedError, ProviderUnavailableError } from "#core/errors.ts";

const NOW = 1_000_000;

function setup(
  respond: (url: string) => Response | Promise<Response>,
  prepaid = 1,
  cap: { maxPauseMs?: number; onPauseCapped?: (askedMs: number) => void } = {},
) {
  const urls: string[] = [];
  const throttles: number[] = [];
  let extra = 0;
  const fetch = createProviderFetch({
    baseUrl: "http://provider.test/",
    timeoutMs: 1_000,
    prepaid: { count: prepaid, usableUntil: NOW + 10 },
    acquireExtra: async () => {
      extra++;
    },
    onThrottled: async (until) => {
      throttles.push(until);
    },
    onResponse: () => {},
    clock: () => NOW,
    ...cap,
    fetchImpl: (async (input: string | URL | Request) => {
      urls.push(String(input));
      return respond(String(input));
    }) as typeof globalThis.fetch,
  });
  return { fetch, urls, throttles, extra: () => extra };
}

describe("createProviderFetch", () => {
  it("joins the base URL, path and raw query untouched", async () => {
    const { fetch, urls } = setup(() => new Response("[]"));
    await fetch({ path: "/v1/laps", query: "session_key=9161&lap_duration<90" });
    expect(urls).toEqual(["http://provider.test/v1/laps?session_key=9161&lap_duration<90"]);
  });

  it("turns a 429 into a shared pause for the Retry-After and a typed error", async () => {
    const { fetch, throttles } = setup(
      () => new Response("Rate exceeded", { status: 429, headers: { "Retry-After": "3" } }),
    );
    const error = await fetch({ path: "/v1/meetings" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderRateLimitedError);
    expect((error as ProviderRateLimitedError).retryAfterMs).toBe(3_000);
    expect(throttles).toEqual([NOW + 3_000]);
  });

  it("pauses everyone when a successful answer says the budget is spent", async () => {
    const { fetch, throttles } = setup(
      () => new Response("[]", { headers: { "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "20" } }),
    );
    expect((await fetch({ path: "/v1/meetings" })).status).toBe(200);
    expect(throttles).toEqual([NOW + 20_000]);
  });

  it("does not send on a prepaid permit that lapsed, but takes a fresh one", async () => {
    let extra = 0;
    let now = NOW;
    const fetch = createProviderFetch({
      baseUrl: "http://provider.test",
      timeoutMs: 1_000,
      prepaid: { count: 2, usableUntil: NOW + 10 },
      acquireExtra: async () => {
        extra++;
      },
      onThrottled: async () => {},
      onResponse: () => {},
      clock: () => now,
      fetchImpl: (async () => {
        now += 50; // each call takes 50 ms: the second prepaid permit has lapsed by then
        return new Response("[]");
      }) as typeof globalThis.fetch,
    });
    await fetch({ path: "/a" });
    expect(extra).toBe(0);
    await fetch({ path: "/b" });
    expect(extra).toBe(1);
  });

  it("caps a provider's pause and reports the cap", async () => {
    const capped: number[] = [];
    const { fetch, throttles } = setup(
      () => new Response("", { status: 429, headers: { "Retry-After": "86400" } }),
      1,
      { maxPauseMs: 900_000, onPauseCapped: (ms) => capped.push(ms) },
    );
    const error = (await fetch({ path: "/x" }).catch((e: unknown) => e)) as ProviderRateLimitedError;
    expect(error.retryAfterMs).toBe(900_000);
    expect(throttles).toEqual([NOW + 900_000]);
    expect(capped).toEqual([86_400_000]);
  });

  it("takes a permit for every limited call beyond the prepaid ones, none for unlimited calls", async () => {
    const { fetch, extra } = setup(() => new Response("[]"), 1);
    await fetch({ path: "/a" });
    await fetch({ path: "/token", limited: false });
    expect(extra()).toBe(0);
    await fetch({ path: "/b" });
    expect(extra()).toBe(1);
  });

  it("reports a network failure as the provider being unavailable", async () => {
    const { fetch } = setup(() => {
      throw new TypeError("fetch failed");
    });
    await expect(fetch({ path: "/v1/meetings" })).rejects.toBeInstanceOf(ProviderUnavailableError);
  });
});
