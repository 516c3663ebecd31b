import type { RunningStack } from "./discovery.ts";
import { CliError, UsageError } from "./errors.ts";
import type { SavedLogin } from "./login-store.ts";

/**
 * Which stack a command talks to. Each of API URL, WebSocket URL and token comes from its flag,
 * else its environment variable (the names the black-box test suite reads), else from where the
 * API URL came from: the running `npm run local` (discovery.ts) or the stack `pacer login`
 * signed in to. With no API URL given, a running local stack wins over a stored sign-in.
 */

export const TARGET_ENV = { api: "PACER_API_URL", ws: "PACER_WS_URL", token: "PACER_TOKEN" } as const;

export type TargetSource = "flag" | "env" | "local" | "login";

export interface Target {
  readonly api: string;
  readonly ws?: string;
  readonly token?: string;
  readonly source: TargetSource;
  /** The running `npm run local` this is, if it is one: its default tenant. */
  readonly localTenant?: string;
  /** The stored sign-in this uses, if any: its tenant. */
  readonly loginTenant?: string;
}

export interface TargetInputs {
  readonly flags: { readonly api?: string; readonly ws?: string; readonly token?: string };
  readonly env: NodeJS.ProcessEnv;
  readonly runningStack?: RunningStack;
  readonly savedLogin?: SavedLogin;
  readonly nowMs: number;
}

export const NO_STACK_HINT =
  "start one with `npm run local`, or pass --api and --token (or set PACER_API_URL and PACER_TOKEN)";

export function resolveTarget(inputs: TargetInputs): Target {
  const { flags, env, runningStack } = inputs;
  const login = inputs.savedLogin;
  const loginValid = login !== undefined && Date.parse(login.expiresAt) > inputs.nowMs;
  const given = flags.api ?? nonEmpty(env[TARGET_ENV.api]);
  const pick = (name: "ws" | "token", discovered: string | undefined) =>
    flags[name] ?? nonEmpty(env[TARGET_ENV[name]]) ?? discovered;

  if (given !== undefined) {
    const api = normalizeApi(given, flags.api !== undefined ? "--api" : TARGET_ENV.api);
    const local = runningStack && normalizeApi(runningStack.api, "the local stack's record") === api;
    const signedIn = loginValid && login.api !== undefined && normalizeApi(login.api, "the login") === api;
    return withWs(
      {
        api,
        source: flags.api !== undefined ? "flag" : "env",
        token: pick("token", local ? runningStack.token : signedIn ? login.idToken : undefined),
        ...(local ? { localTenant: runningStack.tenantId } : {}),
        ...(signedIn && !local ? { loginTenant: login.tenantId } : {}),
      },
      pick("ws", local ? runningStack.ws : signedIn ? login.ws : undefined),
    );
  }
  if (runningStack) {
    return withWs(
      {
        api: normalizeApi(runningStack.api, "the local stack's record"),
        source: "local",
        token: pick("token", runningStack.token),
        localTenant: runningStack.tenantId,
      },
      pick("ws", runningStack.ws),
    );
  }
  if (login?.api !== undefined) {
    if (!loginValid) {
      throw new CliError(
        `no local stack is running, and your sign-in to ${login.api} expired at ${login.expiresAt}`,
        `sign in again with \`npx pacer login\`, or ${NO_STACK_HINT}`,
      );
    }
    return withWs(
      {
        api: normalizeApi(login.api, "the login"),
        source: "login",
        token: pick("token", login.idToken),
        loginTenant: login.tenantId,
      },
      pick("ws", login.ws),
    );
  }
  throw new CliError("no Pacer stack found: no local stack is running and no --api was given", NO_STACK_HINT);
}

function withWs(target: Omit<Target, "ws">, ws: string | undefined): Target {
  return ws === undefined ? target : { ...target, ws: normalizeWs(ws) };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

/** An http(s) URL without trailing slashes (deployed stage URLs end in `/v1/`). */
export function normalizeApi(value: string, from: string): string {
  const url = parseUrl(value, from);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`${from} must be an http(s) URL, got ${JSON.stringify(value)}`);
  }
  return value.trim().replace(/\/+$/, "");
}

export function normalizeWs(value: string): string {
  const url = parseUrl(value, "the WebSocket URL");
  if (url.protocol !== "ws:" && url.protocol !== "wss:") {
    throw new UsageError(`the WebSocket URL must be ws:// or wss://, got ${JSON.stringify(value)}`);
  }
  return value.trim();
}

function parseUrl(value: string, from: string): URL {
  try {
    return new URL(value.trim());
  } catch {
    throw new UsageError(`${from} is not a URL: ${JSON.stringify(value)}`);
  }
}

/** The target's token, or an error that says where to get one for this kind of stack. */
export function requireToken(target: Target): string {
  if (target.token !== undefined) return target.token;
  throw new CliError(`no token for ${target.api}`, tokenHint(target));
}

export function requireWs(target: Target): string {
  if (target.ws !== undefined) return target.ws;
  throw new CliError(
    `no WebSocket URL for ${target.api}`,
    "pass --ws wss://… (or set PACER_WS_URL): the stack's WebSocketUrl output",
  );
}

/** How to get a (new) token for the target: locally a dev token, deployed a sign-in. */
export function tokenHint(target: Target): string {
  if (target.localTenant !== undefined)
    return "get a fresh one with `npx pacer token` (the local stack mints them)";
  return (
    "pass --token (or set PACER_TOKEN): locally `npx pacer token`, deployed with Cognito " +
    "`npx pacer login` (an ID token, valid 1 h)"
  );
}
