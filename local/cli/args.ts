import { parseArgs } from "node:util";
import { CONNECTION_COMMANDS } from "./connection-specs.ts";
import { UsageError } from "./errors.ts";
import {
  type CommandName,
  type CommandSpec,
  HELP,
  JSON_OUTPUT,
  type OptionSpec,
  TARGET,
  TENANT,
  TIMEOUT,
} from "./option-groups.ts";

export type { CommandName, CommandSpec, OptionSpec } from "./option-groups.ts";

/**
 * The command line of `npx pacer`: which commands exist, their options and help texts, and the
 * parser. Pure and dependency-free, so `--help` answers before anything heavy is loaded.
 */

export type OptionValues = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;

export type CommandLine =
  | { readonly kind: "help"; readonly command?: CommandName }
  | { readonly kind: "version" }
  | {
      readonly kind: "run";
      readonly command: CommandName;
      readonly values: OptionValues;
      readonly positionals: readonly string[];
    };

export const COMMANDS: Readonly<Record<CommandName, CommandSpec>> = {
  sync: {
    name: "sync",
    summary: "start a sync; --wait follows it to the end",
    synopsis: "<provider> <syncType> [--param k=v]... [--connection ID] [--wait]",
    positionals: {
      min: 2,
      max: 2,
      missing: "which provider and sync type? e.g. `pacer sync openf1 meetings`",
    },
    options: {
      param: {
        type: "string",
        multiple: true,
        value: "k=v",
        help: "a parameter of the sync type (repeatable)",
      },
      connection: {
        type: "string",
        value: "ID",
        help: "which of your connections to the provider (needed when you have several)",
      },
      wait: {
        type: "boolean",
        help: "print each state change until the job ends; exit 0 on success, 1 on failure",
      },
      ...TIMEOUT,
      ...TENANT,
      ...JSON_OUTPUT,
      ...TARGET,
      ...HELP,
    },
    details:
      "Manual syncs go to the provider's high-priority queue. With --wait the job is followed over the\n" +
      "WebSocket (topic `jobs`), or by polling GET /jobs/{id} when no socket can be had or it drops.\n" +
      "With --json: the 202 answer, or with --wait one job record per line, the final one last.\n" +
      "The job runs for your one enabled connection to the provider; with several, name it with\n" +
      "--connection (`npx pacer connections` lists them).",
    examples: [
      "pacer sync openf1 meetings --wait",
      "pacer sync openf1 sessions --param year=2024 --wait",
      "pacer sync zwiftracing rider --param riderId=10007 --connection c-0f8c… --wait",
    ],
  },
  jobs: {
    name: "jobs",
    summary: "one job's record (the API has no route listing jobs)",
    synopsis: "<jobId> [--wait]",
    positionals: { min: 0, max: 1 },
    options: {
      wait: { type: "boolean", help: "follow the job until it ends, as `sync --wait` does" },
      ...TIMEOUT,
      ...TENANT,
      ...JSON_OUTPUT,
      ...TARGET,
      ...HELP,
    },
    examples: ["pacer jobs m-0f8c…", "pacer tail jobs   # every job change of your tenant, ids included"],
  },
  status: {
    name: "status",
    summary: "per provider: last success, freshness, pending jobs; permits per connection",
    synopsis: "",
    positionals: { min: 0, max: 0 },
    options: { ...TENANT, ...JSON_OUTPUT, ...TARGET, ...HELP },
    details: "Limits are shown per connection: each connection has its own budget of permits.",
  },
  ...CONNECTION_COMMANDS,
  tail: {
    name: "tail",
    summary: "print live updates of topics until Ctrl-C",
    synopsis: "<topic>...",
    positionals: {
      min: 1,
      max: Number.POSITIVE_INFINITY,
      missing: "which topics? e.g. `pacer tail openf1/sessions jobs`",
    },
    options: {
      json: { type: "boolean", help: "print each server frame as it came (one JSON object a line)" },
      ...TENANT,
      ...TARGET,
      ...HELP,
    },
    details:
      "Topics are `jobs` (your tenant's job changes) and `<provider>/<entityType>`, e.g. openf1/meetings,\n" +
      "openf1/sessions, openf1/weather. A dropped connection is opened again and the topics re-subscribed.",
    examples: ["pacer tail openf1/sessions openf1/weather", "pacer tail jobs --json"],
  },
  token: {
    name: "token",
    summary: "a dev token from the local stack (local only)",
    synopsis: "[--tenant T]",
    positionals: { min: 0, max: 0 },
    options: {
      tenant: { type: "string", value: "T", help: "the token's tenant (default: the running stack's)" },
      ...JSON_OUTPUT,
      api: TARGET.api as OptionSpec,
      ...HELP,
    },
    details: "Prints the token alone, for e.g. `export PACER_TOKEN=$(npx pacer token --tenant acme)`.",
  },
  openapi: {
    name: "openapi",
    summary: "the API's OpenAPI document (GET /openapi.json)",
    synopsis: "",
    positionals: { min: 0, max: 0 },
    options: { ...TARGET, ...HELP },
  },
  login: {
    name: "login",
    summary: "sign in to a deployed stack's Cognito user pool (SRP, TOTP)",
    synopsis: "[--username EMAIL] [--print]",
    positionals: { min: 0, max: 0 },
    options: {
      "user-pool-id": {
        type: "string",
        value: "ID",
        help: "the stack's UserPoolId output (env PACER_USER_POOL_ID)",
      },
      "client-id": {
        type: "string",
        value: "ID",
        help: "the stack's UserPoolClientId output (env PACER_USER_POOL_CLIENT_ID)",
      },
      username: { type: "string", value: "EMAIL", help: "who signs in (env PACER_USERNAME; else asked)" },
      print: { type: "boolean", help: "print the ID token on stdout instead of storing it" },
      api: { type: "string", value: "URL", help: "the stack's REST API URL, stored with the token" },
      ws: { type: "string", value: "URL", help: "the stack's WebSocket URL, stored with the token" },
      ...HELP,
    },
    details:
      "Asks for the password (and, on a first sign-in, a new one) without echo, then the 6-digit code\n" +
      "of your authenticator app; a user without one is shown the secret to add first. The ID token\n" +
      "(valid 1 h) is stored, with --api/--ws, in ~/.config/pacer/login.json (PACER_LOGIN_FILE), and\n" +
      "the other commands use it when no local stack runs. It names your tenant (custom:tenant_id).",
    examples: [
      "pacer login --user-pool-id eu-west-1_AbC --client-id 1h2… --api https://…/v1 --ws wss://…/live",
      "export PACER_TOKEN=$(npx pacer login --print)",
    ],
  },
};

