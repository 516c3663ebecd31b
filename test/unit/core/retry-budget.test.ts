import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findProvider, findSyncType } from "#catalog/index.ts";
import { backoffMs, DEFAULT_RETRY_POLICY, decideRetry, maxPermitWaitMs } from "#core/retry-budget.ts";

const policy = DEFAULT_RETRY_POLICY;

describe("decideRetry", () => {
  it("never retries past the attempts or the age budget, and every retry backs off within its bounds", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 2 * policy.maxAgeMs }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempts, ageMs, r) => {
          const decision = decideRetry(policy, { attempts, ageMs }, () => r);
          if (attempts >= policy.maxAttempts || ageMs >= policy.maxAgeMs) expect(decision.retry).toBe(false);
          if (!decision.retry) return;
          const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempts - 1));
          expect(decision.delayMs).toBeGreaterThanOrEqual(step / 2);
          expect(decision.delayMs).toBeLessThanOrEqual(step);
          expect(ageMs + decision.delayMs).toBeLessThanOrEqual(policy.maxAgeMs);
        },
      ),
    );
  });

  it("honours the provider's Retry-After instead of its own backoff", () => {
    const decision = decideRetry(policy, { attempts: 1, ageMs: 0, retryAfterMs: 30_000 }, () => 0.5);
    expect(decision).toEqual({ retry: true, delayMs: expect.any(Number) });
    if (decision.retry) {
      expect(decision.delayMs).toBeGreaterThanOrEqual(30_000);
      expect(decision.delayMs).toBeLessThanOrEqual(31_000);
    }
  });

  it("says why it gives up", () => {
    expect(decideRetry(policy, { attempts: 5, ageMs: 0 })).toEqual({
      retry: false,
      why: "5 of 5 attempts used",
    });
    expect(decideRetry(policy, { attempts: 1, ageMs: 0, retryAfterMs: 2 * policy.maxAgeMs })).toMatchObject({
      retry: false,
      why: expect.stringMatching(/past the 3600 s/),
    });
  });

  it("spreads retries of jobs that failed together", () => {
    const delays = new Set([0.1, 0.4, 0.7, 0.9].map((r) => backoffMs(policy, 3, () => r)));
    expect(delays.size).toBe(4);
  });
});

describe("maxPermitWaitMs", () => {
  const openf1 = findProvider("openf1");
  const syncType = (id: string) => {
    const found = openf1 && findSyncType(openf1, id);
    if (!found) throw new Error(`openf1/${id} missing`);
    return found;
  };

  it("lets a job wait several cadences, at least an hour and at most a day", () => {
    expect(maxPermitWaitMs(syncType("weather"), policy)).toBe(60 * 60_000);
    expect(maxPermitWaitMs(syncType("sessions"), policy)).toBe(4 * 60 * 60_000);
    expect(maxPermitWaitMs(syncType("meetings"), policy)).toBe(24 * 60 * 60_000);
  });

  it("takes the configured maximum when one is set", () => {
    expect(maxPermitWaitMs(syncType("meetings"), { ...policy, maxPermitWaitMs: 5_000 })).toBe(5_000);
  });
});
