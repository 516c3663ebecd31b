/**
 * Response reuse in the provider's HTTP client: a read answered recently enough to the same
 * tenant's credential costs no permit and no call; anything else goes to the provider.
 */
import { describe, expect, it } from "vitest";
import { createProviderFetch } from "#adapters/provider-fetch.ts";
import {
  type CachedResponse,
  type ResponseCache,
  type ResponseKey,
  type ResponseReuse,
  replay,
} from "#adapters/response-reuse.ts";
import type { CallPermits } from "#core/sync-job/call-permits.ts";
import type { ProviderRequest } from "#providers/types.ts";

const MINUTE = 60_000;

class MemoryCache implements ResponseCache {
  readonly kept = new Map<string, CachedResponse>();
  failing = false;
  async get(key: ResponseKey) {
    if (this.failing) throw new Error("DynamoDB unavailable");
    return this.kept.get(`${key.tenantId}/${key.hash}`);
  }
  async put(key: ResponseKey, response: CachedResponse) {
    if (this.failing) throw new Error("DynamoDB unavailable");
    this.kept.set(`${key.tenantId}/${key.hash}`, response);
  }
}

/** One leg's client over a shared cache: what a worker builds per job. */
function client(
  cache: MemoryCache,
  env: { now: () => number; answer?: () => Response },
  reuse: Partial<Omit<ResponseReuse, "cache">> = {},
) {
  const sent: string[] = [];
  const permitted: string[] = [];
  const reused: number[] = [];
  const permits: CallPermits = {
    take: async (request) => {
      permitted.push(request.path);
    },
    pause: async () => {},
    pauseOn429Ms: () => undefined,
  };
  const fetch = createProviderFetch({
    baseUrl: "http://provider.test",
    timeoutMs: 1_000,
    permits,
    onResponse: () => {},
    clock: env.now,
    reuse: {
      cache,
      tenantId: "acme",
      budgetKey: "k-acme",
      maxAgeMs: () => 5 * MINUTE,
      keepMs: 15 * MINUTE,
      onReuse: () => reused.push(env.now()),
      ...reuse,
    },
    fetchImpl: (async (input: string | URL | Request) => {
      sent.push(String(input));
      return env.answer?.() ?? Response.json([{ id: sent.length }], { headers: { "x-total": "1" } });
    }) as typeof globalThis.fetch,
  });
  return { fetch, sent, permitted, reused };
}

const riders: ProviderRequest = { path: "/public/riders/42" };

describe("createProviderFetch with response reuse", () => {
  it("answers a repeated read from the cache: no permit, no call, the same body and headers", async () => {
    // Prepare
    const cache = new MemoryCache();
    let now = 1_000_000;
    const first = client(cache, { now: () => now });
    await (await first.fetch(riders)).json();
    now += 4 * MINUTE;
    const second = client(cache, { now: () => now });
    // Act
    const answer = await second.fetch(riders);
    // Assess
    expect(await answer.json()).toEqual([{ id: 1 }]);
    expect(answer.headers.get("x-total")).toBe("1");
    expect(second.sent).toEqual([]);
    expect(second.permitted).toEqual([]);
    expect(second.reused).toHaveLength(1);
  });

  it("calls again once the kept answer is older than the leg allows", async () => {
    // Prepare
    const cache = new MemoryCache();
    let now = 1_000_000;
    await client(cache, { now: () => now }).fetch(riders);
    now += 5 * MINUTE + 1;
    const later = client(cache, { now: () => now });
    // Act
    const answer = await later.fetch(riders);
    // Assess
    expect(await answer.json()).toEqual([{ id: 1 }]);
    expect(later.sent).toHaveLength(1);
    expect(later.permitted).toEqual(["/public/riders/42"]);
  });

  it("never answers another credential or another tenant from the cache", async () => {
    // Prepare
    const cache = new MemoryCache();
    const now = () => 1_000_000;
    await client(cache, { now }).fetch(riders);
    const otherKey = client(cache, { now }, { budgetKey: "k-other" });
    const otherTenant = client(cache, { now }, { tenantId: "globex" });
    // Act
    await otherKey.fetch(riders);
    await otherTenant.fetch(riders);
    // Assess
    expect(otherKey.sent).toHaveLength(1);
    expect(otherTenant.sent).toHaveLength(1);
  });

  it("keeps no answer but a 200, and reuses none for a call that asks not to", async () => {
    // Prepare
    const cache = new MemoryCache();
    const now = () => 1_000_000;
    const failing = client(cache, { now, answer: () => new Response("not found", { status: 404 }) });
    await failing.fetch(riders);
    await client(cache, { now }).fetch({ path: "/public/riders/7" });
    const fresh = client(cache, { now });
    // Act
    const notFound = await client(cache, { now }).fetch(riders);
    await fresh.fetch({ path: "/public/riders/7", headers: { "Cache-Control": "no-cache" } });
    // Assess
    expect(notFound.status).toBe(200);
    expect(cache.kept.size).toBe(2);
    expect(fresh.sent).toHaveLength(1);
  });

  it("keeps no answer to an unlimited call (a token request), nor to a write", async () => {
    // Prepare
    const cache = new MemoryCache();
    const now = () => 1_000_000;
    const leg = client(cache, { now });
    // Act
    await leg.fetch({ path: "/oauth/token", method: "POST", body: "grant_type=x", limited: false });
    await leg.fetch({ path: "/public/riders/42", method: "PUT", body: "{}" });
    // Assess
    expect(cache.kept.size).toBe(0);
  });

  it("keys a bulk read by its body: the same ids reuse, others call", async () => {
    // Prepare
    const cache = new MemoryCache();
    const now = () => 1_000_000;
    const bulk = (ids: number[]): ProviderRequest => ({
      path: "/public/riders",
      method: "POST",
      body: JSON.stringify(ids),
    });
    await client(cache, { now }).fetch(bulk([1, 2]));
    const leg = client(cache, { now });
    // Act
    await leg.fetch(bulk([1, 2]));
    await leg.fetch(bulk([1, 3]));
    // Assess
    expect(leg.sent).toHaveLength(1);
  });

  it("goes to the provider when the cache fails", async () => {
    // Prepare
    const cache = new MemoryCache();
    cache.failing = true;
    const leg = client(cache, { now: () => 1_000_000 });
    // Act
    const answer = await leg.fetch(riders);
    // Assess
    expect(answer.status).toBe(200);
    expect(leg.sent).toHaveLength(1);
  });

  it("replays a kept answer as often as asked", async () => {
    // Prepare
    const kept: CachedResponse = {
      status: 200,
      headers: {},
      body: new TextEncoder().encode("[1]"),
      fetchedAt: 0,
    };
    // Act
    const bodies = [await replay(kept).text(), await replay(kept).text()];
    // Assess
    expect(bodies).toEqual(["[1]", "[1]"]);
  });
});
