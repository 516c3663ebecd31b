import { describe, expect, it } from "vitest";
import { TokenCache } from "#providers/race/token-cache.ts";

const HOUR = 3_600_000;
const club = { connectionId: "conn-a", credentials: { clientId: "id", clientSecret: "s1" } };

/** An issuer that counts its requests and numbers its tokens. */
function issuer(expiresInMs = HOUR) {
  let issued = 0;
  return {
    issue: async () => ({ accessToken: `token-${++issued}`, expiresInMs }),
    count: () => issued,
  };
}

describe("TokenCache", () => {
  it("reuses a connection's token until its last minute, then asks for a new one", async () => {
    const cache = new TokenCache();
    const { issue, count } = issuer();

    const first = await cache.token(club, 0, issue);
    const later = await cache.token(club, HOUR - 61_000, issue);
    const nearExpiry = await cache.token(club, HOUR - 30_000, issue);

    expect([first, later, nearExpiry]).toEqual(["token-1", "token-1", "token-2"]);
    expect(count()).toBe(2);
  });

  it("never hands one connection's token to another, nor to rotated credentials", async () => {
    const cache = new TokenCache();
    const { issue } = issuer();

    const a = await cache.token(club, 0, issue);
    const b = await cache.token({ ...club, connectionId: "conn-b" }, 0, issue);
    const rotated = await cache.token(
      { ...club, credentials: { clientId: "id", clientSecret: "s2" } },
      0,
      issue,
    );

    expect(new Set([a, b, rotated]).size).toBe(3);
  });

  it("shares one request between concurrent runs, and asks again after a refusal is forgotten", async () => {
    const cache = new TokenCache();
    const { issue, count } = issuer();

    const both = await Promise.all([cache.token(club, 0, issue), cache.token(club, 0, issue)]);
    cache.forget(club);
    const after = await cache.token(club, 0, issue);

    expect(both).toEqual(["token-1", "token-1"]);
    expect(after).toBe("token-2");
    expect(count()).toBe(2);
  });

  it("keeps no token whose request failed", async () => {
    const cache = new TokenCache();
    const failing = async () => {
      throw new Error("401 invalid_client");
    };

    await expect(cache.token(club, 0, failing)).rejects.toThrow(/invalid_client/);
    expect(await cache.token(club, 0, issuer().issue)).toBe("token-1");
  });
});
