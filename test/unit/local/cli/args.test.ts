import { describe, expect, it } from "vitest";
import {
  COMMANDS,
  parseCommandLine,
  parseParams,
  parseSeconds,
  stringOptions,
} from "../../../../local/cli/args.ts";
import { UsageError } from "../../../../local/cli/errors.ts";
import { commandUsage, usage } from "../../../../local/cli/help.ts";

describe("parseCommandLine", () => {
  it("reads a command, its positionals and options", () => {
    const line = parseCommandLine([
      "sync",
      "openf1",
      "meetings",
      "--param",
      "year=2024",
      "--param",
      "x=1",
      "--wait",
    ]);

    expect(line).toEqual({
      kind: "run",
      command: "sync",
      positionals: ["openf1", "meetings"],
      values: { param: ["year=2024", "x=1"], wait: true },
    });
  });

  it("takes the target flags on every command that talks to a stack", () => {
    const line = parseCommandLine([
      "status",
      "--api",
      "http://127.0.0.1:1",
      "--ws",
      "ws://127.0.0.1:2",
      "--token",
      "t",
    ]);

    expect(line.kind === "run" && line.values).toEqual({
      api: "http://127.0.0.1:1",
      ws: "ws://127.0.0.1:2",
      token: "t",
    });
  });

  it("answers no arguments, --help and `help` with the overview", () => {
    expect(parseCommandLine([])).toEqual({ kind: "help" });
    expect(parseCommandLine(["--help"])).toEqual({ kind: "help" });
    expect(parseCommandLine(["help"])).toEqual({ kind: "help" });
  });

  it("answers --help on a command with that command's help, even next to a bad option", () => {
    expect(parseCommandLine(["sync", "--help"])).toEqual({ kind: "help", command: "sync" });
    expect(parseCommandLine(["tail", "--bogus", "-h"])).toEqual({ kind: "help", command: "tail" });
    expect(parseCommandLine(["help", "login"])).toEqual({ kind: "help", command: "login" });
  });

  it("answers --version", () => {
    expect(parseCommandLine(["--version"])).toEqual({ kind: "version" });
  });

  it("refuses an unknown command, suggesting a near one and listing all", () => {
    const error = catchUsage(() => parseCommandLine(["stauts"]));

    expect(error.message).toBe('unknown command "stauts": did you mean "status"?');
    expect(error.hint).toContain(
      "sync, jobs, status, connections, connect, disconnect, tail, token, openapi, login",
    );
    expect(error.exitCode).toBe(2);
  });

  it("refuses an unknown option and points to the command's help", () => {
    const error = catchUsage(() => parseCommandLine(["status", "--verbose"]));

    expect(error.message).toContain("--verbose");
    expect(error.hint).toBe("see `npx pacer status --help`");
  });

  it("says what is missing when a sync names no sync type", () => {
    const error = catchUsage(() => parseCommandLine(["sync", "openf1"]));

    expect(error.message).toContain("pacer sync openf1 meetings");
  });

  it("refuses extra arguments", () => {
    expect(catchUsage(() => parseCommandLine(["status", "now"])).message).toBe("unexpected argument: now");
  });

  it("lets `jobs` go without an id (the command explains where ids come from)", () => {
    expect(parseCommandLine(["jobs"])).toMatchObject({ kind: "run", command: "jobs", positionals: [] });
  });

  it("takes many topics for tail", () => {
    expect(parseCommandLine(["tail", "openf1/sessions", "jobs", "--json"])).toMatchObject({
      positionals: ["openf1/sessions", "jobs"],
      values: { json: true },
    });
  });
});

describe("parseParams", () => {
  it("turns k=v pairs into params, keeping = inside values", () => {
    expect(parseParams(["year=2024", "filter=a=b"])).toEqual({ year: "2024", filter: "a=b" });
  });

  it("refuses a pair without a key or an =, and a key given twice", () => {
    expect(() => parseParams(["year"])).toThrow(UsageError);
    expect(() => parseParams(["=2024"])).toThrow(UsageError);
    expect(() => parseParams(["year=1", "year=2"])).toThrow("--param year is given twice");
  });
});

describe("parseSeconds", () => {
  it("reads seconds as milliseconds, with a default", () => {
    expect(parseSeconds("1.5", "timeout", 600)).toBe(1500);
    expect(parseSeconds(undefined, "timeout", 600)).toBe(600_000);
  });

  it("refuses what is not a positive number", () => {
    expect(() => parseSeconds("soon", "timeout", 600)).toThrow(
      "--timeout soon: expected a positive number of seconds",
    );
    expect(() => parseSeconds("0", "timeout", 600)).toThrow(UsageError);
  });
});

describe("stringOptions", () => {
  it("keeps only the string values of a repeatable option", () => {
    expect(stringOptions({ param: ["a=1", "b=2"] }, "param")).toEqual(["a=1", "b=2"]);
    expect(stringOptions({}, "param")).toEqual([]);
  });
});

describe("help texts", () => {
  it("list every command in the overview", () => {
    const text = usage();

    for (const name of Object.keys(COMMANDS)) expect(text).toContain(`\n  ${name}`);
    expect(text).toContain("sync <provider> <syncType>");
  });

  it("list each command's options with their environment variables", () => {
    const text = commandUsage("sync");

    expect(text).toMatch(/^Usage: npx pacer sync <provider> <syncType>/);
    expect(text).toContain("--param k=v");
    expect(text).toContain("--api URL");
    expect(text).toContain("env PACER_API_URL");
    expect(commandUsage("login")).toContain("env PACER_USER_POOL_ID");
  });
});

function catchUsage(act: () => unknown): UsageError {
  try {
    act();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error("expected a UsageError");
}
