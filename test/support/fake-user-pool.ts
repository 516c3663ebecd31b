import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { claimSignature, fromHex, srpServer } from "../../local/cli/cognito/srp.ts";
import { base32, totpCode } from "../../local/cli/cognito/totp.ts";

/**
 * A Cognito user pool double speaking the AWS JSON 1.1 protocol of the calls `pacer login` makes
 * (InitiateAuth with USER_SRP_AUTH, RespondToAuthChallenge, AssociateSoftwareToken,
 * VerifySoftwareToken), for tests and for trying the flow without an account. It checks the SRP
 * proof for real (it keeps only a verifier, as Cognito does), checks TOTP codes, and walks a user
 * through NEW_PASSWORD_REQUIRED and MFA_SETUP on a first sign-in. Its tokens are not signed.
 */

export interface FakeUserSpec {
  readonly username: string;
  readonly password: string;
  readonly tenantId: string;
  /** An admin-created user must choose a new password at first sign-in. @default false */
  readonly mustChangePassword?: boolean;
  /** Base32 TOTP secret of an authenticator already set up; absent: MFA_SETUP comes first. */
  readonly totpSecret?: string;
}

export interface FakeUserPool {
  /** Give this to the SDK as `endpoint`. */
  readonly endpoint: string;
  readonly userPoolId: string;
  readonly clientId: string;
  /** Every request as it arrived: operation and raw body. */
  readonly requests: readonly { readonly operation: string; readonly body: string }[];
  /** A user's state now: password, TOTP secret. */
  user(username: string): { readonly password: string; readonly totpSecret?: string } | undefined;
  stop(): Promise<void>;
}

interface User {
  readonly username: string;
  readonly sub: string;
  readonly tenantId: string;
  password: string;
  salt: bigint;
  verifier: bigint;
  mustChangePassword: boolean;
  totpSecret?: string;
}

interface Session {
  readonly user: User;
  readonly expects: "NEW_PASSWORD_REQUIRED" | "MFA_SETUP" | "SOFTWARE_TOKEN_MFA" | "ASSOCIATE" | "VERIFY";
  readonly pendingSecret?: string;
}

class CognitoFault extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const TIMESTAMP = /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) [A-Z][a-z]{2} \d{1,2} \d{2}:\d{2}:\d{2} UTC \d{4}$/;

