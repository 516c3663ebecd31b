import { describe, expect, it } from "vitest";
import { catalog } from "#catalog/index.ts";
import { worstFreshness } from "#core/freshness.ts";
import { connection } from "./fakes.ts";

const NOW = Date.parse("2026-12-02T12:00:00Z");
const minutesAgo = (n: number) => new Date(NOW - n * 60_000).toISOString();
const of = (freshness: ReturnType<typeof worstFreshness>, provider: string, syncType: string) =>
  freshness.find((f) => f.provider === provider && f.syncType === syncType)?.seconds;

describe("worstFreshness", () => {
  it("publishes the stalest tenant's age per scheduled sync type, from the connections that run it", () => {
    // Prepare: two tenants on OpenF1; acme's sessions succeeded 10 min ago, globex's 70 min ago.
    const records = [
      connection({ tenantId: "acme", createdAt: minutesAgo(600) }),
      connection({ connectionId: "c-00000000000000000002", tenantId: "globex", createdAt: minutesAgo(600) }),
    ];
    const statuses = {
      acme: [{ provider: "openf1", syncType: "sessions", lastSuccessAt: minutesAgo(10) }],
      globex: [{ provider: "openf1", syncType: "sessions", lastSuccessAt: minutesAgo(70) }],
    };
    // Act
    const freshness = worstFreshness(
      catalog,
      records,
      (t) => statuses[t as keyof typeof statuses] ?? [],
      NOW,
    );
    // Assess
    expect(of(freshness, "openf1", "sessions")).toBe(70 * 60);
    // Manual sync types are not monitored, nor windowed ones (live data idles between sessions).
    expect(of(freshness, "zwiftracing", "rider")).toBeUndefined();
    expect(of(freshness, "openf1", "weather")).toBeUndefined();
  });

  it("counts a new connection from its creation, and ignores disabled connections and sync types left off", () => {
    const records = [
      connection({
        provider: "zwiftracing",
        tier: "standard",
        settings: { clubId: 1 },
        createdAt: minutesAgo(5),
      }),
      connection({
        connectionId: "c-00000000000000000003",
        tenantId: "old",
        provider: "zwiftracing",
        tier: "standard",
        settings: { clubId: 2, experimental: true },
        enabled: false,
        createdAt: minutesAgo(10_000),
      }),
    ];
    const freshness = worstFreshness(catalog, records, () => [], NOW);
    expect(of(freshness, "zwiftracing", "riderStats")).toBe(5 * 60);
    // The only connection with experimental on is disabled: nothing waits on `events`.
    expect(of(freshness, "zwiftracing", "events")).toBe(0);
  });
});