/** Reads `argv` (without node and the script): a command and its values, or a request for help. */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h") return { kind: "help" };
  if (first === "--version" || first === "-V") return { kind: "version" };
  if (first === "help") {
    const topic = rest[0];
    return topic === undefined ? { kind: "help" } : { kind: "help", command: commandNamed(topic) };
  }
  const spec = COMMANDS[commandNamed(first)];
  if (wantsHelp(rest)) return { kind: "help", command: spec.name };

  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...rest],
      options: parseArgsOptions(spec),
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message, seeHelp(spec.name));
  }
  const { positionals } = parsed;
  if (positionals.length < spec.positionals.min) {
    throw new UsageError(
      spec.positionals.missing ?? `pacer ${spec.name} needs more arguments`,
      seeHelp(spec.name),
    );
  }
  if (positionals.length > spec.positionals.max) {
    const extra = positionals.slice(spec.positionals.max).join(" ");
    throw new UsageError(
      `unexpected argument${extra.includes(" ") ? "s" : ""}: ${extra}`,
      seeHelp(spec.name),
    );
  }
  return { kind: "run", command: spec.name, values: parsed.values, positionals };
}

function commandNamed(name: string): CommandName {
  if (Object.hasOwn(COMMANDS, name)) return name as CommandName;
  const known = Object.keys(COMMANDS).join(", ");
  const close = Object.keys(COMMANDS).find((c) => c.startsWith(name.slice(0, 2)) && name.length > 1);
  throw new UsageError(
    `unknown command "${name}"${close ? `: did you mean "${close}"?` : ""}`,
    `commands: ${known}; see \`npx pacer --help\``,
  );
}

/** `--help` anywhere before a `--` terminator, so that `pacer sync --bogus --help` still helps. */
function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf("--");
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === "--help" || a === "-h");
}

function parseArgsOptions(spec: CommandSpec) {
  return Object.fromEntries(
    Object.entries(spec.options).map(([name, o]) => [
      name,
      { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}) },
    ]),
  );
}

function seeHelp(command: CommandName): string {
  return `see \`npx pacer ${command} --help\``;
}

/** A string option's value (the last one, should it be repeated). */
export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  const last = Array.isArray(value) ? value.at(-1) : value;
  return typeof last === "string" ? last : undefined;
}

/** A repeatable string option's values, in order. */
export function stringOptions(values: OptionValues, name: string): string[] {
  const value = values[name];
  const all = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return all.filter((v): v is string => typeof v === "string");
}

export function flag(values: OptionValues, name: string): boolean {
  return values[name] === true;
}

/** `--param k=v` values as a record; a missing `=`, an empty key or a repeated key is a usage error. */
export function parseParams(values: readonly string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const entry of values) {
    const at = entry.indexOf("=");
    if (at <= 0) throw new UsageError(`--param ${entry}: expected k=v, e.g. --param year=2024`);
    const key = entry.slice(0, at);
    if (Object.hasOwn(params, key)) throw new UsageError(`--param ${key} is given twice`);
    params[key] = entry.slice(at + 1);
  }
  return params;
}

/** A positive number of seconds as milliseconds; `fallbackSeconds` when absent. */
export function parseSeconds(value: string | undefined, option: string, fallbackSeconds: number): number {
  if (value === undefined) return fallbackSeconds * 1000;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`--${option} ${value}: expected a positive number of seconds`);
  }
  return seconds * 1000;
}
