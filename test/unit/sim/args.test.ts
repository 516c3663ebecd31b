import { describe, expect, it } from "vitest";
import { parseSimulateArgs, UsageError } from "../../../sim/args.ts";

describe("parseSimulateArgs", () => {
  it("reads the workload, days as hours, the seed, and runs both strategies", () => {
    expect(parseSimulateArgs(["--workload", "zwift-club", "--days", "1", "--seed", "4"])).toEqual({
      workload: "zwift-club",
      hours: 24,
      seed: 4,
      jsonOnly: false,
      strategies: ["seed", "pacer"],
      help: false,
    });
  });

  it("takes a shorter run in hours, one strategy, and no progress bar", () => {
    const args = parseSimulateArgs([
      "--workload",
      "race-weekend",
      "--hours",
      "6",
      "--strategy",
      "pacer",
      "--json-only",
    ]);
    expect(args).toMatchObject({ hours: 6, strategies: ["pacer"], jsonOnly: true });
  });

  it("says what is wrong with a command line it cannot run", () => {
    expect(() => parseSimulateArgs([])).toThrow(UsageError);
    expect(() => parseSimulateArgs(["--workload", "nope"])).toThrow(/unknown workload "nope"/);
    expect(() => parseSimulateArgs(["--workload", "zwift-club", "--days", "0"])).toThrow(/positive/);
    expect(() => parseSimulateArgs(["--workload", "zwift-club", "--days", "1", "--hours", "2"])).toThrow(
      /not both/,
    );
    expect(() => parseSimulateArgs(["--workload", "zwift-club", "--seed", "1.5"])).toThrow(/integer/);
    expect(() => parseSimulateArgs(["--workload", "zwift-club", "--bogus"])).toThrow(UsageError);
  });
});
