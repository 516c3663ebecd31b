import { describe, expect, it } from "vitest";
import { findProvider, findSyncType } from "#catalog/index.ts";
import type { ProviderDef, SyncTypeDef } from "#catalog/types.ts";
import { reusePolicy } from "#core/sync-job/reuse.ts";

const NOW = Date.parse("2026-11-29T12:00:00Z");
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function syncTypeOf(
  providerId: string,
  syncTypeId: string,
): { provider: ProviderDef; syncType: SyncTypeDef } {
  const provider = findProvider(providerId);
  const syncType = provider && findSyncType(provider, syncTypeId);
  if (!provider || !syncType) throw new Error(`${providerId}/${syncTypeId} missing from the catalog`);
  return { provider, syncType };
}

const queuedAt = (msAgo: number) => new Date(NOW - msAgo).toISOString();
const sessions = { path: "/v1/sessions" };

describe("reusePolicy", () => {
  const { provider, syncType } = syncTypeOf("openf1", "sessions"); // hourly, so a 1 h target

  it("lets a read take any answer within the freshness target", () => {
    // Act
    const policy = reusePolicy(provider, syncType, { source: "read", enqueuedAt: queuedAt(0) }, "free", NOW);
    // Assess
    expect(policy?.maxAgeMs(sessions)).toBe(HOUR);
  });

  it("lets a manual trigger take answers within one window of the call's limits only", () => {
    // Act
    const policy = reusePolicy(
      provider,
      syncType,
      { source: "manual", enqueuedAt: queuedAt(0) },
      "free",
      NOW,
    );
    // Assess: OpenF1's longest limit is 30 per minute.
    expect(policy?.maxAgeMs(sessions)).toBe(MINUTE);
  });

  it("gives a scheduled run no answer older than its own firing when its target is its cadence", () => {
    // Act
    const policy = reusePolicy(
      provider,
      syncType,
      { source: "schedule", scheduledAt: queuedAt(5 * MINUTE) },
      "free",
      NOW,
    );
    // Assess: an answer fetched since it fired is as fresh as its own call would have been.
    expect(policy?.maxAgeMs(sessions)).toBe(5 * MINUTE);
  });

  it("lets a scheduled run take answers as old as its target leaves room for beyond its cadence", () => {
    // Act
    const policy = reusePolicy(
      provider,
      syncType,
      { source: "schedule", scheduledAt: queuedAt(0) },
      "free",
      NOW,
      3 * HOUR,
    );
    // Assess
    expect(policy?.maxAgeMs(sessions)).toBe(2 * HOUR);
  });

  it("gives a fan-out child nothing older than its own queueing", () => {
    // Act
    const policy = reusePolicy(
      provider,
      syncType,
      { source: "fanout", enqueuedAt: queuedAt(1_000) },
      "free",
      NOW,
    );
    // Assess
    expect(policy?.maxAgeMs(sessions)).toBe(1_000);
  });

  it("reuses nothing for a push, nor for a sync whose target is 0", () => {
    // Prepare
    const push = syncTypeOf("runsignup", "publish");
    // Act
    const pushPolicy = reusePolicy(push.provider, push.syncType, { source: "manual" }, "standard", NOW);
    const zero = reusePolicy(provider, syncType, { source: "read" }, "free", NOW, 0);
    // Assess
    expect(pushPolicy).toBeUndefined();
    expect(zero).toBeUndefined();
  });
});
