import { describe, expect, it } from "vitest";
import { ApiError } from "../../../../local/cli/api-client.ts";
import { type Connection, ConnectionSchema } from "../../../../local/cli/api-types.ts";
import { parseCommandLine } from "../../../../local/cli/args.ts";
import { connectionRefusal } from "../../../../local/cli/commands/sync.ts";
import {
  compactSettings,
  formatConnection,
  formatConnections,
} from "../../../../local/cli/connection-format.ts";
import {
  type CredentialSources,
  parseCredentialsFile,
  parseSettings,
  readCredentials,
} from "../../../../local/cli/connection-input.ts";
import { UsageError } from "../../../../local/cli/errors.ts";
import { createStyle } from "../../../../local/cli/format.ts";
import { commandUsage } from "../../../../local/cli/help.ts";

const fmt = { style: createStyle(false), timeZone: "UTC" };
const SECRET = "s3cr3tS3cr3tS3cr3tKey";

function connection(fields: Partial<Connection> = {}): Connection {
  return ConnectionSchema.parse({
    connectionId: "c-0123456789abcdef0123",
    provider: "zwiftracing",
    tier: "standard",
    settings: { clubId: 12345, experimental: true },
    enabled: true,
    credentials: { fingerprint: "fp-9a8b7c" },
    syncTypes: [
      { syncType: "clubMembers", cadence: "cron(20 2 * * ? *)", scheduled: true, enabled: true },
      { syncType: "rider", cadence: "manual", scheduled: false, enabled: true },
      { syncType: "events", cadence: "every 3600 s", scheduled: false, enabled: false },
    ],
    limits: [
      {
        limitId: "clubs",
        scope: "tenant",
        calls: 1,
        perMs: 3_600_000,
        endpointGroups: ["clubs"],
        shared: "credentials",
      },
    ],
    createdAt: "2026-12-02T09:00:00.000Z",
    updatedAt: "2026-12-02T09:30:00.000Z",
    version: 2,
    ...fields,
  });
}

/** Sources that serve `files` and answer each hidden question with the next of `answers`. */
function sources(
  files: Record<string, string> = {},
  answers: string[] = [],
): CredentialSources & {
  asked: string[];
} {
  const asked: string[] = [];
  return {
    asked,
    readFile: async (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
      return text;
    },
    askHidden: async (question) => {
      asked.push(question);
      return answers.shift() ?? "";
    },
  };
}

async function usageError(promise: Promise<unknown>): Promise<UsageError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UsageError);
  return error as UsageError;
}

describe("parseSettings", () => {
  it("reads numbers, booleans and null as JSON, and anything else as a string", () => {
    const settings = parseSettings([
      "clubId=12345",
      "experimental=true",
      "ratio=-1.5e2",
      "old=null",
      "name=Team A",
      'code="007"',
      "id=007",
    ]);

    expect(settings).toEqual({
      clubId: 12345,
      experimental: true,
      ratio: -150,
      old: null,
      name: "Team A",
      code: "007",
      id: "007",
    });
  });

  it("refuses an entry without a key, a key given twice and a malformed quoted string", () => {
    expect(() => parseSettings(["=1"])).toThrow(UsageError);
    expect(() => parseSettings(["a=1", "a=2"])).toThrow("--setting a is given twice");
    expect(() => parseSettings(['a="open'])).toThrow("must be a JSON string");
  });
});

describe("readCredentials", () => {
  it("is undefined when none is given, so a PATCH leaves the stored ones alone", async () => {
    expect(await readCredentials(undefined, [], sources())).toBeUndefined();
  });

  it("reads a credentials file, then asks for each k=@- without taking it from the command line", async () => {
    const from = sources({ "zr.json": JSON.stringify({ apiKey: SECRET }) }, ["other-secret"]);

    const credentials = await readCredentials("zr.json", ["token=@-", "region=eu"], from);

    expect(credentials).toEqual({ apiKey: SECRET, token: "other-secret", region: "eu" });
    expect(from.asked).toEqual(["token: "]);
  });

  it("never quotes a value in its errors", async () => {
    const errors = [
      await usageError(readCredentials(undefined, [SECRET], sources())),
      await usageError(readCredentials(undefined, [`${SECRET}=`], sources())),
      await usageError(readCredentials("bad.json", [], sources({ "bad.json": `{"apiKey": ${SECRET}}` }))),
      await usageError(
        readCredentials("num.json", [], sources({ "num.json": `{"apiKey": 1${SECRET.length}}` })),
      ),
    ];

    for (const error of errors) expect(`${error.message} ${error.hint ?? ""}`).not.toContain(SECRET);
    expect(errors[2]?.message).toBe("--credentials-file bad.json: not valid JSON");
    expect(errors[3]?.message).toBe("--credentials-file num.json: apiKey must be a string");
  });

  it("says a file cannot be read, and refuses stdin for two things", async () => {
    const missing = await usageError(readCredentials("nope.json", [], sources()));
    const both = await usageError(readCredentials("-", ["apiKey=@-"], sources()));

    expect(missing.message).toBe("--credentials-file nope.json: cannot read it (ENOENT)");
    expect(both.message).toContain("not both");
  });

  it("refuses a file that is not one object", () => {
    expect(() => parseCredentialsFile('["a"]', "f.json")).toThrow("expected a JSON object");
  });
});

