import { describe, expect, it } from "vitest";
import { groupsOf, limitsForGroup, matchEndpoint } from "#catalog/index.ts";
import type { ProviderRequest } from "#providers/types.ts";
import { zwiftracing } from "#providers/zwiftracing/definition.ts";
import {
  drain,
  json,
  NOW,
  RESULTS_4613373,
  type RunOptions,
  rider,
  riderRange,
  storedMember,
  storeOf,
  stubFetch,
} from "./fixtures.ts";

/** Answers every path the module may call with a payload of the documented shape. */
function anyEndpoint(request: ProviderRequest): Response {
  const { path, method } = request;
  if (path.startsWith("/public/clubs/")) return json(200, { name: "Pacer Racing", riders: riderRange(1, 3) });
  if (method === "POST" && path === "/public/riders") return json(200, [rider(1), rider(2)]);
  if (path.startsWith("/public/riders/")) return json(200, rider(5574));
  if (path.startsWith("/public/results/")) return json(200, RESULTS_4613373);
  if (path === "/events" || path === "/events/upcoming")
    return json(200, [{ eventId: "201", time: Math.floor(NOW.getTime() / 1000) + 600 }]);
  if (path.endsWith("/signups")) return json(200, [{ pen: "A", riders: [rider(1)] }]);
  return json(404, { message: "Not found" });
}

const params: Record<string, Record<string, string>> = {
  rider: { riderId: "5574" },
  eventResults: { eventId: "4613373" },
  signups: { eventId: "201" },
};

describe("the zwiftracing definition", () => {
  it.each(zwiftracing.syncTypes.map((s) => s.id))(
    "%s calls only endpoints its definition catalogues, in the groups it declares",
    async (syncType) => {
      // Prepare
      const { fetch, requests } = stubFetch(anyEndpoint);
      const options: RunOptions = {
        syncType,
        fetch,
        params: params[syncType] ?? {},
        store: storeOf([storedMember(1), storedMember(2)]),
      };

      // Act
      await drain(options);

      // Assess
      const declared = groupsOf(
        zwiftracing.syncTypes.find((s) => s.id === syncType) ?? zwiftracing.syncTypes[0],
      );
      expect(requests.length).toBeGreaterThan(0);
      for (const request of requests) {
        expect(matchEndpoint(zwiftracing, request.method ?? "GET", request.path)).toBeDefined();
        expect(declared).toContain(matchEndpoint(zwiftracing, request.method ?? "GET", request.path));
      }
    },
  );

  it("holds the sync types on undocumented endpoints behind the experimental setting", () => {
    // Prepare
    const experimental = zwiftracing.syncTypes.filter((s) => Object.keys(s.calls).includes("events"));

    // Act
    const settings = experimental.map((s) => ("requiresSetting" in s ? s.requiresSetting : undefined));

    // Assess
    expect(experimental.map((s) => s.id)).toEqual(["results", "events", "signups"]);
    expect(settings).toEqual(["experimental", "experimental", "experimental"]);
  });

  it("budgets every limit per API key, with Premium's numbers on the premium tier", () => {
    // Prepare
    const group = "clubs";

    // Act
    const standard = limitsForGroup(zwiftracing, group, "standard");
    const premium = limitsForGroup(zwiftracing, group, "premium");

    // Assess
    expect(zwiftracing.limits.every((l) => l.scope === "tenant")).toBe(true);
    expect(standard.map((l) => l.calls)).toEqual([1]);
    expect(premium.map((l) => l.calls)).toEqual([10]);
  });

  it("accepts a key of letters and digits only, and a positive clubId", () => {
    // Prepare
    const { settings, credentials } = zwiftracing.connection;

    // Act
    const results = {
      key: credentials.safeParse({ apiKey: "0123456789abcdef01234567" }).success,
      bearer: credentials.safeParse({ apiKey: "Bearer 0123456789abcdef" }).success,
      club: settings.safeParse({ clubId: 1001 }).success,
      extra: settings.safeParse({ clubId: 1001, colour: "red" }).success,
      zero: settings.safeParse({ clubId: 0 }).success,
    };

    // Assess
    expect(results).toEqual({ key: true, bearer: false, club: true, extra: false, zero: false });
  });
});
