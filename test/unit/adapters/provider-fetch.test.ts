import { describe, expect, it } from "vitest";
import { createProviderFetch } from "#adapters/provider-fetch.ts";
import {
  InvocationEndingError,
  PermitUnavailableError,
  ProviderRateLimitedError,
  ProviderRedirectError,
  ProviderUnavailableError,
  UncataloguedEndpointError,
} from "#core/errors.ts";
import type { CallPermits } from "#core/sync-job/call-permits.ts";

const NOW = 1_000_000;

/** Permits as the worker's CallPermits hands them out: counted, always granted. */
function countingPermits(throttles: number[] = []) {
  const taken: string[] = [];
  const permits: CallPermits = {
    take: async (request) => {
      taken.push(request.path);
    },
    pause: async (_request, until) => {
      throttles.push(until);
    },
    pauseOn429Ms: (request) => (request.path.startsWith("/windowed") ? 3_600_000 : undefined),
  };
  return { permits, taken };
}

function setup(
  respond: (url: string) => Response | Promise<Response>,
  cap: {
    maxPauseMs?: number;
    onPauseCapped?: (askedMs: number) => void;
    deadline?: number;
    hosts?: Record<string, string>;
  } = {},
) {
  const urls: string[] = [];
  const throttles: number[] = [];
  const { permits, taken } = countingPermits(throttles);
  const fetch = createProviderFetch({
    baseUrl: "http://provider.test/",
    timeoutMs: 1_000,
    permits,
    onResponse: () => {},
    clock: () => NOW,
    ...cap,
    fetchImpl: (async (input: string | URL | Request) => {
      urls.push(String(input));
      return respond(String(input));
    }) as typeof globalThis.fetch,
  });
  return { fetch, urls, throttles, taken };
}

