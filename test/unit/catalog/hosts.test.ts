import { describe, expect, it } from "vitest";
import { z } from "zod";
import { hostUrlEnvVar, hostUrls, matchEndpoint } from "#catalog/index.ts";
import { minutes, type ProviderDef } from "#catalog/types.ts";

/** A provider whose token server and public results API live on hosts of their own. */
const timing: ProviderDef = {
  id: "race-timing",
  displayName: "Race timing",
  baseUrl: "https://api.timing.example/v1",
  hosts: { auth: "https://auth.timing.example", results: "https://results.timing.example/v2" },
  tiers: [{ id: "standard", description: "The only one." }],
  connection: { settings: z.object({}).strict() },
  limits: [{ id: "hourly", calls: 500, perMs: minutes(60), scope: "tenant" }],
  endpointGroups: [
    { id: "api", limits: ["hourly"], endpoints: ["GET /events/{eventId}"] },
    { id: "public-results", limits: ["hourly"], endpoints: ["GET /events/{eventId}"], host: "results" },
  ],
  syncTypes: [],
};

describe("a provider's named hosts", () => {
  it("matches a path only against the endpoint groups of the host the request names", () => {
    expect(matchEndpoint(timing, "GET", "/events/42")).toBe("api");
    expect(matchEndpoint(timing, "GET", "/events/42", "results")).toBe("public-results");
    expect(matchEndpoint(timing, "GET", "/events/42", "auth")).toBeUndefined();
  });

  it("takes each host's base URL from its environment variable, else from the definition", () => {
    const env = { [hostUrlEnvVar(timing.id, "auth")]: "http://127.0.0.1:4100/_auth" };

    expect(hostUrlEnvVar(timing.id, "auth")).toBe("PACER_RACE_TIMING_AUTH_BASE_URL");
    expect(hostUrls(timing, env)).toEqual({
      auth: "http://127.0.0.1:4100/_auth",
      results: "https://results.timing.example/v2",
    });
    expect(hostUrls(timing, { [hostUrlEnvVar(timing.id, "results")]: "" }).results).toBe(
      "https://results.timing.example/v2",
    );
  });
});
