import { ApiClient, ApiError } from "./api-client.ts";
import { DevTokenSchema } from "./api-types.ts";
import { type OptionValues, stringOption } from "./args.ts";
import { readRunningStack } from "./discovery.ts";
import { CliError } from "./errors.ts";
import { colourWanted, createStyle, type Formatter } from "./format.ts";
import { readClaims } from "./jwt.ts";
import { loginPath, readLogin } from "./login-store.ts";
import { requireToken, resolveTarget, type Target } from "./target.ts";

/** What a command gets: its parsed command line, where to write, the environment and the clock. */
export interface CommandContext {
  readonly values: OptionValues;
  readonly positionals: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly out: Output;
  readonly now: () => number;
  /** Settles on Ctrl-C (SIGINT) or SIGTERM: long-running commands stop cleanly on it. */
  readonly stopped: Promise<void>;
}

/** stdout carries the command's result (text or JSON); stderr notes, progress hints and errors. */
export interface Output {
  /** How stdout is styled. */
  readonly fmt: Formatter;
  /** How stderr is styled. */
  readonly errFmt: Formatter;
  /** stdout's width when it is a terminal. */
  readonly columns: number | undefined;
  line(text: string): void;
  note(text: string): void;
}

export function processOutput(env: NodeJS.ProcessEnv): Output {
  return {
    fmt: { style: createStyle(colourWanted(process.stdout, env)) },
    errFmt: { style: createStyle(colourWanted(process.stderr, env)) },
    columns: process.stdout.isTTY ? process.stdout.columns : undefined,
    line: (text) => process.stdout.write(`${text}\n`),
    note: (text) => process.stderr.write(`${text}\n`),
  };
}

/** The stack this command talks to, from its flags, the environment, a running local stack or a sign-in. */
export function commandTarget(ctx: CommandContext): Target {
  return resolveTarget({
    flags: {
      api: stringOption(ctx.values, "api"),
      ws: stringOption(ctx.values, "ws"),
      token: stringOption(ctx.values, "token"),
    },
    env: ctx.env,
    runningStack: readRunningStack(),
    savedLogin: readLogin(loginPath(ctx.env)),
    nowMs: ctx.now(),
  });
}

/** `POST /dev/token`: a token for any tenant, from the local stand-in only. */
export async function requestDevToken(target: Target, tenantId: string): Promise<string> {
  try {
    return (await new ApiClient(target, undefined).post("/dev/token", { tenantId }, DevTokenSchema)).token;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 405 || error.status === 403)) {
      throw new CliError(
        `${target.api} mints no dev tokens (POST /dev/token is the local stand-in's alone)`,
        "for a deployed stack with Cognito, sign in with `npx pacer login`",
      );
    }
    throw error;
  }
}

/**
 * The token to act as `tenant` with: the target's own when it already names that tenant (or no
 * tenant was asked for); else, where the stack mints dev tokens, a fresh one for `tenant`.
 */
export async function tokenForTenant(target: Target, tenant: string | undefined): Promise<string> {
  if (tenant === undefined) return requireToken(target);
  const current = target.token === undefined ? undefined : readClaims(target.token).tenantId;
  if (current === tenant && target.token !== undefined) return target.token;
  try {
    return await requestDevToken(target, tenant);
  } catch (error) {
    if (!(error instanceof CliError) || error instanceof ApiError) throw error;
    throw new CliError(
      `your token is for tenant ${current ?? "(unknown)"}, not ${tenant}, and ${target.api} mints no dev tokens`,
      `use a token of a user of tenant ${tenant} (\`npx pacer login\` as that user)`,
    );
  }
}