describe("createProviderFetch", () => {
  it("starts no call in its invocation's last second: the job continues in a fresh one", async () => {
    const late = setup(() => new Response("[]"), { deadline: NOW + 900 });
    await expect(late.fetch({ path: "/v1/laps" })).rejects.toBeInstanceOf(InvocationEndingError);
    expect(late.urls).toEqual([]);

    const inTime = setup(() => new Response("[]"), { deadline: NOW + 5_000 });
    expect((await inTime.fetch({ path: "/v1/laps" })).status).toBe(200);
  });

  it("joins the base URL, path and raw query untouched", async () => {
    const { fetch, urls } = setup(() => new Response("[]"));
    await fetch({ path: "/v1/laps", query: "session_key=9161&lap_duration<90" });
    expect(urls).toEqual(["http://provider.test/v1/laps?session_key=9161&lap_duration<90"]);
  });

  it("sends a request naming one of the provider's hosts there, and refuses a host it does not have", async () => {
    const { fetch, urls, taken } = setup(() => new Response("{}"), {
      hosts: { auth: "http://auth.provider.test/oauth/" },
    });
    await fetch({ path: "/token", method: "POST", host: "auth", limited: false });
    await fetch({ path: "/v1/laps" });
    const unknown = await fetch({ path: "/token", host: "billing" }).catch((e: unknown) => e);

    expect(urls).toEqual(["http://auth.provider.test/oauth/token", "http://provider.test/v1/laps"]);
    expect(taken).toEqual(["/v1/laps"]);
    expect(unknown).toBeInstanceOf(UncataloguedEndpointError);
    expect(String(unknown)).toMatch(/no host "billing"/);
  });

  it("follows a redirect to one of the provider's own hosts without an allow-list", async () => {
    const { fetch, urls } = setup(
      (url) =>
        url.startsWith("http://provider.test/")
          ? new Response(null, { status: 302, headers: { location: "https://results.provider.test/v2/x" } })
          : new Response("[]"),
      { hosts: { results: "https://results.provider.test/v2" } },
    );
    expect((await fetch({ path: "/v1/results" })).status).toBe(200);
    expect(urls).toEqual(["http://provider.test/v1/results", "https://results.provider.test/v2/x"]);
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

  it("pauses for the provider's own rule when a 429 gives no Retry-After, else for a second", async () => {
    const { fetch, throttles } = setup(() => new Response("{}", { status: 429 }));
    const windowed = (await fetch({ path: "/windowed/clubs" }).catch(
      (e: unknown) => e,
    )) as ProviderRateLimitedError;
    const plain = (await fetch({ path: "/v1/meetings" }).catch(
      (e: unknown) => e,
    )) as ProviderRateLimitedError;
    expect([windowed.retryAfterMs, plain.retryAfterMs]).toEqual([3_600_000, 1_000]);
    expect(throttles).toEqual([NOW + 3_600_000, NOW + 1_000]);
  });

  it("pauses everyone when a successful answer says the budget is spent", async () => {
    const { fetch, throttles } = setup(
      () => new Response("[]", { headers: { "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "20" } }),
    );
    expect((await fetch({ path: "/v1/meetings" })).status).toBe(200);
    expect(throttles).toEqual([NOW + 20_000]);
  });

  it("caps a provider's pause and reports the cap", async () => {
    const capped: number[] = [];
    const { fetch, throttles } = setup(
      () => new Response("", { status: 429, headers: { "Retry-After": "86400" } }),
      { maxPauseMs: 900_000, onPauseCapped: (ms) => capped.push(ms) },
    );
    const error = (await fetch({ path: "/x" }).catch((e: unknown) => e)) as ProviderRateLimitedError;
    expect(error.retryAfterMs).toBe(900_000);
    expect(throttles).toEqual([NOW + 900_000]);
    expect(capped).toEqual([86_400_000]);
  });

  it("takes a permit for every limited call as it is sent, none for unlimited calls", async () => {
    const { fetch, taken } = setup(() => new Response("[]"));
    await fetch({ path: "/a" });
    await fetch({ path: "/token", limited: false });
    await fetch({ path: "/b" });
    expect(taken).toEqual(["/a", "/b"]);
  });

  it("sends nothing when no permit is free: the refusal reaches the run", async () => {
    const urls: string[] = [];
    const fetch = createProviderFetch({
      baseUrl: "http://provider.test",
      timeoutMs: 1_000,
      permits: {
        take: async () => {
          throw new PermitUnavailableError(60_000);
        },
        pause: async () => {},
        pauseOn429Ms: () => undefined,
      },
      onResponse: () => {},
      clock: () => NOW,
      fetchImpl: (async (input: string | URL | Request) => {
        urls.push(String(input));
        return new Response("[]");
      }) as typeof globalThis.fetch,
    });
    await expect(fetch({ path: "/a" })).rejects.toBeInstanceOf(PermitUnavailableError);
    expect(urls).toEqual([]);
  });

  it("reports a network failure as the provider being unavailable", async () => {
    const { fetch } = setup(() => {
      throw new TypeError("fetch failed");
    });
    await expect(fetch({ path: "/v1/meetings" })).rejects.toBeInstanceOf(ProviderUnavailableError);
  });
});

interface Sent {
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: unknown;
  readonly redirect: RequestInit["redirect"];
}

/** A provider answering from `respond`, recording what each call carried and the permits taken. */
function redirecting(
  respond: (url: URL, sent: Sent) => Response,
  extraOptions: Partial<Parameters<typeof createProviderFetch>[0]> = {},
) {
  const sent: Sent[] = [];
  const refused: string[] = [];
  const statuses: number[] = [];
  const { permits, taken } = countingPermits();
  const fetch = createProviderFetch({
    baseUrl: "https://api.provider.test",
    timeoutMs: 1_000,
    permits,
    onResponse: (_latency, status) => statuses.push(status),
    onRedirectRefused: (reason) => refused.push(reason),
    clock: () => NOW,
    ...extraOptions,
    fetchImpl: (async (input: string | URL | Request, init?: RequestInit) => {
      const call: Sent = {
        url: String(input),
        method: init?.method ?? "GET",
        headers: { ...(init?.headers as Record<string, string> | undefined) },
        body: init?.body,
        redirect: init?.redirect,
      };
      sent.push(call);
      return respond(new URL(call.url), call);
    }) as typeof globalThis.fetch,
  });
  return { fetch, sent, refused, statuses, permitsTaken: () => taken.length };
}

const redirect = (status: number, location: string) => new Response(null, { status, headers: { location } });

describe("createProviderFetch redirects", () => {
  it("follows a same-host redirect as a second call that takes its own permit", async () => {
    const { fetch, sent, permitsTaken, statuses } = redirecting((url) =>
      url.pathname === "/v1/old" ? redirect(301, "/v1/new?year=2026") : new Response("[]"),
    );

    const response = await fetch({ path: "/v1/old", query: "year=2026" });

    expect(await response.text()).toBe("[]");
    expect(sent.map((s) => s.url)).toEqual([
      "https://api.provider.test/v1/old?year=2026",
      "https://api.provider.test/v1/new?year=2026",
    ]);
    expect(sent.every((s) => s.redirect === "manual")).toBe(true);
    expect(permitsTaken()).toBe(2); // the first call and the hop, each its own
    expect(statuses).toEqual([301, 200]);
  });

  it("spends a permit on a hop even when the first call was not a limited one", async () => {
    const { fetch, permitsTaken } = redirecting((url) =>
      url.pathname === "/token" ? redirect(307, "/auth/token") : new Response("{}"),
    );

    await fetch({ path: "/token", method: "POST", body: "a=b", limited: false });

    expect(permitsTaken()).toBe(1);
  });

  it("refuses a redirect to another host, naming the host but not the URL's query", async () => {
    const { fetch, sent, refused } = redirecting(() => redirect(302, "https://evil.test/steal?token=s3cret"));

    const error = await fetch({ path: "/v1/sessions" }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ProviderRedirectError);
    expect((error as Error).message).toContain("evil.test");
    expect((error as Error).message).not.toContain("s3cret");
    expect((error as ProviderRedirectError).location).toBe("https://evil.test/steal");
    expect(sent).toHaveLength(1);
    expect(refused).toEqual(["host-not-allowed"]);
  });

  it("follows an allow-listed host, without the caller's credentials", async () => {
    const { fetch, sent, permitsTaken } = redirecting(
      (url) =>
        url.host === "cdn.provider.test" ? new Response("[]") : redirect(302, "https://cdn.provider.test/x"),
      { redirectHosts: ["CDN.provider.test"] },
    );

    await fetch({ path: "/v1/laps", headers: { Authorization: "Bearer tok", Cookie: "a=1", accept: "*/*" } });

    expect(sent.map((s) => s.url)).toEqual([
      "https://api.provider.test/v1/laps",
      "https://cdn.provider.test/x",
    ]);
    expect(sent[0]?.headers).toMatchObject({ Authorization: "Bearer tok", Cookie: "a=1" });
    expect(sent[1]?.headers).toEqual({ accept: "*/*" });
    expect(permitsTaken()).toBe(2);
  });

  it("refuses a downgrade from https to an allow-listed host over plain http", async () => {
    const { fetch, sent, refused } = redirecting(() => redirect(302, "http://cdn.provider.test/x"), {
      redirectHosts: ["cdn.provider.test"],
    });

    await expect(fetch({ path: "/v1/laps" })).rejects.toBeInstanceOf(ProviderRedirectError);
    expect(sent).toHaveLength(1);
    expect(refused).toEqual(["scheme-not-allowed"]);
  });

  it("refuses a redirect loop before calling the same URL twice", async () => {
    const { fetch, sent, refused } = redirecting((url) => redirect(302, url.pathname === "/a" ? "/b" : "/a"));

    await expect(fetch({ path: "/a" })).rejects.toThrow(/loop/);
    expect(sent.map((s) => new URL(s.url).pathname)).toEqual(["/a", "/b"]);
    expect(refused).toEqual(["loop"]);
  });

  it("follows at most maxRedirects hops", async () => {
    let n = 0;
    const { fetch, sent, refused, permitsTaken } = redirecting(() => redirect(307, `/hop/${++n}`), {
      maxRedirects: 2,
    });

    await expect(fetch({ path: "/start" })).rejects.toThrow(/more than 2 times/);
    expect(sent).toHaveLength(3);
    expect(permitsTaken()).toBe(3);
    expect(refused).toEqual(["too-many-redirects"]);
  });

  it("refuses a 3xx without a Location", async () => {
    const { fetch, refused } = redirecting(() => new Response(null, { status: 302 }));

    await expect(fetch({ path: "/x" })).rejects.toBeInstanceOf(ProviderRedirectError);
    expect(refused).toEqual(["no-location"]);
  });

  it("turns a POST into a GET without body on 303, and keeps both on 307", async () => {
    const { fetch, sent } = redirecting((url) => {
      if (url.pathname === "/see-other") return redirect(303, "/result");
      if (url.pathname === "/temporary") return redirect(307, "/result");
      return new Response("{}");
    });
    const post = {
      method: "POST" as const,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "a=b",
    };

    await fetch({ path: "/see-other", ...post });
    await fetch({ path: "/temporary", ...post });

    expect(sent.map((s) => [new URL(s.url).pathname, s.method, s.body])).toEqual([
      ["/see-other", "POST", "a=b"],
      ["/result", "GET", undefined],
      ["/temporary", "POST", "a=b"],
      ["/result", "POST", "a=b"],
    ]);
    expect(sent[1]?.headers).toEqual({});
    expect(sent[3]?.headers).toEqual(post.headers);
  });
});

describe("createProviderFetch timeout", () => {
  it("aborts a body that stalls after the headers arrived", async () => {
    // The fake sends headers and the first byte, then nothing: it ignores the signal on purpose.
    let cancelled = false;
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("[{"));
      },
      cancel() {
        cancelled = true;
      },
    });
    const fetch = createProviderFetch({
      baseUrl: "http://provider.test",
      timeoutMs: 20,
      permits: countingPermits().permits,
      onResponse: () => {},
      fetchImpl: (async () => new Response(stalled, { status: 200 })) as typeof globalThis.fetch,
    });

    const response = await fetch({ path: "/v1/laps" });

    await expect(response.text()).rejects.toMatchObject({ name: "TimeoutError" });
    expect(cancelled).toBe(true);
  });

  it("hands a body that arrives in time through unchanged", async () => {
    const { fetch } = setup(
      () => new Response('[{"a":1}]', { headers: { "content-type": "application/json" } }),
    );

    const response = await fetch({ path: "/v1/laps" });

    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual([{ a: 1 }]);
  });
});
