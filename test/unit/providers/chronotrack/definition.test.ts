import { describe, expect, it } from "vitest";
import { groupsOf, limitsForGroup, matchEndpoint } from "#catalog/index.ts";
import { chronotrack } from "#providers/chronotrack/definition.ts";
import type { ProviderRequest } from "#providers/types.ts";
import {
  drain,
  EVENT_90001,
  EVENT_ID,
  json,
  RACES_90001,
  resultRow,
  storedParticipant,
  storeOf,
  stubFetch,
} from "./fixtures.ts";

/** Answers every path the module may call with a payload of the documented (or assumed) shape. */
function anyEndpoint(request: ProviderRequest): Response {
  const { path, method } = request;
  if (method === "POST" || method === "PUT") return json(200, { entry: { entry_id: "7000001" } });
  if (path === "/event") return json(200, { event: [EVENT_90001] });
  if (path.endsWith("/race")) return json(200, { event_race: RACES_90001 });
  if (path.endsWith("/results")) return json(200, { event_results: [resultRow(1)] });
  return json(200, { event: EVENT_90001 });
}

const link = {
  type: "entryLinks",
  id: "p2",
  data: { participantId: "p2", eventId: EVENT_ID, entryId: "7000002" },
};

describe("the chronotrack definition", () => {
  it.each([
    ["events", {}, { eventIds: [EVENT_ID] }],
    ["events", {}, {}],
    ["participants", { eventId: EVENT_ID }, { experimental: true }],
    ["results", { eventId: EVENT_ID }, {}],
  ] as const)(
    "%s calls only endpoints its definition catalogues, in the groups it declares",
    async (syncType, params, settings) => {
      // Prepare: p1 is created, p2 (linked) updated.
      const { fetch, requests } = stubFetch(anyEndpoint);
      const store = storeOf([storedParticipant("p1"), storedParticipant("p2"), link]);

      // Act
      await drain({ syncType, params, settings, fetch, store });

      // Assess
      const declared = groupsOf(
        chronotrack.syncTypes.find((s) => s.id === syncType) ?? chronotrack.syncTypes[0],
      );
      expect(requests.length).toBeGreaterThan(0);
      for (const request of requests) {
        const group = matchEndpoint(chronotrack, request.method ?? "GET", request.path);
        expect(group, `${request.method} ${request.path}`).toBeDefined();
        expect(declared).toContain(group);
      }
    },
  );

  it("holds the push, on an undocumented write endpoint, behind the experimental setting", () => {
    // Prepare
    const push = chronotrack.syncTypes.filter((s) => s.direction === "push");

    // Act
    const gated = push.map((s) => ("requiresSetting" in s ? s.requiresSetting : undefined));

    // Assess
    expect(push.map((s) => s.id)).toEqual(["participants"]);
    expect(gated).toEqual(["experimental"]);
  });

  it("budgets its guessed limits per credential", () => {
    // Prepare
    const group = "api";

    // Act
    const limits = limitsForGroup(chronotrack, group);

    // Assess
    expect(limits.map((l) => [l.calls, l.perMs, l.scope])).toEqual([
      [5, 1_000, "tenant"],
      [120, 60_000, "tenant"],
    ]);
  });

  it.each([
    [{ eventIds: ["90001"], experimental: true }, undefined],
    [{ eventIds: ["90001a"] }, "eventIds.0"],
    [{ eventIds: Array.from({ length: 51 }, (_, i) => String(i)) }, "eventIds"],
    [{ experimental: "yes" }, "experimental"],
    [{ colour: "red" }, ""],
  ])("settings %j are refused naming %s", (settings, field) => {
    // Act
    const parsed = chronotrack.connection.settings.safeParse(settings);

    // Assess
    expect(parsed.success).toBe(field === undefined);
    if (field !== undefined) expect(parsed.error?.issues[0]?.path.join(".")).toBe(field);
  });

  it.each([
    [{ clientId: "1a2b3c4d", userId: "timer@example.com", password: "pw" }, undefined],
    [{ clientId: "1a2b 3c4d", userId: "timer@example.com", password: "pw" }, "clientId"],
    [{ clientId: "1a2b3c4d", userId: "", password: "pw" }, "userId"],
    [{ clientId: "1a2b3c4d", userId: "timer@example.com", password: "" }, "password"],
    [{ clientId: "1a2b3c4d", userId: "timer@example.com" }, "password"],
  ])("credentials %j are refused naming %s", (credentials, field) => {
    // Act
    const parsed = chronotrack.connection.credentials.safeParse(credentials);

    // Assess
    expect(parsed.success).toBe(field === undefined);
    if (field !== undefined) expect(parsed.error?.issues[0]?.path.join(".")).toBe(field);
  });
});