export async function startFakeUserPool(options: {
  readonly users: readonly FakeUserSpec[];
  readonly userPoolId?: string;
  readonly clientId?: string;
  readonly now?: () => number;
}): Promise<FakeUserPool> {
  const userPoolId = options.userPoolId ?? "eu-west-1_FakePool1";
  const clientId = options.clientId ?? "fakeclient0123456789";
  const poolName = userPoolId.slice(userPoolId.indexOf("_") + 1);
  const now = options.now ?? Date.now;
  const users = new Map<string, User>();
  for (const spec of options.users) {
    const user: User = {
      username: spec.username,
      sub: randomUUID(),
      tenantId: spec.tenantId,
      password: spec.password,
      salt: 0n,
      verifier: 0n,
      mustChangePassword: spec.mustChangePassword ?? false,
      ...(spec.totpSecret ? { totpSecret: spec.totpSecret } : {}),
    };
    setPassword(user, spec.password);
    users.set(spec.username, user);
  }
  const verifierChallenges = new Map<string, { user: User; A: bigint; server: { b: bigint; B: bigint } }>();
  const sessions = new Map<string, Session>();
  const requests: { operation: string; body: string }[] = [];

  function setPassword(user: User, password: string): void {
    user.password = password;
    user.salt = fromHex(randomBytes(16).toString("hex"));
    user.verifier = srpServer.verifier(poolName, user.sub, password, user.salt);
  }

  function newSession(session: Session): string {
    const token = randomBytes(24).toString("base64url");
    sessions.set(token, session);
    return token;
  }

  function takeSession(token: unknown, expects: Session["expects"]): Session {
    const session = typeof token === "string" ? sessions.get(token) : undefined;
    if (!session || session.expects !== expects)
      throw new CognitoFault("NotAuthorizedException", "Invalid session for the user.");
    sessions.delete(token as string);
    return session;
  }

  /** What a signed-in user is asked next, or its tokens. */
  function next(user: User): Record<string, unknown> {
    const params = { USER_ID_FOR_SRP: user.sub };
    if (user.mustChangePassword) {
      return {
        ChallengeName: "NEW_PASSWORD_REQUIRED",
        ChallengeParameters: {
          ...params,
          requiredAttributes: "[]",
          userAttributes: JSON.stringify({ email: user.username }),
        },
        Session: newSession({ user, expects: "NEW_PASSWORD_REQUIRED" }),
      };
    }
    if (!user.totpSecret) {
      return {
        ChallengeName: "MFA_SETUP",
        ChallengeParameters: { ...params, MFAS_CAN_SETUP: '["SOFTWARE_TOKEN_MFA"]' },
        Session: newSession({ user, expects: "ASSOCIATE" }),
      };
    }
    return {
      ChallengeName: "SOFTWARE_TOKEN_MFA",
      ChallengeParameters: params,
      Session: newSession({ user, expects: "SOFTWARE_TOKEN_MFA" }),
    };
  }

  function tokens(user: User): Record<string, unknown> {
    const iat = Math.floor(now() / 1000);
    const claims = { sub: user.sub, iss: `https://cognito-idp.fake/${userPoolId}`, iat, exp: iat + 3600 };
    return {
      AuthenticationResult: {
        IdToken: unsignedJwt({
          ...claims,
          aud: clientId,
          token_use: "id",
          email: user.username,
          "custom:tenant_id": user.tenantId,
        }),
        AccessToken: unsignedJwt({ ...claims, client_id: clientId, token_use: "access" }),
        RefreshToken: randomBytes(32).toString("base64url"),
        ExpiresIn: 3600,
        TokenType: "Bearer",
      },
      ChallengeParameters: {},
    };
  }

  function checkCode(secret: string | undefined, code: unknown): void {
    const at = now();
    const valid =
      secret !== undefined && [-1, 0, 1].some((step) => totpCode(secret, at + step * 30_000) === code);
    if (!valid) throw new CognitoFault("CodeMismatchException", "Invalid code received for user");
  }

  const operations: Record<string, (input: Record<string, unknown>) => Record<string, unknown>> = {
    InitiateAuth: (input) => {
      if (input.ClientId !== clientId)
        throw new CognitoFault("ResourceNotFoundException", "User pool client does not exist.");
      if (input.AuthFlow !== "USER_SRP_AUTH") {
        throw new CognitoFault(
          "InvalidParameterException",
          `${String(input.AuthFlow)} flow not enabled for this client`,
        );
      }
      const parameters = (input.AuthParameters ?? {}) as Record<string, string>;
      const user = users.get(parameters.USERNAME ?? "");
      if (!user || !parameters.SRP_A)
        throw new CognitoFault("NotAuthorizedException", "Incorrect username or password.");
      const server = srpServer.start(user.verifier);
      const secretBlock = randomBytes(64).toString("base64");
      verifierChallenges.set(secretBlock, { user, A: fromHex(parameters.SRP_A), server });
      return {
        ChallengeName: "PASSWORD_VERIFIER",
        ChallengeParameters: {
          SALT: user.salt.toString(16),
          SRP_B: server.B.toString(16),
          SECRET_BLOCK: secretBlock,
          USER_ID_FOR_SRP: user.sub,
          USERNAME: user.sub,
        },
      };
    },
    RespondToAuthChallenge: (input) => {
      const responses = (input.ChallengeResponses ?? {}) as Record<string, string>;
      switch (input.ChallengeName) {
        case "PASSWORD_VERIFIER": {
          const secretBlock = responses.PASSWORD_CLAIM_SECRET_BLOCK ?? "";
          const pending = verifierChallenges.get(secretBlock);
          verifierChallenges.delete(secretBlock);
          const timestamp = responses.TIMESTAMP ?? "";
          if (!pending || responses.USERNAME !== pending.user.sub || !TIMESTAMP.test(timestamp)) {
            throw new CognitoFault("NotAuthorizedException", "Incorrect username or password.");
          }
          const key = srpServer.key(pending.user.verifier, pending.server, pending.A);
          const expected = claimSignature(key, {
            poolName,
            userId: pending.user.sub,
            secretBlock,
            timestamp,
          });
          if (responses.PASSWORD_CLAIM_SIGNATURE !== expected) {
            throw new CognitoFault("NotAuthorizedException", "Incorrect username or password.");
          }
          return next(pending.user);
        }
        case "NEW_PASSWORD_REQUIRED": {
          const { user } = takeSession(input.Session, "NEW_PASSWORD_REQUIRED");
          const password = responses.NEW_PASSWORD ?? "";
          if (password.length < 14) {
            throw new CognitoFault(
              "InvalidPasswordException",
              "Password does not conform to policy: Password not long enough",
            );
          }
          setPassword(user, password);
          user.mustChangePassword = false;
          return next(user);
        }
        case "MFA_SETUP":
          return tokens(takeSession(input.Session, "MFA_SETUP").user);
        case "SOFTWARE_TOKEN_MFA": {
          const { user } = takeSession(input.Session, "SOFTWARE_TOKEN_MFA");
          checkCode(user.totpSecret, responses.SOFTWARE_TOKEN_MFA_CODE);
          return tokens(user);
        }
        default:
          throw new CognitoFault(
            "InvalidParameterException",
            `unexpected challenge ${String(input.ChallengeName)}`,
          );
      }
    },
    AssociateSoftwareToken: (input) => {
      const { user } = takeSession(input.Session, "ASSOCIATE");
      const secret = base32(randomBytes(20));
      return { SecretCode: secret, Session: newSession({ user, expects: "VERIFY", pendingSecret: secret }) };
    },
    VerifySoftwareToken: (input) => {
      const session = takeSession(input.Session, "VERIFY");
      checkCode(session.pendingSecret, input.UserCode);
      session.user.totpSecret = session.pendingSecret;
      return { Status: "SUCCESS", Session: newSession({ user: session.user, expects: "MFA_SETUP" }) };
    },
  };

  const server = createServer((request, response) => {
    void handle(request, response);
  });
  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const operation = String(request.headers["x-amz-target"] ?? "").replace(
      /^AWSCognitoIdentityProviderService\./,
      "",
    );
    requests.push({ operation, body });
    const reply = (status: number, payload: unknown, type?: string) => {
      response.writeHead(status, {
        "content-type": "application/x-amz-json-1.1",
        ...(type ? { "x-amzn-errortype": type } : {}),
      });
      response.end(JSON.stringify(payload));
    };
    const run = operations[operation];
    if (!run)
      return reply(
        400,
        { __type: "UnknownOperationException", message: operation },
        "UnknownOperationException",
      );
    try {
      reply(200, run(JSON.parse(body) as Record<string, unknown>));
    } catch (error) {
      const fault =
        error instanceof CognitoFault ? error : new CognitoFault("InternalErrorException", String(error));
      reply(
        fault.type === "InternalErrorException" ? 500 : 400,
        { __type: fault.type, message: fault.message },
        fault.type,
      );
    }
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    userPoolId,
    clientId,
    requests,
    user: (username) => {
      const user = users.get(username);
      return user && { password: user.password, ...(user.totpSecret ? { totpSecret: user.totpSecret } : {}) };
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function unsignedJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "none", typ: "JWT" })}.${part(claims)}.${Buffer.from("fake").toString("base64url")}`;
}
