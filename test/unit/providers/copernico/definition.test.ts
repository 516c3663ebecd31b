import { describe, expect, it } from "vitest";
import { groupsOf, limitsForGroup, matchEndpoint } from "#catalog/index.ts";
import { ValidationError } from "#core/errors.ts";
import { copernico } from "#providers/copernico/definition.ts";
import type { ProviderRequest } from "#providers/types.ts";
import { drain, failure, json, PRESET_ROWS, participants, storeOf, stubFetch } from "./fixtures.ts";

/** Answers every path the module may call with a payload of the documented shape. */
function anyEndpoint(request: ProviderRequest): Response {
  return request.method === "POST" ? new Response(null, { status: 204 }) : json(200, PRESET_ROWS);
}

describe("the copernico definition", () => {
  it.each(copernico.syncTypes.map((s) => s.id))(
    "%s calls only endpoints its definition catalogues, on their host, in the groups it declares",
    async (syncType) => {
      // Prepare
      const { fetch, requests } = stubFetch(anyEndpoint);
      const store = storeOf(participants(3));

      // Act
      await drain({ syncType, fetch, store });

      // Assess
      const declared = groupsOf(copernico.syncTypes.find((s) => s.id === syncType) ?? copernico.syncTypes[0]);
      expect(requests.length).toBeGreaterThan(0);
      for (const request of requests) {
        const group = matchEndpoint(copernico, request.method ?? "GET", request.path, request.host);
        expect(group).toBeDefined();
        expect(declared).toContain(group);
      }
    },
  );

  it("guesses 1/s and 30/min: per key for the push, shared by the deployment for the keyless export", () => {
    // Act
    const push = limitsForGroup(copernico, "registrations");
    const exports = limitsForGroup(copernico, "presets");

    // Assess
    expect(push.map((l) => [l.calls, l.perMs, l.scope])).toEqual([
      [1, 1_000, "tenant"],
      [30, 60_000, "tenant"],
    ]);
    expect(exports.map((l) => [l.calls, l.perMs, l.scope])).toEqual([
      [1, 1_000, "global"],
      [30, 60_000, "global"],
    ]);
  });

  it("accepts the documented settings and refuses unknown or malformed ones", () => {
    // Prepare
    const { settings, credentials } = copernico.connection;

    // Act
    const results = {
      full: settings.safeParse({
        apiKeyHeader: "x-api-key",
        presetLogin: "timer@example.com",
        presetName: "Pacer",
        presetColumns: { bib: "bib-number" },
      }).success,
      empty: settings.safeParse({}).success,
      extra: settings.safeParse({ colour: "red" }).success,
      header: settings.safeParse({ apiKeyHeader: "x api key" }).success,
      login: settings.safeParse({ presetLogin: "timer" }).success,
      column: settings.safeParse({ presetColumns: { pace: "intervalaverages" } }).success,
      key: credentials.safeParse({ apiKey: "tsk_live_7d0c9a1b2e3f4a5b" }).success,
      shortKey: credentials.safeParse({ apiKey: "abc" }).success,
      extraCredential: credentials.safeParse({ apiKey: "tsk_live_7d0c9a1b2e3f4a5b", user: "me" }).success,
    };

    // Assess
    expect(results).toEqual({
      full: true,
      empty: true,
      extra: false,
      header: false,
      login: false,
      column: false,
      key: true,
      shortKey: false,
      extraCredential: false,
    });
  });

  it("names the field at fault in a run's connection, never the key's value", async () => {
    // Prepare
    const { fetch } = stubFetch(anyEndpoint);
    const badKey = "short";

    // Act
    const login = await failure({ syncType: "results", fetch, settings: { presetLogin: "nobody" } });
    const key = await failure({ syncType: "results", fetch, credentials: { apiKey: badKey } });

    // Assess
    expect(login).toBeInstanceOf(ValidationError);
    expect(login.message).toMatch(/settings\.presetLogin: expected the email/);
    expect(key.message).toMatch(/credentials\.apiKey: expected the API key Timingsense issued/);
    expect(key.message).not.toContain(badKey);
  });
});
