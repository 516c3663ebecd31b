/**
 * The shapes of the command specs and the option groups several commands share, apart from
 * ./args.ts so that command specs kept in their own files (./connection-specs.ts) can use them
 * without an import cycle.
 */

export type CommandName =
  | "sync"
  | "jobs"
  | "status"
  | "connections"
  | "connect"
  | "disconnect"
  | "tail"
  | "token"
  | "openapi"
  | "login";

export interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly multiple?: boolean;
  readonly short?: string;
  /** The value's placeholder in the help text, e.g. `URL`. */
  readonly value?: string;
  readonly help: string;
}

export interface CommandSpec {
  readonly name: CommandName;
  readonly summary: string;
  /** What follows `pacer <name>` in the usage line. */
  readonly synopsis: string;
  readonly positionals: { readonly min: number; readonly max: number; readonly missing?: string };
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly details?: string;
  readonly examples?: readonly string[];
}

export const HELP: Record<string, OptionSpec> = { help: { type: "boolean", short: "h", help: "this text" } };

/** Where the stack is; each falls back to its environment variable, then to a running `npm run local`. */
export const TARGET: Record<string, OptionSpec> = {
  api: { type: "string", value: "URL", help: "REST API base URL (env PACER_API_URL)" },
  ws: { type: "string", value: "URL", help: "WebSocket URL (env PACER_WS_URL)" },
  token: { type: "string", value: "JWT", help: "bearer token (env PACER_TOKEN)" },
};

export const JSON_OUTPUT: Record<string, OptionSpec> = {
  json: { type: "boolean", help: "print the API's JSON instead of text" },
};

export const TENANT: Record<string, OptionSpec> = {
  tenant: {
    type: "string",
    value: "T",
    help: "act as tenant T (locally: with a dev token for T; deployed: must be your token's tenant)",
  },
};

export const TIMEOUT: Record<string, OptionSpec> = {
  timeout: {
    type: "string",
    value: "SECONDS",
    help: "with --wait, give up waiting after this long (default 600; the job goes on)",
  },
};
