import { flag, stringOption } from "../args.ts";
import { createPrompter, type Prompter } from "../cognito/prompt.ts";
import { regionOf, type SignInPrompts, signIn } from "../cognito/sign-in.ts";
import type { CommandContext } from "../context.ts";
import { CliError, UsageError } from "../errors.ts";
import { formatDateTime } from "../format.ts";
import { readClaims } from "../jwt.ts";
import { loginPath, saveLogin } from "../login-store.ts";
import { normalizeApi, normalizeWs, TARGET_ENV } from "../target.ts";

export const LOGIN_ENV = {
  userPoolId: "PACER_USER_POOL_ID",
  clientId: "PACER_USER_POOL_CLIENT_ID",
  username: "PACER_USERNAME",
  /** Another Cognito endpoint: a test double, or cognito-local. */
  endpoint: "PACER_COGNITO_ENDPOINT",
} as const;

/** Seconds an ID token lives when Cognito does not say (the pool's setting: 1 h). */
const DEFAULT_TOKEN_SECONDS = 3600;

/**
 * `pacer login`: signs in to the stack's Cognito user pool (SRP, so the password never leaves the
 * machine, then TOTP) and stores the ID token for the other commands, or prints it with --print.
 */
export async function run(ctx: CommandContext, prompter: Prompter = createPrompter()): Promise<number> {
  const { values, env, out } = ctx;
  const option = (name: string, envName: string) => stringOption(values, name) ?? nonEmpty(env[envName]);
  const userPoolId = option("user-pool-id", LOGIN_ENV.userPoolId);
  const clientId = option("client-id", LOGIN_ENV.clientId);
  if (userPoolId === undefined || clientId === undefined) {
    throw new UsageError(
      `which user pool? pass --user-pool-id and --client-id (or set ${LOGIN_ENV.userPoolId} and ${LOGIN_ENV.clientId})`,
      "they are the stateful stack's outputs UserPoolId and UserPoolClientId",
    );
  }
  const api = option("api", TARGET_ENV.api);
  const ws = option("ws", TARGET_ENV.ws);
  const print = flag(values, "print");
  const region = regionOf(userPoolId);

  try {
    const username = option("username", LOGIN_ENV.username) ?? (await prompter.ask("Username (email): "));
    if (username === "") throw new UsageError("no username given");
    const { cognitoGateway } = await import("../cognito/client.ts");
    const tokens = await signIn({
      gateway: cognitoGateway({ region, endpoint: nonEmpty(env[LOGIN_ENV.endpoint]) }),
      userPoolId,
      clientId,
      username,
      prompts: terminalPrompts(prompter, ctx),
    });
    const claims = readClaims(tokens.idToken);
    const expiresAt = new Date(
      claims.exp !== undefined
        ? claims.exp * 1000
        : ctx.now() + (tokens.expiresIn ?? DEFAULT_TOKEN_SECONDS) * 1000,
    ).toISOString();
    if (claims.tenantId === undefined) {
      out.note(
        `${out.errFmt.style.yellow("warning: the ID token names no tenant (custom:tenant_id); the API will refuse it")}\n` +
          "  → ask an admin to create the user with its custom:tenant_id",
      );
    }
    if (print) {
      out.line(tokens.idToken);
      return 0;
    }
    const path = loginPath(env);
    saveLogin(
      {
        idToken: tokens.idToken,
        expiresAt,
        username,
        ...(claims.tenantId ? { tenantId: claims.tenantId } : {}),
        userPoolId,
        clientId,
        ...(api ? { api: normalizeApi(api, "--api") } : {}),
        ...(ws ? { ws: normalizeWs(ws) } : {}),
        savedAt: new Date(ctx.now()).toISOString(),
      },
      path,
    );
    const { style } = out.fmt;
    out.line(
      `signed in as ${style.bold(username)}${claims.tenantId ? ` (tenant ${style.bold(claims.tenantId)})` : ""}; ` +
        `the ID token is valid until ${formatDateTime(expiresAt, out.fmt)} and stored in ${path}`,
    );
    if (!api) {
      out.note(
        style.dim(
          "no --api given: pass --api/--ws to the other commands, or sign in again with them to store them",
        ),
      );
    }
    return 0;
  } finally {
    prompter.close();
  }
}

function terminalPrompts(prompter: Prompter, ctx: CommandContext): SignInPrompts {
  const { out } = ctx;
  return {
    password: () => prompter.askHidden("Password: "),
    newPassword: async () => {
      out.note("Cognito asks for a new password (the one you have was set by an admin).");
      const first = await prompter.askHidden("New password: ");
      const second = await prompter.askHidden("New password again: ");
      if (first !== second) throw new CliError("the two new passwords differ", "run `pacer login` again");
      return first;
    },
    attribute: (name) => prompter.ask(`${name}: `),
    totpCode: async (purpose) => {
      const code = (
        await prompter.ask(
          purpose === "setup" ? "Code shown by the authenticator app: " : "Authenticator code: ",
        )
      ).replace(/\s+/g, "");
      if (!/^\d{6}$/.test(code)) throw new UsageError("an authenticator code is 6 digits");
      return code;
    },
    showTotpSecret: (secret, uri) => {
      out.note(
        [
          "Multi-factor authentication is required: add Pacer to an authenticator app (TOTP).",
          `  secret: ${secret}`,
          `  or the URI (e.g. as a QR code): ${uri}`,
        ].join("\n"),
      );
    },
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}