describe("formatConnections", () => {
  it("lists each connection on a row, with its fingerprint and settings but no credential", () => {
    const table = formatConnections(
      [
        connection(),
        connection({
          connectionId: "c-ffff",
          provider: "openf1",
          tier: "free",
          enabled: false,
          credentials: null,
          settings: {},
        }),
      ],
      fmt,
    );

    expect(table).toBe(
      [
        "ID                      PROVIDER     TIER      ENABLED  CREDENTIALS  SCHEDULED  SETTINGS",
        "c-0123456789abcdef0123  zwiftracing  standard  yes      fp-9a8b7c    1/3        clubId=12345 experimental=true",
        "c-ffff                  openf1       free      no       none         1/3        -",
      ].join("\n"),
    );
  });

  it("says how to make the first connection when there is none", () => {
    expect(formatConnections([], fmt)).toContain("npx pacer connect <provider>");
  });
});

describe("formatConnection", () => {
  it("shows every field, then the sync types and the limits", () => {
    expect(formatConnection(connection(), fmt)).toBe(
      [
        "connection   c-0123456789abcdef0123",
        "provider     zwiftracing",
        "tier         standard",
        "enabled      yes",
        "credentials  fingerprint fp-9a8b7c",
        "settings     clubId=12345 experimental=true",
        "created      2026-12-02 09:00:00",
        "updated      2026-12-02 09:30:00",
        "version      2",
        "",
        "SYNC TYPE    CADENCE             SCHEDULED  ENABLED",
        "clubMembers  cron(20 2 * * ? *)  yes        yes",
        "rider        manual              no         yes",
        "events       every 3600 s        no         no (needs a setting)",
        "",
        "LIMIT  SCOPE   PERMITS    ENDPOINT GROUPS  SHARED BY",
        "clubs  tenant  1 per 1 h  clubs            same credentials",
      ].join("\n"),
    );
  });

  it("writes settings compactly, strings as they are and the rest as JSON", () => {
    expect(compactSettings({ a: "x y", b: [1, 2], c: { d: true } })).toBe('a=x y b=[1,2] c={"d":true}');
  });
});

describe("the connection commands' command lines", () => {
  it("reads connect's repeatable settings and credentials", () => {
    const line = parseCommandLine([
      "connect",
      "zwiftracing",
      "--tier",
      "premium",
      "--setting",
      "clubId=1",
      "--setting",
      "experimental=true",
      "--credential",
      "apiKey=@-",
    ]);

    expect(line).toEqual({
      kind: "run",
      command: "connect",
      positionals: ["zwiftracing"],
      values: { tier: "premium", setting: ["clubId=1", "experimental=true"], credential: ["apiKey=@-"] },
    });
  });

  it("needs a provider to connect and an id to disconnect", () => {
    expect(() => parseCommandLine(["connect"])).toThrow("which provider?");
    expect(() => parseCommandLine(["disconnect"])).toThrow("which connection?");
  });

  it("documents how to keep credentials out of the shell history", () => {
    for (const command of ["connect", "connections"] as const) {
      expect(commandUsage(command)).toContain("--credentials-file PATH");
      expect(commandUsage(command)).toContain("k=@-");
    }
    expect(commandUsage("sync")).toContain("--connection ID");
  });
});

describe("connectionRefusal", () => {
  it("makes a choice of connections a usage error that says to name one", () => {
    const message = "connectionId: this tenant has 2 enabled zwiftracing connections; name one (c-1, c-2)";
    const error = connectionRefusal(
      new ApiError(400, "VALIDATION_ERROR", `the API refused POST /sync: ${message}`, undefined, 2, message),
      "zwiftracing",
    );

    expect(error).toBeInstanceOf(UsageError);
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toBe(message);
    expect(error?.hint).toContain("--connection <id>");
  });

  it("says to connect first when the tenant has no connection to the provider", () => {
    const message = "this tenant has no enabled openf1 connection; create one with POST /connections";
    const error = connectionRefusal(new ApiError(404, "NOT_FOUND", message), "openf1");

    expect(error?.exitCode).toBe(1);
    expect(error?.hint).toContain("npx pacer connect openf1");
  });

  it("leaves other refusals as they are", () => {
    expect(
      connectionRefusal(new ApiError(400, "VALIDATION_ERROR", "params.year: 4 digits"), "openf1"),
    ).toBeUndefined();
  });
});
