import {
  type CommandName,
  type CommandSpec,
  HELP,
  JSON_OUTPUT,
  type OptionSpec,
  TARGET,
  TENANT,
} from "./option-groups.ts";

/** The command lines of `pacer connections`, `pacer connect` and `pacer disconnect`. */

const COMMON = { ...TENANT, ...JSON_OUTPUT, ...TARGET, ...HELP };

/** What a connection is made or changed with: the same on `connect` and `connections <id>`. */
const CONNECTION_FIELDS: Record<string, OptionSpec> = {
  tier: { type: "string", value: "T", help: "the provider's tier (on connect, default: its first)" },
  setting: {
    type: "string",
    multiple: true,
    value: "k=v",
    help: 'a setting (repeatable); numbers, true, false, null and "quoted" strings are JSON',
  },
  "credentials-file": {
    type: "string",
    value: "PATH",
    help: 'the credentials as a JSON object of strings, e.g. {"apiKey": "…"} ("-": stdin)',
  },
  credential: {
    type: "string",
    multiple: true,
    value: "k=v",
    help: "one credential (repeatable); k=@- asks for it without echo (or reads a line of stdin)",
  },
};

const SECRETS_NOTE =
  "Credentials are sent to the API, kept in a secret and never shown again: the API answers with\n" +
  "their fingerprint only, and the CLI never prints a value, not even in an error. Keep them out of\n" +
  "your shell history: --credentials-file PATH (a JSON object; `-` reads it from stdin), or\n" +
  "--credential k=@- (asked for without echo). A plain --credential k=v is for test keys.";

export const CONNECTION_COMMANDS: Readonly<Record<"connections" | "connect" | "disconnect", CommandSpec>> = {
  connections: {
    name: "connections" satisfies CommandName,
    summary: "list your connections; with an id, show one in full or change it",
    synopsis: "[<connectionId>] [--enable | --disable] [--tier T] [--setting k=v]...",
    positionals: { min: 0, max: 1 },
    options: {
      enable: { type: "boolean", help: "with an id: enable it (its schedules are put back)" },
      disable: { type: "boolean", help: "with an id: disable it (its schedules are removed)" },
      ...CONNECTION_FIELDS,
      ...COMMON,
    },
    details:
      "Without an id: a table of your connections. With one: every field, its sync types and its\n" +
      "limits. With an id and --enable, --disable, --tier, --setting or credentials: PATCH\n" +
      "/connections/{id}, then the connection as it is now. Settings are merged over the current\n" +
      "ones; --setting k=null removes one. Credentials replace the stored ones (rotation).\n\n" +
      SECRETS_NOTE,
    examples: [
      "pacer connections",
      "pacer connections c-0f8c… --disable",
      "pacer connections c-0f8c… --credentials-file ~/zr-key.json   # rotate the key",
    ],
  },
  connect: {
    name: "connect",
    summary: "connect your tenant to a provider (POST /connections)",
    synopsis: "<provider> [--tier T] [--setting k=v]... [--credentials-file PATH]",
    positionals: {
      min: 1,
      max: 1,
      missing:
        "which provider? e.g. `pacer connect zwiftracing --setting clubId=12345 --credential apiKey=@-`",
    },
    options: { ...CONNECTION_FIELDS, ...COMMON },
    details:
      "The connection's schedules start at once for the sync types its settings allow. A tenant may\n" +
      "connect to a provider more than once (e.g. two clubs); syncs then name one with --connection.\n\n" +
      SECRETS_NOTE,
    examples: [
      "pacer connect openf1",
      "pacer connect zwiftracing --setting clubId=12345 --credential apiKey=@-",
      "pacer connect zwiftracing --tier premium --setting clubId=12345 --credentials-file zr.json",
    ],
  },
  disconnect: {
    name: "disconnect",
    summary: "delete a connection, its schedules and its stored credentials",
    synopsis: "<connectionId>",
    positionals: {
      min: 1,
      max: 1,
      missing: "which connection? `npx pacer connections` lists them",
    },
    options: COMMON,
    details:
      "What it synced is not deleted. To pause a connection instead: `pacer connections <id> --disable`.",
  },
};
