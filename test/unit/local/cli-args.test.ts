import { describe, expect, it } from "vitest";
import { parseJavaMajor } from "../../../local/aws/java.ts";
import { DEFAULT_PORT, DEMO_TIME_SCALE, parseCliArgs, USAGE, UsageError } from "../../../local/cli-args.ts";

describe("parseCliArgs", () => {
  it("defaults to the default port, real time, and running until stopped", () => {
    expect(parseCliArgs([])).toEqual({
      port: DEFAULT_PORT,
      speed: 1,
      timeScale: 1,
      once: false,
      verbose: false,
      metrics: false,
      help: false,
    });
  });

  it("reads every option", () => {
    expect(
      parseCliArgs([
        "--port",
        "0",
        "--speed",
        "60",
        "--time-scale",
        "3600",
        "--once",
        "--verbose",
        "--metrics",
      ]),
    ).toEqual({
      port: 0,
      speed: 60,
      timeScale: 3600,
      once: true,
      verbose: true,
      metrics: true,
      help: false,
    });
  });

  it("runs the demo at the demo's time scale unless --time-scale is given", () => {
    expect(parseCliArgs(["--once"]).timeScale).toBe(DEMO_TIME_SCALE);
    expect(parseCliArgs(["--once", "--time-scale", "1"]).timeScale).toBe(1);
    expect(parseCliArgs(["--time-scale", "1", "--once"]).timeScale).toBe(1);
  });

  it.each([
    [["--port", "x"]],
    [["--port", "70000"]],
    [["--speed", "0"]],
    [["--speed", "-1"]],
    [["--time-scale", "0.5"]],
    [["--time-scale", "0"]],
    [["--time-scale", "fast"]],
    [["--time-scale", "Infinity"]],
    [["--bogus"]],
  ])("refuses %j", (args) => {
    expect(() => parseCliArgs(args)).toThrow(UsageError);
  });
});

it("names --time-scale and its floor when refusing a time scale below 1", () => {
  expect(() => parseCliArgs(["--time-scale", "0.5"])).toThrow(
    '--time-scale must be a number of at least 1, got "0.5"',
  );
});

it("tells in --help the demo's time scale, and no longer PACER_SCHEDULED_TENANTS", () => {
  expect(USAGE).toContain(`With --once it defaults to ${DEMO_TIME_SCALE}.`);
  expect(USAGE).not.toContain("PACER_SCHEDULED_TENANTS");
});

describe("parseJavaMajor", () => {
  it.each([
    ['openjdk version "17.0.15" 2025-04-15', 17],
    ['openjdk version "21" 2023-09-19', 21],
    ['java version "1.8.0_392"', 8],
    ['openjdk version "11.0.2" 2019-01-15', 11],
    ["command not found", undefined],
  ])("%s → %s", (output, major) => {
    expect(parseJavaMajor(output)).toBe(major);
  });
});
