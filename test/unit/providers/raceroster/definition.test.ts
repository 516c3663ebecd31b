import { describe, expect, it } from "vitest";
import { groupsOf, matchEndpoint } from "#catalog/index.ts";
import { raceroster } from "#providers/raceroster/definition.ts";
import type { ProviderRequest } from "#providers/types.ts";
import { CREDENTIALS, drain, event, json, participant, storedEvent, storeOf, stubFetch } from "./fixtures.ts";

/** Answers every path the module may call with a payload of the shape it expects. */
function anyEndpoint(request: ProviderRequest): Response {
  if (request.path === "/events") return json(200, { data: [event(7301)] });
  if (request.path.endsWith("/participants")) return json(200, { data: [participant(1)], metadata: {} });
  if (request.path.startsWith("/events/")) return json(200, { data: event(7301) });
  return json(404, { message: "Not Found" });
}

const runs = [
  { syncType: "events", settings: {} },
  { syncType: "events", settings: { eventIds: [7301] } },
  { syncType: "participants", params: { eventId: "7301" } },
  { syncType: "participants" },
];

describe("the raceroster definition", () => {
  it.each(runs)(
    "$syncType $settings $params calls only catalogued endpoints of the groups it declares",
    async (run) => {
      // Prepare
      const { fetch, requests, tokenRequests } = stubFetch(anyEndpoint);

      // Act
      await drain({ ...run, fetch, store: storeOf([storedEvent(7301, 73011)]) });

      // Assess
      const declared = groupsOf(
        raceroster.syncTypes.find((s) => s.id === run.syncType) ?? raceroster.syncTypes[0],
      );
      expect(requests.length).toBeGreaterThan(0);
      for (const request of requests)
        expect(declared).toContain(matchEndpoint(raceroster, "GET", request.path));
      // Token requests spend no permit, so they need no template; their host must be the definition's.
      expect(
        tokenRequests.every((r) => r.limited === false && r.host !== undefined && r.host in raceroster.hosts),
      ).toBe(true);
    },
  );

  it("budgets its guessed limits per credential", () => {
    // Prepare
    const { limits } = raceroster;

    // Act
    const scopes = limits.map((l) => l.scope);

    // Assess
    expect(scopes).toEqual(["tenant", "tenant"]);
    expect(limits.map((l) => [l.calls, l.perMs])).toEqual([
      [2, 1_000],
      [60, 60_000],
    ]);
  });

  it.each([
    [{ eventIds: [7301, 7401] }, true, ""],
    [{}, true, ""],
    [{ eventIds: [] }, false, "eventIds"],
    [{ eventIds: [0] }, false, "eventIds.0"],
    [{ eventIds: ["7301"] }, false, "eventIds.0"],
    [{ eventIds: Array.from({ length: 51 }, (_, i) => i + 1) }, false, "eventIds"],
    [{ eventId: 7301 }, false, ""],
  ])("settings %j: accepted %s (field %j)", (settings, ok, field) => {
    // Act
    const result = raceroster.connection.settings.safeParse(settings);

    // Assess
    expect(result.success).toBe(ok);
    if (!result.success && field !== "") expect(result.error.issues[0]?.path.join(".")).toBe(field);
  });

  it.each([
    [CREDENTIALS, true, ""],
    [{ ...CREDENTIALS, password: "" }, false, "password"],
    [{ clientId: "x", clientSecret: "y", username: "z" }, false, "password"],
    [{ ...CREDENTIALS, apiKey: "k" }, false, ""],
  ])("credentials %#: accepted %s (field %j)", (credentials, ok, field) => {
    // Act
    const result = raceroster.connection.credentials.safeParse(credentials);

    // Assess
    expect(result.success).toBe(ok);
    if (!result.success && field !== "") expect(result.error.issues[0]?.path.join(".")).toBe(field);
  });

  it("takes a digits-only eventId param for participants, and nothing else", () => {
    // Prepare
    const params = raceroster.syncTypes[1].params;

    // Act
    const results = [{}, { eventId: "7301" }, { eventId: "7301.73011" }, { eventId: "7301", other: "x" }].map(
      (p) => params.safeParse(p).success,
    );

    // Assess
    expect(results).toEqual([true, true, false, false]);
  });
});
