import { describe, expect, it } from "vitest";
import { ProviderRateLimitedError } from "#core/errors.ts";
import {
  CREDENTIALS,
  drain,
  event,
  failure,
  freshConnection,
  json,
  stubFetch,
  tokenAnswer,
} from "./fixtures.ts";

const oneEvent = () => json(200, { data: [event(7301)] });

describe("the token grant", () => {
  it("posts the access_token grant, form encoded, with all four credentials, to the auth host, unlimited", async () => {
    // Prepare
    const { fetch, tokenRequests } = stubFetch(oneEvent);

    // Act
    await drain({ syncType: "events", fetch });

    // Assess
    expect(tokenRequests).toHaveLength(1);
    const [request] = tokenRequests;
    expect(request).toMatchObject({
      method: "POST",
      host: "auth",
      path: "/authorize",
      limited: false,
      headers: expect.objectContaining({ "content-type": "application/x-www-form-urlencoded" }),
    });
    expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
      grant_type: "access_token",
      client_id: CREDENTIALS.clientId,
      client_secret: CREDENTIALS.clientSecret,
      username: CREDENTIALS.username,
      password: CREDENTIALS.password,
    });
  });

  it.each([
    ["an envelope object", { data: { access_token: "tok-a", expires_in: 3600 } }],
    ["an envelope array", { data: [{ access_token: "tok-a", expires_in: 3600 }] }],
    ["a bare object", { access_token: "tok-a", token_type: "Bearer" }],
  ])("unwraps the token from %s and sends it as a Bearer header", async (_, answer) => {
    // Prepare
    const { fetch, requests } = stubFetch(oneEvent, () => json(200, answer));

    // Act
    await drain({ syncType: "events", fetch });

    // Assess
    expect(requests[0]?.headers?.authorization).toBe("Bearer tok-a");
  });

  it("reuses the connection's token for later runs within its lifetime (24 h when none is given)", async () => {
    // Prepare
    const connectionId = freshConnection();
    const { fetch, tokenRequests } = stubFetch(oneEvent, () => json(200, tokenAnswer("tok", undefined)));

    // Act
    await drain({ syncType: "events", fetch, connectionId });
    await drain({ syncType: "events", fetch, connectionId, now: new Date("2026-03-11T17:00:00Z") });
    await drain({ syncType: "events", fetch, connectionId, now: new Date("2026-03-11T18:00:00Z") });

    // Assess: 23 h on it is still good; at 24 h a new one is asked for.
    expect(tokenRequests).toHaveLength(2);
  });

  it("forgets a token the API refuses and tries once more with a new one", async () => {
    // Prepare
    let calls = 0;
    const { fetch, requests, tokenRequests } = stubFetch(() =>
      ++calls === 1 ? json(401, { message: "Unauthenticated." }) : oneEvent(),
    );

    // Act
    const pages = await drain({ syncType: "events", fetch });

    // Assess
    expect(tokenRequests).toHaveLength(2);
    expect(requests.map((r) => r.headers?.authorization)).toEqual(["Bearer token-1", "Bearer token-2"]);
    expect(pages[0]?.entities).toHaveLength(2);
  });

  it("gives up when a fresh token is refused too, pointing at the credentials", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(() => json(401, { message: "Unauthenticated." }));

    // Act
    const error = await failure({ syncType: "events", fetch });

    // Assess
    expect(requests).toHaveLength(2);
    expect(error).toMatchObject({ code: "PROVIDER_REJECTED", status: 401 });
    expect((error as Error).message).toMatch(/clientId, clientSecret, username and password/);
  });

  it("reports refused credentials with Race Roster's OAuth words and never a credential", async () => {
    // Prepare: a server that echoes the secret back must not get it into the error.
    const body = { error: "invalid_client", error_description: `Client ${CREDENTIALS.clientSecret} unknown` };
    const { fetch, requests } = stubFetch(oneEvent, () => json(401, body));

    // Act
    const error = await failure({ syncType: "events", fetch });

    // Assess
    expect(requests).toEqual([]);
    expect(error).toMatchObject({ code: "PROVIDER_REJECTED", status: 401 });
    const text = (error as Error).message;
    expect(text).toMatch(/auth:\/authorize answered 401 \(invalid_client: Client \*\*\* unknown\)/);
    for (const secret of Object.values(CREDENTIALS)) expect(text).not.toContain(secret);
  });

  it("never quotes a token answer it cannot read", async () => {
    // Prepare
    const { fetch } = stubFetch(oneEvent, () => json(200, { data: { token: "leaky-token-value" } }));

    // Act
    const error = await failure({ syncType: "events", fetch });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_MALFORMED" });
    expect((error as Error).message).not.toContain("leaky-token-value");
  });

  it("refuses a connection without credentials, or with one missing, naming it", async () => {
    // Prepare
    const { fetch, tokenRequests } = stubFetch(oneEvent);
    const { password: _, ...partial } = CREDENTIALS;

    // Act
    const none = await failure({ syncType: "events", fetch, credentials: undefined });
    const missing = await failure({ syncType: "events", fetch, credentials: partial });

    // Assess
    expect(none).toMatchObject({ code: "VALIDATION_ERROR" });
    expect((missing as Error).message).toMatch(/credentials\.password/);
    expect(tokenRequests).toEqual([]);
  });
});

describe("API errors", () => {
  it.each([
    [
      400,
      { message: "The given data was invalid." },
      "PROVIDER_REJECTED",
      /answered 400 \(The given data was invalid\.\)/,
    ],
    [403, { message: "Forbidden" }, "PROVIDER_REJECTED", /403 \(Forbidden\).*may not see this/],
    [500, { message: "Server error" }, "PROVIDER_UNAVAILABLE", /answered 500/],
    [503, "<html>down</html>", "PROVIDER_UNAVAILABLE", /answered 503/],
  ])("maps %i to %s", async (status, body, code, text) => {
    // Prepare
    const { fetch } = stubFetch(() =>
      typeof body === "string" ? new Response(body, { status }) : json(status, body),
    );

    // Act
    const error = await failure({ syncType: "events", fetch });

    // Assess
    expect(error).toMatchObject({ code });
    expect((error as Error).message).toMatch(text);
  });

  it("turns a 429 into a rate-limited error with its Retry-After", async () => {
    // Prepare
    const { fetch } = stubFetch(() => json(429, { message: "Too Many Requests" }, { "retry-after": "7" }));

    // Act
    const error = await failure({ syncType: "events", fetch });

    // Assess
    expect(error).toBeInstanceOf(ProviderRateLimitedError);
    expect(error).toMatchObject({ retryAfterMs: 7_000 });
  });

  it("passes on the rate-limited error Pacer's fetch throws for a 429", async () => {
    // Prepare
    const { fetch } = stubFetch(() => {
      throw new ProviderRateLimitedError(2_000);
    });

    // Act
    const error = await failure({ syncType: "events", fetch });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_RATE_LIMITED", retryAfterMs: 2_000 });
  });

  it("fails as unavailable when Race Roster cannot be reached", async () => {
    // Prepare
    const { fetch } = stubFetch(() => {
      throw new TypeError("fetch failed");
    });

    // Act
    const error = await failure({ syncType: "events", fetch });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_UNAVAILABLE" });
  });
});
