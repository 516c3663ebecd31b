import { describe, expect, it } from "vitest";
import { findProvider } from "#catalog/index.ts";
import type { ProviderDef } from "#catalog/types.ts";
import { PermitUnavailableError, UncataloguedEndpointError } from "#core/errors.ts";
import { callPermits } from "#core/sync-job/call-permits.ts";
import { ScriptedLimiter } from "./fakes.ts";

const NOW = Date.parse("2026-12-02T12:00:00Z");
const zwift = findProvider("zwiftracing") as ProviderDef;

function setup(tier: string, limiter = new ScriptedLimiter([], () => NOW)) {
  const decisions: [string, boolean][] = [];
  const permits = callPermits({
    provider: zwift,
    tier,
    budgetKey: "k-club-a",
    priority: "normal",
    limiter,
    maxWaitMs: 5_000,
    clock: () => NOW,
    sleep: async () => {},
    onDecision: (group, granted) => decisions.push([group, granted]),
  });
  return { permits, limiter, decisions };
}

describe("callPermits", () => {
  it("takes each call's permit from the endpoint group its method and path match, in the key's budget", async () => {
    // Prepare
    const { permits, limiter, decisions } = setup("standard");
    // Act
    await permits.take({ method: "GET", path: "/public/clubs/1001/10007" });
    await permits.take({ method: "POST", path: "/public/riders", body: "[1]" });
    await permits.take({ method: "GET", path: "/public/riders/10007" });
    // Assess
    expect(decisions).toEqual([
      ["clubs", true],
      ["riders-bulk", true],
      ["riders", true],
    ]);
    expect(
      limiter.requests.map((r) => [r.limits.map((l) => `${l.id} ${l.calls}/${l.perMs}`), r.scopeKey]),
    ).toEqual([
      [["clubs 1/3600000"], "k-club-a"],
      [["riders-bulk 1/900000"], "k-club-a"],
      [["riders 5/60000"], "k-club-a"],
    ]);
  });

  it("holds a premium key to the premium numbers", async () => {
    const { permits, limiter } = setup("premium");
    await permits.take({ method: "GET", path: "/public/clubs/1001" });
    expect(limiter.requests[0]?.limits.map((l) => l.calls)).toEqual([10]);
  });

  it("tells GET from POST: the same path is two endpoint groups", async () => {
    const { permits, decisions } = setup("standard");
    await permits.take({ method: "GET", path: "/public/riders/5574" });
    await permits.take({ method: "POST", path: "/public/riders/1733339700" });
    expect(decisions.map(([group]) => group)).toEqual(["riders", "riders-bulk"]);
  });

  it("refuses a call outside the catalog before any permit, and an unknown named group", async () => {
    const { permits, limiter } = setup("standard");
    await expect(permits.take({ method: "DELETE", path: "/public/clubs/1001" })).rejects.toBeInstanceOf(
      UncataloguedEndpointError,
    );
    await expect(permits.take({ path: "/anything", endpoint: "teams" })).rejects.toThrow(
      /no endpoint group "teams"/,
    );
    expect(limiter.requests).toEqual([]);
  });

  it("says when the next permit frees when none is free within the in-process wait", async () => {
    const { permits } = setup("standard", new ScriptedLimiter([{ granted: false, retryAfterMs: 3_599_000 }]));
    const refused = await permits
      .take({ method: "GET", path: "/public/clubs/1001/0" })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PermitUnavailableError);
    expect((refused as PermitUnavailableError).retryAfterMs).toBe(3_599_000);
  });

  it("takes only one club permit at a time, however many club pages the run expects, when the window grants one", async () => {
    const limiter = new ScriptedLimiter([], () => NOW);
    const permits = callPermits({
      provider: zwift,
      tier: "standard",
      budgetKey: "k",
      priority: "low",
      limiter,
      maxWaitMs: 5_000,
      clock: () => NOW,
      expectedCalls: { clubs: 3 },
    });
    await permits.take({ method: "GET", path: "/public/clubs/1001/0" });
    expect(limiter.requests.map((r) => r.permits)).toEqual([1]);
  });

  it("waits out the whole window after a hintless 429 where the provider says so", () => {
    const { permits } = setup("standard");
    expect(permits.pauseOn429Ms({ method: "GET", path: "/public/clubs/1001" })).toBe(3_600_000);
    expect(permits.pauseOn429Ms({ method: "GET", path: "/public/results/4613373" })).toBe(60_000);
  });
});

describe("callPermits taking ahead", () => {
  const openf1 = findProvider("openf1") as ProviderDef;
  let now = NOW;
  const ahead = (limiter: ScriptedLimiter) =>
    callPermits({
      provider: openf1,
      tier: "free",
      budgetKey: "k",
      priority: "normal",
      limiter,
      maxWaitMs: 5_000,
      clock: () => now,
      sleep: async () => {},
      expectedCalls: { api: 3 },
    });

  it("takes a run's expected calls on a group in one write, and spends them on calls sent together", async () => {
    // Prepare
    now = NOW;
    const limiter = new ScriptedLimiter([], () => NOW);
    const permits = ahead(limiter);
    // Act: three calls at once against 3 per second.
    await Promise.all([
      permits.take({ path: "/v1/weather" }),
      permits.take({ path: "/v1/race_control" }),
      permits.take({ path: "/v1/sessions" }),
    ]);
    // Assess: one write for the three.
    expect(limiter.requests.map((r) => r.permits)).toEqual([3]);
  });

  it("hands back what lapsed unused in the next write, and never takes more than the calls still expected", async () => {
    // Prepare: the permits taken ahead are usable 10 ms past their moment.
    now = NOW;
    const limiter = new ScriptedLimiter([], () => now);
    const permits = ahead(limiter);
    await permits.take({ path: "/v1/weather" });
    // Act: the next call comes too late for them.
    now = NOW + 50;
    await permits.take({ path: "/v1/race_control" });
    now = NOW + 100;
    await permits.take({ path: "/v1/sessions" });
    await permits.take({ path: "/v1/meetings" });
    // Assess: 3 ahead, 2 given back and 2 taken, 1 given back and 1 taken, then one at a time.
    expect(limiter.requests.map((r) => [r.permits, r.release])).toEqual([
      [3, undefined],
      [2, { at: NOW, permits: 2 }],
      [1, { at: NOW + 50, permits: 1 }],
      [1, undefined],
    ]);
  });
});
