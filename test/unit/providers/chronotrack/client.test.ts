import { describe, expect, it } from "vitest";
import {
  CREDENTIALS,
  drain,
  EVENT_90001,
  failure,
  json,
  PASSWORD_SHA1,
  queryParam,
  RACES_90001,
  stubFetch,
} from "./fixtures.ts";

const eventsRun = { syncType: "events" } as const;
/** Every form a credential could leak in. */
const SECRETS = [
  CREDENTIALS.clientId,
  CREDENTIALS.userId,
  encodeURIComponent(CREDENTIALS.userId),
  CREDENTIALS.password,
  PASSWORD_SHA1,
];
const echoedQuery = `client_id=${CREDENTIALS.clientId}&user_id=${encodeURIComponent(CREDENTIALS.userId)}&user_pass=${PASSWORD_SHA1}`;

const anyEvent = (path: string) =>
  path.endsWith("/race") ? json(200, { event_race: RACES_90001 }) : json(200, { event: EVENT_90001 });

describe("ChronoTrack's simple auth", () => {
  it("sends format=json, client_id, user_id and the password's SHA-1 in the query, and never the password", async () => {
    // Prepare
    const { fetch, requests } = stubFetch((request) => anyEvent(request.path));

    // Act
    await drain({ ...eventsRun, fetch });

    // Assess
    expect(requests.length).toBe(2);
    for (const request of requests) {
      expect(queryParam(request, "format")).toBe("json");
      expect(queryParam(request, "client_id")).toBe(CREDENTIALS.clientId);
      expect(queryParam(request, "user_id")).toBe(CREDENTIALS.userId);
      expect(queryParam(request, "user_pass")).toBe(PASSWORD_SHA1);
      expect(request.query).not.toContain(CREDENTIALS.password);
      expect(JSON.stringify(request.headers)).not.toContain(CREDENTIALS.password);
    }
  });

  it.each([401, 403])(
    "turns a %i into a rejection naming the credentials to check, never quoting them",
    async (status) => {
      // Prepare: an error page echoing the request's query must not carry it into the error.
      const { fetch } = stubFetch(() => json(status, { error: `bad login for ?${echoedQuery}` }));

      // Act
      const error = await failure({ ...eventsRun, fetch });

      // Assess
      expect(error).toMatchObject({ code: "PROVIDER_REJECTED", status });
      expect(error.message).toMatch(
        /ChronoTrack \/event\/90001 answered \d+: the credentials were refused.*clientId, userId and password/,
      );
      for (const secret of SECRETS) expect(error.message).not.toContain(secret);
    },
  );

  it("is refused without credentials, before any call", async () => {
    // Prepare
    const { fetch, requests } = stubFetch((request) => anyEvent(request.path));

    // Act
    const error = await failure({ ...eventsRun, fetch, credentials: undefined });

    // Assess
    expect(error).toMatchObject({ code: "VALIDATION_ERROR" });
    expect(requests).toEqual([]);
  });

  it("names the credential field at fault, never its value", async () => {
    // Prepare
    const { fetch, requests } = stubFetch((request) => anyEvent(request.path));

    // Act
    const error = await failure({
      ...eventsRun,
      fetch,
      credentials: { ...CREDENTIALS, userId: "has space" },
    });

    // Assess
    expect(error).toMatchObject({ code: "VALIDATION_ERROR" });
    expect(error.message).toContain("credentials.userId");
    expect(error.message).not.toContain("has space");
    expect(requests).toEqual([]);
  });
});

describe("ChronoTrack's errors", () => {
  it("names the event when ChronoTrack does not know it", async () => {
    // Prepare
    const { fetch } = stubFetch(() => json(404, { error: "Event not found" }));

    // Act
    const error = await failure({ ...eventsRun, fetch });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_REJECTED", status: 404 });
    expect(error.message).toMatch(/event 90001 not found; check the connection's eventIds setting/);
  });

  it("treats a 5xx as unavailable, scrubbing any credential its page echoes", async () => {
    // Prepare
    const { fetch } = stubFetch(() =>
      json(503, { error: `upstream failed for /api/event/90001?${echoedQuery}` }),
    );

    // Act
    const error = await failure({ ...eventsRun, fetch });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_UNAVAILABLE" });
    expect(error.message).toContain("upstream failed");
    for (const secret of SECRETS) expect(error.message).not.toContain(secret);
  });

  it("treats a 200 that is not JSON as malformed, scrubbing what it quotes", async () => {
    // Prepare: an HTML page (ChronoTrack's XML default would do the same).
    const html = `<html><body>Login at /api/event?${echoedQuery}</body></html>`;
    const { fetch } = stubFetch(
      () => new Response(html, { status: 200, headers: { "content-type": "text/html" } }),
    );

    // Act
    const error = await failure({ ...eventsRun, fetch });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_MALFORMED" });
    for (const secret of SECRETS) expect(error.message).not.toContain(secret);
  });

  it("treats JSON without the documented wrapper as malformed, naming what is missing", async () => {
    // Prepare
    const { fetch } = stubFetch((request) =>
      request.path.endsWith("/race") ? json(200, { races: RACES_90001 }) : json(200, { event: EVENT_90001 }),
    );

    // Act
    const error = await failure({ ...eventsRun, fetch });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_MALFORMED" });
    expect(error.message).toContain('"event_race"');
  });

  it("turns a 429 that reached the module into a rate-limit error with its Retry-After", async () => {
    // Prepare: Pacer's fetch normally does this itself; ChronoTrack documents no 429 body.
    const { fetch } = stubFetch(() => json(429, { error: "Too Many Requests" }, { "retry-after": "7" }));

    // Act
    const error = await failure({ ...eventsRun, fetch });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_RATE_LIMITED", retryAfterMs: 7_000 });
  });
});
