import { describe, expect, it } from "vitest";
import { API_KEY, drain, failure, json, rider, stubFetch } from "./fixtures.ts";

const riderRun = { syncType: "rider", params: { riderId: "5574" } } as const;

describe("ZwiftRacing.app client", () => {
  it("sends the raw API key as the Authorization header, without Bearer", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(() => json(200, rider(5574)));

    // Act
    await drain({ ...riderRun, fetch });

    // Assess
    expect(requests[0]?.headers).toMatchObject({ authorization: API_KEY, accept: "application/json" });
  });

  it.each([401, 403])(
    "turns a %i into a rejection that says to check the apiKey, never quoting it",
    async (status) => {
      // Prepare: ZR's message echoing the key must not carry it into the error.
      const { fetch } = stubFetch(() => json(status, { message: `Invalid key ${API_KEY}` }));

      // Act
      const error = await failure({ ...riderRun, fetch });

      // Assess
      expect(error).toMatchObject({ code: "PROVIDER_REJECTED", status });
      expect((error as Error).message).toContain("apiKey");
      expect((error as Error).message).not.toContain(API_KEY);
    },
  );

  it("treats a body off the documented shape as malformed", async () => {
    // Prepare
    const { fetch } = stubFetch(() => json(200, { riderId: "not a number", name: "X" }));

    // Act
    const error = await failure({ ...riderRun, fetch });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_MALFORMED" });
    expect((error as Error).message).toContain("riderId");
  });

  it("treats a club page off the documented shape as malformed", async () => {
    // Prepare
    const { fetch } = stubFetch(() => json(200, { name: "Pacer Racing", riders: [{ name: "no id" }] }));

    // Act
    const error = await failure({ syncType: "clubMembers", fetch });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_MALFORMED" });
  });

  it("passes other failures on as the shared helpers type them", async () => {
    // Prepare
    const { fetch } = stubFetch(() => json(503, { message: "Service unavailable" }));

    // Act
    const error = await failure({ ...riderRun, fetch });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_UNAVAILABLE" });
  });
});

describe("the connection a run carries", () => {
  it("is refused without credentials, before any call", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(() => json(200, rider(5574)));

    // Act
    const error = await failure({ ...riderRun, fetch, credentials: undefined });

    // Assess
    expect(error).toMatchObject({ code: "VALIDATION_ERROR" });
    expect(requests).toEqual([]);
  });

  it("is refused with a malformed key, without quoting it", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(() => json(200, rider(5574)));

    // Act
    const error = await failure({ ...riderRun, fetch, credentials: { apiKey: "short-key!" } });

    // Assess
    expect(error).toMatchObject({ code: "VALIDATION_ERROR" });
    expect((error as Error).message).toContain("credentials.apiKey");
    expect((error as Error).message).not.toContain("short-key!");
    expect(requests).toEqual([]);
  });

  it("is refused with settings off the schema, naming the field", async () => {
    // Prepare
    const { fetch } = stubFetch(() => json(200, rider(5574)));

    // Act
    const error = await failure({ ...riderRun, fetch, settings: { clubId: -3 } });

    // Assess
    expect(error).toMatchObject({ code: "VALIDATION_ERROR" });
    expect((error as Error).message).toContain("settings.clubId");
  });
});
