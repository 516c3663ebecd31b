import { CliError } from "../errors.ts";
import {
  claimSignature,
  clientKey,
  cognitoTimestamp,
  type SrpClientSession,
  startSrpSession,
} from "./srp.ts";

/**
 * Signing in to a Cognito user pool with USER_SRP_AUTH, answering the challenges Pacer's pool
 * sets (lib/constructs/auth.ts): PASSWORD_VERIFIER, then on a first sign-in NEW_PASSWORD_REQUIRED
 * and MFA_SETUP (a TOTP authenticator), else SOFTWARE_TOKEN_MFA. Knows nothing of the SDK or the
 * terminal: both come in as small interfaces.
 */

export type AuthStep =
  | {
      readonly kind: "tokens";
      readonly idToken: string;
      readonly accessToken?: string;
      readonly refreshToken?: string;
      /** Seconds. */
      readonly expiresIn?: number;
    }
  | {
      readonly kind: "challenge";
      readonly name: string;
      readonly parameters: Readonly<Record<string, string>>;
      readonly session?: string;
    };

/** The four Cognito calls sign-in needs (cognito/client.ts over the SDK). */
export interface CognitoGateway {
  initiateAuth(input: { clientId: string; authParameters: Record<string, string> }): Promise<AuthStep>;
  respondToAuthChallenge(input: {
    clientId: string;
    challengeName: string;
    session: string | undefined;
    responses: Record<string, string>;
  }): Promise<AuthStep>;
  associateSoftwareToken(input: { session: string }): Promise<{ secretCode: string; session: string }>;
  verifySoftwareToken(input: {
    session: string;
    userCode: string;
    friendlyDeviceName: string;
  }): Promise<{ status: string; session: string | undefined }>;
}

/** What sign-in asks the person at the terminal. */
export interface SignInPrompts {
  password(): Promise<string>;
  /** A new password (asked twice, say), for a user whose password was set by an admin. */
  newPassword(): Promise<string>;
  /** A user attribute Cognito requires before it accepts the new password. */
  attribute(name: string): Promise<string>;
  /** The 6-digit code of the authenticator app. */
  totpCode(purpose: "sign-in" | "setup"): Promise<string>;
  /** Shows the secret to add to an authenticator app (MFA setup). */
  showTotpSecret(secret: string, otpauthUri: string): void;
}

export interface SignInOptions {
  readonly gateway: CognitoGateway;
  readonly userPoolId: string;
  readonly clientId: string;
  readonly username: string;
  readonly prompts: SignInPrompts;
  readonly srpSession?: SrpClientSession;
  readonly now?: () => Date;
  /** How authenticator apps list the account. @default "Pacer" */
  readonly issuer?: string;
}

export type SignInTokens = Extract<AuthStep, { kind: "tokens" }>;

/** More challenges than this in one sign-in means the pool asks for something this flow does not do. */
const MAX_CHALLENGES = 8;

const USER_POOL_ID = /^[\w-]+_[0-9A-Za-z]+$/;

/** The pool's name as SRP hashes it: the part of `<region>_<name>` after the underscore. */
export function poolNameOf(userPoolId: string): string {
  if (!USER_POOL_ID.test(userPoolId)) {
    throw new CliError(
      `${JSON.stringify(userPoolId)} is not a user pool id`,
      "expected <region>_<id>, e.g. eu-west-1_AbCdEf123: the stack's UserPoolId output",
      2,
    );
  }
  return userPoolId.slice(userPoolId.indexOf("_") + 1);
}

export function regionOf(userPoolId: string): string {
  poolNameOf(userPoolId);
  return userPoolId.slice(0, userPoolId.indexOf("_"));
}

