import { describe, expect, it } from "vitest";
import { groupsOf, limitsForGroup, matchEndpoint } from "#catalog/index.ts";
import { hours, minutes } from "#catalog/types.ts";
import { haku } from "#providers/haku/definition.ts";
import { hakuModule } from "#providers/haku/index.ts";
import type { ProviderRequest } from "#providers/types.ts";
import {
  drain,
  EVENT_ID,
  hakuEvent,
  json,
  registration,
  storedEvent,
  storeOf,
  stubFetch,
  summary,
} from "./fixtures.ts";

/** Answers every path the module may call with a payload of the documented shape. */
function anyEndpoint(request: ProviderRequest): Response {
  if (request.path === "/events") return json(200, [hakuEvent(EVENT_ID)]);
  if (request.path.endsWith("/participants")) return json(200, [summary("7001")]);
  if (request.path.includes("/registrations/")) return json(200, registration("7001"));
  return json(404, { message: "Not Found" });
}

describe("the haku definition", () => {
  it.each(haku.syncTypes.map((s) => s.id))(
    "%s calls only endpoints its definition catalogues, in the groups it declares",
    async (syncType) => {
      // Prepare
      const { fetch, apiCalls, tokenCalls } = stubFetch(anyEndpoint);
      const declared = groupsOf(haku.syncTypes.find((s) => s.id === syncType) ?? haku.syncTypes[0]);

      // Act
      await drain({ syncType, fetch, store: storeOf([storedEvent(EVENT_ID)]) });

      // Assess
      expect(apiCalls().length).toBeGreaterThan(0);
      for (const request of apiCalls()) {
        const group = matchEndpoint(haku, request.method ?? "GET", request.path, request.host);
        expect(declared).toContain(group);
      }
      // The token call needs no template: it is unlimited, on the auth host the definition names.
      expect(tokenCalls().every((r) => r.limited === false && r.host === "auth")).toBe(true);
      expect(Object.keys(haku.hosts)).toEqual(["auth"]);
    },
  );

  it("is the module's definition, with one tier and a tenant-scoped 500 calls an hour", () => {
    // Prepare
    const [limit, ...more] = limitsForGroup(haku, "api");

    // Act
    const shape = { calls: limit?.calls, perMs: limit?.perMs, scope: limit?.scope, more: more.length };

    // Assess
    expect(hakuModule.definition).toBe(haku);
    expect(haku.tiers).toHaveLength(1);
    expect(shape).toEqual({ calls: 500, perMs: hours(1), scope: "tenant", more: 0 });
  });

  it("runs events daily at low priority and participants on the 15-minute race-day schedule at normal priority", () => {
    // Prepare
    const byId = Object.fromEntries(haku.syncTypes.map((s) => [s.id, s]));

    // Act
    const cadences = { events: byId.events?.cadence, participants: byId.participants?.cadence };

    // Assess
    expect(cadences.events).toMatchObject({ kind: "cron", approxEveryMs: hours(24) });
    // The race-day gate decides which firings run (every 4 h far from a race).
    expect(cadences.participants).toEqual({ kind: "rate", everyMs: minutes(15) });
    expect([byId.events?.priority, byId.participants?.priority]).toEqual(["low", "normal"]);
    expect(byId.participants?.entityTypes).toContain("registrants");
  });

  it.each([
    [{ clientId: "abc", clientSecret: "def" }, true, ""],
    [{ clientId: "abc" }, false, "clientSecret"],
    [{ clientId: "has space", clientSecret: "def" }, false, "clientId"],
    [{ clientId: "abc", clientSecret: "def", apiKey: "x" }, false, ""],
  ])("credentials %j: accepted %s (field named: %j)", (input, accepted, field) => {
    // Act
    const result = haku.connection.credentials.safeParse(input);

    // Assess
    expect(result.success).toBe(accepted);
    if (!result.success && field !== "") expect(result.error.issues[0]?.path).toEqual([field]);
  });

  it.each([
    [{}, true, []],
    [{ eventIds: ["5f3a9c1e7b2d40a8", "spring_10k-2026"] }, true, []],
    [{ eventIds: [] }, false, ["eventIds"]],
    [{ eventIds: ["a/b"] }, false, ["eventIds", 0]],
    [{ eventIds: ["x".repeat(51)] }, false, ["eventIds", 0]],
    [{ colour: "red" }, false, []],
  ])("settings %j: accepted %s (path named: %j)", (input, accepted, path) => {
    // Act
    const result = haku.connection.settings.safeParse(input);

    // Assess
    expect(result.success).toBe(accepted);
    if (!result.success && path.length > 0) expect(result.error.issues[0]?.path).toEqual(path);
  });

  it("takes an optional Haku eventId as the participants param, and nothing else", () => {
    // Prepare
    const params = haku.syncTypes.find((s) => s.id === "participants")?.params;

    // Act
    const results = [{}, { eventId: "5f3a9c1e" }, { eventId: "a b" }, { other: "x" }].map(
      (input) => params?.safeParse(input).success,
    );

    // Assess
    expect(results).toEqual([true, true, false, false]);
  });
});
