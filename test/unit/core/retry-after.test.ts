import { describe, expect, it } from "vitest";
import { retryAfterMs, withJitter } from "#core/retry-after.ts";

const now = Date.parse("2026-11-29T12:00:00Z");
const h = (init: Record<string, string>) => new Headers(init);

describe("retryAfterMs", () => {
  it("reads Retry-After as seconds", () => expect(retryAfterMs(h({ "Retry-After": "7" }), now)).toBe(7_000));
  it("reads Retry-After as an HTTP date", () =>
    expect(retryAfterMs(h({ "Retry-After": "Sun, 29 Nov 2026 12:00:30 GMT" }), now)).toBe(30_000));
  it("reads an exhausted X-RateLimit budget with a reset in seconds from now", () =>
    expect(retryAfterMs(h({ "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "12" }), now)).toBe(12_000));
  it("reads an exhausted budget with an epoch-seconds reset", () =>
    expect(
      retryAfterMs(h({ "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": String(now / 1000 + 5) }), now),
    ).toBe(5_000));
  it("says nothing while budget remains", () =>
    expect(
      retryAfterMs(h({ "X-RateLimit-Remaining": "3", "X-RateLimit-Reset": "12" }), now),
    ).toBeUndefined());
  it("says nothing without headers", () => expect(retryAfterMs(h({}), now)).toBeUndefined());
});

describe("withJitter", () => {
  it("never shortens a wait and spreads callers", () => {
    expect(withJitter(1_000, () => 0)).toBe(1_000);
    expect(withJitter(1_000, () => 0.99)).toBeGreaterThan(1_100);
  });
});