export async function signIn(options: SignInOptions): Promise<SignInTokens> {
  const { gateway, clientId, prompts } = options;
  const poolName = poolNameOf(options.userPoolId);
  const now = options.now ?? (() => new Date());
  const srp = options.srpSession ?? startSrpSession();
  // Asked first: Cognito's session lasts 3 minutes from InitiateAuth.
  const password = await prompts.password();
  let userId = options.username;

  let step = await gateway.initiateAuth({
    clientId,
    authParameters: { USERNAME: options.username, SRP_A: srp.A.toString(16) },
  });
  for (let round = 0; round < MAX_CHALLENGES; round++) {
    if (step.kind === "tokens") return step;
    const { name, parameters, session } = step;
    userId = parameters.USER_ID_FOR_SRP ?? userId;
    const respond = (responses: Record<string, string>, withSession = session) =>
      gateway.respondToAuthChallenge({
        clientId,
        challengeName: name,
        session: withSession,
        responses: { USERNAME: userId, ...responses },
      });

    switch (name) {
      case "PASSWORD_VERIFIER": {
        const key = clientKey(srp, {
          poolName,
          userId,
          password,
          srpB: required(parameters, "SRP_B"),
          salt: required(parameters, "SALT"),
        });
        const secretBlock = required(parameters, "SECRET_BLOCK");
        const timestamp = cognitoTimestamp(now());
        step = await respond({
          PASSWORD_CLAIM_SECRET_BLOCK: secretBlock,
          PASSWORD_CLAIM_SIGNATURE: claimSignature(key, { poolName, userId, secretBlock, timestamp }),
          TIMESTAMP: timestamp,
        });
        break;
      }
      case "NEW_PASSWORD_REQUIRED": {
        const responses: Record<string, string> = { NEW_PASSWORD: await prompts.newPassword() };
        for (const attribute of requiredAttributes(parameters)) {
          responses[attribute] = await prompts.attribute(attribute.replace(/^userAttributes\./, ""));
        }
        step = await respond(responses);
        break;
      }
      case "MFA_SETUP": {
        const associated = await gateway.associateSoftwareToken({ session: requireSession(session, name) });
        const issuer = options.issuer ?? "Pacer";
        prompts.showTotpSecret(
          associated.secretCode,
          otpauthUri(issuer, options.username, associated.secretCode),
        );
        const verified = await gateway.verifySoftwareToken({
          session: associated.session,
          userCode: await prompts.totpCode("setup"),
          friendlyDeviceName: "pacer-cli",
        });
        if (verified.status !== "SUCCESS") {
          throw new CliError(
            `Cognito did not accept the authenticator (${verified.status})`,
            "run `pacer login` again",
          );
        }
        step = await respond({}, verified.session);
        break;
      }
      case "SOFTWARE_TOKEN_MFA":
        step = await respond({ SOFTWARE_TOKEN_MFA_CODE: await prompts.totpCode("sign-in") });
        break;
      case "SELECT_MFA_TYPE":
        // The pool offers TOTP only (no SMS), so there is one answer.
        step = await respond({ ANSWER: "SOFTWARE_TOKEN_MFA" });
        break;
      default:
        throw new CliError(
          `Cognito asks for ${name}, which \`pacer login\` cannot answer`,
          "sign in once with the AWS console or CLI, then try again",
        );
    }
  }
  throw new CliError(`Cognito kept asking after ${MAX_CHALLENGES} challenges`, "run `pacer login` again");
}

/** The `otpauth://` URI authenticator apps read (as text, or as a QR code made from it). */
export function otpauthUri(issuer: string, account: string, secret: string): string {
  const label = encodeURIComponent(`${issuer}:${account}`);
  return `otpauth://totp/${label}?secret=${encodeURIComponent(secret)}&issuer=${encodeURIComponent(issuer)}`;
}

function required(parameters: Readonly<Record<string, string>>, name: string): string {
  const value = parameters[name];
  if (value === undefined || value === "") throw new CliError(`Cognito's challenge came without ${name}`);
  return value;
}

function requireSession(session: string | undefined, challenge: string): string {
  if (session === undefined) throw new CliError(`Cognito's ${challenge} challenge came without a session`);
  return session;
}

/** NEW_PASSWORD_REQUIRED lists the attributes to send as a JSON array, e.g. ["userAttributes.name"]. */
function requiredAttributes(parameters: Readonly<Record<string, string>>): string[] {
  const raw = parameters.requiredAttributes;
  if (!raw) return [];
  try {
    const list: unknown = JSON.parse(raw);
    return Array.isArray(list) ? list.filter((a): a is string => typeof a === "string") : [];
  } catch {
    return [];
  }
}
