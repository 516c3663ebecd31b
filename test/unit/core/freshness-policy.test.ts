import { describe, expect, it } from "vitest";
import { minutes, type SyncTypeDef } from "#catalog/index.ts";
import { type FreshnessPolicy, freshnessFor, isStale, NEVER_STALE } from "#core/freshness-policy.ts";

const NOW = Date.parse("2026-03-10T18:00:00Z");
const NOTHING_STORED = { get: async () => undefined };

const scheduled: SyncTypeDef = {
  id: "laps",
  description: "every 10 minutes",
  direction: "pull",
  calls: { api: 1 },
  cadence: { kind: "rate", everyMs: minutes(10) },
  priority: "normal",
  entityTypes: ["laps"],
};

describe("freshnessFor", () => {
  it("defaults to the catalog's target when the provider has no policy", async () => {
    // Act
    const ms = await freshnessFor("someprovider", scheduled, {}, NOTHING_STORED, NOW, {});

    // Assess
    expect(ms).toBe(minutes(10));
  });

  it("takes the provider's policy for the params it knows, and the catalog's for the rest", async () => {
    // Prepare
    const policy: FreshnessPolicy = async (_syncType, params) =>
      params.lap === "1" ? minutes(1) : undefined;

    // Act
    const known = await freshnessFor("p", scheduled, { lap: "1" }, NOTHING_STORED, NOW, { p: policy });
    const other = await freshnessFor("p", scheduled, { lap: "2" }, NOTHING_STORED, NOW, { p: policy });

    // Assess
    expect([known, other]).toEqual([minutes(1), minutes(10)]);
  });

  it("ignores a policy's nonsense rather than refreshing on every read", async () => {
    // Prepare
    const broken: FreshnessPolicy = async () => -5;

    // Act
    const ms = await freshnessFor("p", scheduled, {}, NOTHING_STORED, new Date(NOW), { p: broken });

    // Assess
    expect(ms).toBe(minutes(10));
  });
});

describe("isStale", () => {
  it("is stale past the target and never synced, fresh within it, and never when no refresh is needed", () => {
    // Prepare
    const at = (msAgo: number) => new Date(NOW - msAgo).toISOString();

    // Act
    const cases = [
      isStale(at(minutes(11)), minutes(10), NOW),
      isStale(at(minutes(10)), minutes(10), NOW),
      isStale(undefined, minutes(10), NOW),
      isStale(undefined, NEVER_STALE, NOW),
    ];

    // Assess
    expect(cases).toEqual([true, false, true, false]);
  });
});
