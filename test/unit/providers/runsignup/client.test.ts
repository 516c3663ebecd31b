import { describe, expect, it } from "vitest";
import {
  API_KEY,
  API_SECRET,
  drain,
  failure,
  json,
  participantsBody,
  queryOf,
  raceBody,
  rsuError,
  stubFetch,
} from "./fixtures.ts";

const oneEvent = { syncType: "participants", params: { raceId: "20261", eventId: "61001" } } as const;

describe("RunSignUp client", () => {
  it("sends the API v2 key in the query and the secret in X-RSU-API-SECRET, always asking for JSON", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(() => json(200, raceBody()));

    // Act
    await drain({ syncType: "races", fetch });

    // Assess
    const query = queryOf(requests[0]);
    expect(query.get("rsu_api_key")).toBe(API_KEY);
    expect(query.get("format")).toBe("json");
    expect(query.has("api_secret")).toBe(false);
    expect(requests[0]?.headers).toMatchObject({ "x-rsu-api-secret": API_SECRET });
    expect(requests[0]?.query).not.toContain(API_SECRET);
  });

  it.each([200, 401])(
    "turns error 6 (HTTP %i) into a rejection naming the credentials, never their values",
    async (status) => {
      // Prepare: a message echoing the key must not carry it into the error.
      const { fetch } = stubFetch(() =>
        json(status, rsuError(6, `Key authentication failed for ${API_KEY}`)),
      );

      // Act
      const error = await failure({ syncType: "races", fetch });

      // Assess
      expect(error).toMatchObject({ code: "PROVIDER_REJECTED", status: 401 });
      const message = (error as Error).message;
      expect(message).toContain("apiKey");
      expect(message).toContain("apiSecret");
      expect(message).not.toContain(API_KEY);
      expect(message).not.toContain(API_SECRET);
    },
  );

  it("turns error 7 into a permission refusal naming the race", async () => {
    // Prepare
    const { fetch } = stubFetch(() => json(200, rsuError(7, "Permission Denied")));

    // Act
    const error = await failure({ syncType: "races", fetch });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_REJECTED", status: 403 });
    expect((error as Error).message).toContain("race 20261");
  });

  it.each([223, 15])(
    "turns error %i on participants into not found, naming the event and race",
    async (code) => {
      // Prepare
      const { fetch } = stubFetch(() => json(200, rsuError(code, "Event id not valid.")));

      // Act
      const error = await failure({ ...oneEvent, fetch });

      // Assess
      expect(error).toMatchObject({ code: "PROVIDER_REJECTED", status: 404 });
      expect((error as Error).message).toContain("event 61001 of race 20261");
    },
  );

  it("turns error 3 into a rejection a retry would not fix", async () => {
    // Prepare
    const { fetch } = stubFetch(() => json(200, rsuError(3, "Invalid parameters.")));

    // Act
    const error = await failure({ ...oneEvent, fetch });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_REJECTED", status: 400, disposition: "fail" });
    expect((error as Error).message).toContain("Invalid parameters.");
  });

  it.each([200, 429])("turns error 14 (HTTP %i) into a rate limit of 60 s", async (status) => {
    // Prepare
    const { fetch } = stubFetch(() => json(status, rsuError(14, "Request throttled.")));

    // Act
    const error = await failure({ syncType: "races", fetch });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_RATE_LIMITED", retryAfterMs: 60_000 });
  });

  it.each([4, 5])("turns error %i into unavailable, for a retry", async (code) => {
    // Prepare
    const { fetch } = stubFetch(() => json(200, rsuError(code, "Database error")));

    // Act
    const error = await failure({ syncType: "races", fetch });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_UNAVAILABLE", disposition: "retry" });
  });

  it("treats XML (format=json ignored) and a participants body off the documented shape as malformed", async () => {
    // Prepare
    const xml = stubFetch(
      () => new Response("<race><race_id>1</race_id></race>", { headers: { "content-type": "text/xml" } }),
    );
    const offShape = stubFetch(() => json(200, participantsBody([{ registration_id: "abc" }])));

    // Act
    const errors = [
      await failure({ syncType: "races", fetch: xml.fetch }),
      await failure({ ...oneEvent, fetch: offShape.fetch }),
    ];

    // Assess
    expect(errors).toMatchObject([{ code: "PROVIDER_MALFORMED" }, { code: "PROVIDER_MALFORMED" }]);
    expect((errors[1] as Error).message).toContain("registration_id");
  });

  it("passes a 5xx without an error body on as unavailable, naming the call by its path only", async () => {
    // Prepare
    const { fetch } = stubFetch(() => new Response("Bad gateway", { status: 502 }));

    // Act
    const error = await failure({ syncType: "races", fetch });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_UNAVAILABLE" });
    expect((error as Error).message).toContain("RunSignUp /race/20261");
    expect((error as Error).message).not.toContain(API_KEY);
  });

  it("refuses a connection without credentials, or with a malformed secret, naming the field only", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(() => json(200, raceBody()));

    // Act
    const missing = await failure({ syncType: "races", fetch, credentials: undefined });
    const bad = await failure({
      syncType: "races",
      fetch,
      credentials: { apiKey: API_KEY, apiSecret: "short" },
    });

    // Assess
    expect(missing).toMatchObject({ code: "VALIDATION_ERROR" });
    expect(bad).toMatchObject({ code: "VALIDATION_ERROR" });
    expect((bad as Error).message).toContain("credentials.apiSecret");
    expect((bad as Error).message).not.toContain("short");
    expect(requests).toHaveLength(0);
  });
});
