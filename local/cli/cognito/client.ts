import {
  AssociateSoftwareTokenCommand,
  type AuthenticationResultType,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  VerifySoftwareTokenCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { CliError } from "../errors.ts";
import type { AuthStep, CognitoGateway } from "./sign-in.ts";

export interface CognitoClientOptions {
  readonly region: string;
  /** Another Cognito endpoint (a test double, cognito-local). @default the region's */
  readonly endpoint?: string;
}

/**
 * The sign-in calls over the AWS SDK. They are unsigned calls (the SDK's noAuth scheme), so no
 * AWS credentials are needed or looked for: a provider that throws makes sure of it.
 */
export function cognitoGateway(options: CognitoClientOptions): CognitoGateway {
  const client = new CognitoIdentityProviderClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    credentials: async () => {
      throw new Error("Cognito's sign-in calls are unsigned: no AWS credentials are used");
    },
  });
  return {
    initiateAuth: async ({ clientId, authParameters }) =>
      step(
        await call(() =>
          client.send(
            new InitiateAuthCommand({
              AuthFlow: "USER_SRP_AUTH",
              ClientId: clientId,
              AuthParameters: authParameters,
            }),
          ),
        ),
      ),
    respondToAuthChallenge: async ({ clientId, challengeName, session, responses }) =>
      step(
        await call(() =>
          client.send(
            new RespondToAuthChallengeCommand({
              ClientId: clientId,
              ChallengeName: challengeName as RespondToAuthChallengeCommand["input"]["ChallengeName"],
              Session: session,
              ChallengeResponses: responses,
            }),
          ),
        ),
      ),
    associateSoftwareToken: async ({ session }) => {
      const out = await call(() => client.send(new AssociateSoftwareTokenCommand({ Session: session })));
      if (!out.SecretCode || !out.Session) throw new CliError("Cognito sent no authenticator secret");
      return { secretCode: out.SecretCode, session: out.Session };
    },
    verifySoftwareToken: async ({ session, userCode, friendlyDeviceName }) => {
      const out = await call(() =>
        client.send(
          new VerifySoftwareTokenCommand({
            Session: session,
            UserCode: userCode,
            FriendlyDeviceName: friendlyDeviceName,
          }),
        ),
      );
      return { status: out.Status ?? "UNKNOWN", session: out.Session };
    },
  };
}

function step(out: {
  AuthenticationResult?: AuthenticationResultType;
  ChallengeName?: string;
  ChallengeParameters?: Record<string, string>;
  Session?: string;
}): AuthStep {
  const result = out.AuthenticationResult;
  if (result?.IdToken) {
    return {
      kind: "tokens",
      idToken: result.IdToken,
      ...(result.AccessToken ? { accessToken: result.AccessToken } : {}),
      ...(result.RefreshToken ? { refreshToken: result.RefreshToken } : {}),
      ...(result.ExpiresIn === undefined ? {} : { expiresIn: result.ExpiresIn }),
    };
  }
  if (!out.ChallengeName) throw new CliError("Cognito answered with neither tokens nor a challenge");
  return {
    kind: "challenge",
    name: out.ChallengeName,
    parameters: out.ChallengeParameters ?? {},
    ...(out.Session ? { session: out.Session } : {}),
  };
}

/** Cognito's refusals in words that say what to do; its own message (never a secret) is kept. */
const REFUSALS: Record<string, { message: string; hint?: string; exitCode?: number }> = {
  NotAuthorizedException: { message: "Cognito refused the sign-in", hint: "check the username and password" },
  UserNotFoundException: { message: "Cognito refused the sign-in", hint: "check the username and password" },
  CodeMismatchException: {
    message: "the authenticator code was wrong",
    hint: "run `pacer login` again with a fresh code (codes change every 30 s)",
  },
  ExpiredCodeException: { message: "the authenticator code has expired", hint: "run `pacer login` again" },
  EnableSoftwareTokenMFAException: {
    message: "Cognito could not enable the authenticator",
    hint: "run `pacer login` again and enter the current code",
  },
  InvalidPasswordException: { message: "Cognito refused the new password", hint: "see its rules above" },
  PasswordResetRequiredException: {
    message: "an admin asked for a password reset",
    hint: "reset it (e.g. the hosted UI's forgot-password) and sign in again",
  },
  UserNotConfirmedException: { message: "the user is not confirmed yet", hint: "ask an admin to confirm it" },
  TooManyRequestsException: {
    message: "Cognito is throttling sign-ins",
    hint: "wait a minute and try again",
  },
  ResourceNotFoundException: {
    message: "no such user pool or app client",
    hint: "check --user-pool-id and --client-id against the stack's outputs",
    exitCode: 2,
  },
  InvalidParameterException: {
    message: "Cognito refused the request",
    hint: "is --client-id the stack's UserPoolClientId (an app client with USER_SRP_AUTH)?",
    exitCode: 2,
  },
};

async function call<T>(send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if (error instanceof CliError) throw error;
    const name = (error as Error).name;
    const detail = (error as Error).message;
    const known = REFUSALS[name];
    if (known) {
      throw new CliError(`${known.message}: ${detail}`, known.hint, known.exitCode ?? 1);
    }
    const code = (error as { code?: string }).code;
    throw new CliError(
      `Cognito call failed (${code ?? name}): ${detail}`,
      "check your network and the user pool id",
    );
  }
}
