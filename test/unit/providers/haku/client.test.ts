import { describe, expect, it } from "vitest";
import type { ProviderRequest } from "#providers/types.ts";
import {
  CLIENT_ID,
  CLIENT_SECRET,
  drain,
  failure,
  hakuEvent,
  json,
  NOW,
  stubFetch,
  tokenAnswer,
} from "./fixtures.ts";

const eventsRun = { syncType: "events" } as const;
const oneEvent = () => json(200, [hakuEvent("e1")]);
const messageOf = (error: unknown) => String((error as Error).message);

describe("Haku auth", () => {
  it("asks the auth host for a client-credentials token, unlimited, with HTTP Basic", async () => {
    // Prepare
    const { fetch, tokenCalls } = stubFetch(oneEvent);

    // Act
    await drain({ ...eventsRun, fetch });

    // Assess
    const basic = Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString("base64");
    expect(tokenCalls()).toEqual([
      {
        method: "POST",
        host: "auth",
        path: "/oauth2/token",
        limited: false,
        headers: {
          authorization: `Basic ${basic}`,
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
        },
        body: "grant_type=client_credentials",
      },
    ]);
  });

  it("sends the token raw in Authorization, without Bearer", async () => {
    // Prepare
    const { fetch, apiCalls } = stubFetch(oneEvent);

    // Act
    await drain({ ...eventsRun, fetch });

    // Assess
    expect(apiCalls()[0]?.headers).toEqual({ authorization: "tok-1", accept: "application/json" });
  });

  it("reuses a connection's token across runs until its last minute, 3600 s when Haku gives no lifetime", async () => {
    // Prepare
    const { fetch, tokenCalls, apiCalls } = stubFetch(oneEvent, () => tokenAnswer("tok-a", undefined));
    const later = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);

    // Act
    await drain({ ...eventsRun, fetch, connectionId: "reuse", now: NOW });
    await drain({ ...eventsRun, fetch, connectionId: "reuse", now: later(58) });
    await drain({ ...eventsRun, fetch, connectionId: "reuse", now: later(59.5) });

    // Assess
    expect(tokenCalls()).toHaveLength(2);
    expect(apiCalls()).toHaveLength(3);
  });

  it("forgets a token the API refuses with 401 and retries once with a new one", async () => {
    // Prepare
    const { fetch, apiCalls, tokenCalls } = stubFetch((request: ProviderRequest) =>
      request.headers?.authorization === "tok-1" ? json(401, { message: "Unauthorized" }) : oneEvent(),
    );

    // Act
    const pages = await drain({ ...eventsRun, fetch });

    // Assess
    expect(tokenCalls()).toHaveLength(2);
    expect(apiCalls().map((r) => r.headers?.authorization)).toEqual(["tok-1", "tok-2"]);
    expect(pages[0]?.entities.map((e) => e.id)).toEqual(["e1"]);
  });

  it("fails as rejected when a fresh token is refused too, naming the credentials but never their values", async () => {
    // Prepare
    const { fetch, apiCalls } = stubFetch(() => json(401, { message: `Unauthorized ${CLIENT_SECRET}` }));

    // Act
    const error = await failure({ ...eventsRun, fetch });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_REJECTED", status: 401 });
    expect(apiCalls()).toHaveLength(2);
    expect(messageOf(error)).toContain("clientSecret");
    expect(messageOf(error)).toContain("Unauthorized ***");
    expect(messageOf(error)).not.toContain(CLIENT_SECRET);
  });

  it.each([400, 401])(
    "turns Cognito's %i invalid_client into a rejection of the credentials",
    async (status) => {
      // Prepare
      const { fetch, apiCalls } = stubFetch(oneEvent, () =>
        json(status, { error: "invalid_client", message: `bad client ${CLIENT_ID}:${CLIENT_SECRET}` }),
      );

      // Act
      const error = await failure({ ...eventsRun, fetch });

      // Assess
      expect(error).toMatchObject({ code: "PROVIDER_REJECTED", status });
      expect(messageOf(error)).toMatch(/invalid_client.*client credentials were refused/);
      expect(messageOf(error)).not.toContain(CLIENT_SECRET);
      expect(messageOf(error)).not.toContain(CLIENT_ID);
      expect(apiCalls()).toEqual([]);
    },
  );

  it("treats a token answer without an access_token as malformed, without quoting it", async () => {
    // Prepare
    const { fetch } = stubFetch(oneEvent, () =>
      json(200, { token_type: "Bearer", secretish: CLIENT_SECRET }),
    );

    // Act
    const error = await failure({ ...eventsRun, fetch });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_MALFORMED" });
    expect(messageOf(error)).toContain("access_token");
    expect(messageOf(error)).not.toContain(CLIENT_SECRET);
  });
});

describe("Haku errors", () => {
  it.each([
    [429, "PROVIDER_RATE_LIMITED"],
    [403, "PROVIDER_REJECTED"],
    [400, "PROVIDER_REJECTED"],
    [500, "PROVIDER_UNAVAILABLE"],
    [503, "PROVIDER_UNAVAILABLE"],
  ])("types a %i from the API as %s", async (status, code) => {
    // Prepare
    const { fetch } = stubFetch(() => json(status, { message: "no" }));

    // Act
    const error = await failure({ ...eventsRun, fetch });

    // Assess
    expect(error).toMatchObject({ code });
  });

  it("masks a token the API echoes in an error", async () => {
    // Prepare
    const { fetch } = stubFetch((request) =>
      json(400, { message: `bad request for ${request.headers?.authorization}` }),
    );

    // Act
    const error = await failure({ ...eventsRun, fetch });

    // Assess
    expect(messageOf(error)).toContain("bad request for ***");
    expect(messageOf(error)).not.toContain("tok-1");
  });

  it("honours a Retry-After on a 429 the fetch did not handle", async () => {
    // Prepare
    const { fetch } = stubFetch(
      () =>
        new Response('{"message":"Too Many Requests"}', { status: 429, headers: { "retry-after": "30" } }),
    );

    // Act
    const error = await failure({ ...eventsRun, fetch });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_RATE_LIMITED", retryAfterMs: 30_000 });
  });

  it("treats an event list that is neither an array nor {events} as malformed", async () => {
    // Prepare
    const { fetch } = stubFetch(() => json(200, { data: [] }));

    // Act
    const error = await failure({ ...eventsRun, fetch });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_MALFORMED" });
    expect(messageOf(error)).toContain('{"events": [...]}');
  });

  it("treats an event row without an id as malformed, naming the row and field", async () => {
    // Prepare
    const { fetch } = stubFetch(() => json(200, [hakuEvent("e1"), { name: "no id" }]));

    // Act
    const error = await failure({ ...eventsRun, fetch });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_MALFORMED" });
    expect(messageOf(error)).toMatch(/row 1 of 2.*"id"/);
  });
});

describe("the connection a run carries", () => {
  it("is refused without credentials, before any call", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(oneEvent);

    // Act
    const error = await failure({ ...eventsRun, fetch, credentials: undefined });

    // Assess
    expect(error).toMatchObject({ code: "VALIDATION_ERROR" });
    expect(requests).toEqual([]);
  });

  it("is refused with settings off the schema, naming the field", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(oneEvent);

    // Act
    const error = await failure({ ...eventsRun, fetch, settings: { eventIds: ["has space"] } });

    // Assess
    expect(error).toMatchObject({ code: "VALIDATION_ERROR" });
    expect(messageOf(error)).toContain("settings.eventIds.0");
    expect(requests).toEqual([]);
  });
});
