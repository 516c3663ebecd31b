import { describe, expect, it } from "vitest";
import { DEFAULT_SECONDS, parseLimiterArgs, UsageError } from "../../../bench/limiter/cli.ts";
import { maxWaitFor, SCENARIOS, workersOfProcess } from "../../../bench/limiter/scenarios.ts";

describe("bench limiter arguments", () => {
  it("runs every scenario and limiter for the default time without arguments", () => {
    const options = parseLimiterArgs([]);

    expect(options.seconds).toBe(DEFAULT_SECONDS);
    expect(options.scenarios.map((s) => s.name)).toEqual([
      "one-limit",
      "two-limits",
      "mixed-priority",
      "mixed-burst",
    ]);
    expect(options.limiters).toEqual(["pacer", "rate-limiter-flexible", "token-bucket"]);
  });

  it("takes the quick mode the tests use", () => {
    const options = parseLimiterArgs([
      "--seconds",
      "3",
      "--scenario",
      "one-limit",
      "--limiter",
      "pacer,token-bucket",
    ]);

    expect(options.seconds).toBe(3);
    expect(options.scenarios.map((s) => s.name)).toEqual(["one-limit"]);
    expect(options.limiters).toEqual(["pacer", "token-bucket"]);
  });

  it.each([
    [["--seconds", "0"]],
    [["--seconds"]],
    [["--scenario", "nope"]],
    [["--limiter", "redis"]],
    [["--speed", "2"]],
  ])("refuses %j with a usage error", (args) => {
    expect(() => parseLimiterArgs(args)).toThrow(UsageError);
  });
});

describe("bench limiter scenarios", () => {
  it.each(["mixed-priority", "mixed-burst"])(
    "spread the %s workers so each process has 7 low and 1 high",
    (name) => {
      const mixed = SCENARIOS.find((s) => s.name === name);
      if (!mixed) throw new Error(`${name} scenario missing`);

      for (const index of [0, 1]) {
        const priorities = workersOfProcess(mixed, index).map((w) => w.priority);
        expect(priorities.filter((p) => p === "low")).toHaveLength(7);
        expect(priorities.filter((p) => p === "high")).toHaveLength(1);
      }
    },
  );

  it("let high work reserve one window ahead and other work two", () => {
    const limits = [
      { id: "a", calls: 3, perMs: 1_000, scope: "global" as const },
      { id: "b", calls: 10, perMs: 5_000, scope: "global" as const },
    ];

    expect(maxWaitFor("high", limits)).toBe(5_000);
    expect(maxWaitFor("low", limits)).toBe(10_000);
  });
});
