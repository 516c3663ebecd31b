import { describe, expect, it } from "vitest";
import { groupsOf, limitsForGroup, matchEndpoint } from "#catalog/index.ts";
import { validateSyncParams } from "#core/sync-params.ts";
import { runsignup } from "#providers/runsignup/definition.ts";
import type { ProviderRequest } from "#providers/types.ts";
import {
  API_KEY,
  API_SECRET,
  drain,
  json,
  participants,
  participantsBody,
  raceBody,
  removed,
  removedBody,
  storedEvent,
  storeOf,
  stubFetch,
} from "./fixtures.ts";
import { published } from "./publish-fixtures.ts";

/** Answers every path the module may call with a payload of the documented shape. */
function anyEndpoint(request: ProviderRequest): Response {
  if (request.path.endsWith("/get-result-sets")) return json(200, { individual_results_sets: [] });
  if (request.path.endsWith("/new-result-set")) return json(200, { individual_result_set_id: 7001 });
  if (request.path.endsWith("/full-results")) return json(200, {});
  if (request.path.endsWith("/removed-participants")) return json(200, removedBody([removed(1)]));
  if (request.path.endsWith("/participants")) return json(200, participantsBody(participants(1, 3)));
  return json(200, raceBody());
}

/** What each sync type needs to make its calls. */
const PARAMS: Record<string, Record<string, string>> = { publish: { eventId: "61001", kind: "final" } };

describe("the runsignup definition", () => {
  it.each(runsignup.syncTypes.map((s) => s.id))(
    "%s calls only endpoints its definition catalogues, in the groups it declares",
    async (syncType) => {
      // Prepare
      const { fetch, requests } = stubFetch(anyEndpoint);

      // Act
      await drain({
        syncType,
        fetch,
        params: PARAMS[syncType] ?? {},
        store: storeOf([storedEvent(61001), storedEvent(61002), published(500_000)]),
      });

      // Assess
      const declared = groupsOf(runsignup.syncTypes.find((s) => s.id === syncType) ?? runsignup.syncTypes[0]);
      expect(requests.length).toBeGreaterThan(0);
      for (const request of requests) {
        const group = matchEndpoint(runsignup, request.method ?? "GET", request.path);
        expect(group).toBeDefined();
        expect(declared).toContain(group);
      }
    },
  );

  it("budgets 2 calls a second and 30 a minute per key, Pacer's guess", () => {
    // Act
    const limits = limitsForGroup(runsignup, "rest", "standard");

    // Assess
    expect(limits.map(({ calls, perMs, scope }) => ({ calls, perMs, scope }))).toEqual([
      { calls: 2, perMs: 1_000, scope: "tenant" },
      { calls: 30, perMs: 60_000, scope: "tenant" },
    ]);
  });

  it("accepts 1 to 50 positive race ids, and refuses anything else naming the field", () => {
    // Prepare
    const { settings } = runsignup.connection;

    // Act
    const results = {
      one: settings.safeParse({ raceIds: [20261] }).success,
      fifty: settings.safeParse({ raceIds: Array.from({ length: 50 }, (_, i) => i + 1) }).success,
      none: settings.safeParse({ raceIds: [] }),
      many: settings.safeParse({ raceIds: Array.from({ length: 51 }, (_, i) => i + 1) }).success,
      zero: settings.safeParse({ raceIds: [0] }),
      text: settings.safeParse({ raceIds: ["20261"] }).success,
      extra: settings.safeParse({ raceIds: [1], clubId: 2 }).success,
    };

    // Assess
    expect(results).toMatchObject({ one: true, fifty: true, many: false, text: false, extra: false });
    expect(results.none.error?.issues[0]?.path).toEqual(["raceIds"]);
    expect(results.zero.error?.issues[0]?.path).toEqual(["raceIds", 0]);
  });

  it("requires both an apiKey and an apiSecret of a sensible form", () => {
    // Prepare
    const { credentials } = runsignup.connection;

    // Act
    const results = {
      both: credentials.safeParse({ apiKey: API_KEY, apiSecret: API_SECRET }).success,
      noSecret: credentials.safeParse({ apiKey: API_KEY }),
      spaces: credentials.safeParse({ apiKey: "key with spaces", apiSecret: API_SECRET }),
      extra: credentials.safeParse({ apiKey: API_KEY, apiSecret: API_SECRET, token: "x" }).success,
    };

    // Assess
    expect(results.both).toBe(true);
    expect(results.noSecret.error?.issues[0]?.path).toEqual(["apiSecret"]);
    expect(results.spaces.error?.issues[0]?.path).toEqual(["apiKey"]);
    expect(results.extra).toBe(false);
    expect(runsignup.connection.credentialsRequired).toBe(true);
  });

  it("takes participants params as both ids or neither, digits only", () => {
    // Prepare
    const participantsType =
      runsignup.syncTypes.find((s) => s.id === "participants") ?? runsignup.syncTypes[0];

    // Act
    const check = (params: Record<string, string>) => {
      const result = validateSyncParams(participantsType, params);
      return result.ok ? "ok" : result.problem;
    };

    // Assess
    expect(check({})).toBe("ok");
    expect(check({ raceId: "20261", eventId: "61001" })).toBe("ok");
    expect(check({ eventId: "61001" })).toContain("raceId and eventId together");
    expect(check({ raceId: "20261", eventId: "61a" })).toContain("params.eventId");
    expect(check({ raceId: "20261", eventId: "1", page: "2" })).toContain("params.page");
  });

  it("offers publish as the push the core sends approved results by: manual, of published_results", () => {
    // Act
    const publish = runsignup.syncTypes.find((s) => s.id === "publish");

    // Assess
    expect(publish).toMatchObject({
      direction: "push",
      cadence: { kind: "manual" },
      priority: "normal",
      entityTypes: ["published_results"],
    });
    expect(publish?.description).toMatch(/unverified/i);
  });

  it("catalogues the three results calls publish makes, in the rest group", () => {
    // Act
    const groups = [
      matchEndpoint(runsignup, "GET", "/race/20261/results/get-result-sets"),
      matchEndpoint(runsignup, "POST", "/race/20261/results/new-result-set"),
      matchEndpoint(runsignup, "POST", "/race/20261/results/full-results"),
      matchEndpoint(runsignup, "GET", "/race/20261/results/full-results"),
    ];

    // Assess
    expect(groups).toEqual(["rest", "rest", "rest", undefined]);
  });

  it("takes publish params as an event id and a kind, refusing a bad kind naming the field", () => {
    // Prepare
    const publishType = runsignup.syncTypes.find((s) => s.id === "publish") ?? runsignup.syncTypes[0];

    // Act
    const check = (params: Record<string, string>) => {
      const result = validateSyncParams(publishType, params);
      return result.ok ? "ok" : result.problem;
    };

    // Assess
    expect(check({ eventId: "61001", kind: "final" })).toBe("ok");
    expect(check({ eventId: "61001", kind: "preliminary" })).toBe("ok");
    expect(check({ eventId: "61001", kind: "official" })).toMatch(/params\.kind.*"final" or "preliminary"/);
    expect(check({ kind: "final" })).toContain("params.eventId");
    expect(check({ eventId: "61001", kind: "final", raceId: "20261" })).toContain("params.raceId");
  });
});
