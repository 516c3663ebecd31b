import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { logger } from "#adapters/observability.ts";
import { createTokenVerifier, type TokenVerifier } from "#core/auth/verifier.ts";
import {
  type AuthorizerEvent,
  type AuthorizerResult,
  createAuthorizer,
  stageWildcard,
} from "#handlers/authorizer.ts";

vi.hoisted(() => {
  // The handler module builds its verifier from the environment at load time.
  process.env.PACER_JWT_ISSUER = "https://issuer.test";
  process.env.PACER_JWKS_URL = "http://127.0.0.1:9/jwks.json";
});

const ISSUER = "https://issuer.test";
const REST_ARN = "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/POST/sync";
const WS_ARN = "arn:aws:execute-api:eu-west-1:123456789012:ws987/live/$connect";

let authorize: (event: AuthorizerEvent) => Promise<AuthorizerResult>;
let sign: (
  claims: Record<string, unknown>,
  expiresIn?: string | number,
  issuedAt?: number,
) => Promise<string>;

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256" };
  const verifier = createTokenVerifier({
    issuer: ISSUER,
    jwksUrl: "https://unused.invalid",
    tenantClaim: "tenant_id",
    keySet: createLocalJWKSet({ keys: [jwk] }),
  });
  authorize = createAuthorizer(verifier);
  sign = (claims, expiresIn = "5m", issuedAt = Math.floor(Date.now() / 1000)) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: "ES256", kid: "k1" })
      .setIssuer(ISSUER)
      .setSubject("user-7")
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresIn)
      .sign(privateKey);
});

function refusal(event: AuthorizerEvent): Promise<unknown> {
  return authorize(event).then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe("authorizer", () => {
  it("allows a REST call with a valid bearer token on every route of the stage", async () => {
    const token = await sign({ tenant_id: "acme" });
    const result = await authorize({
      type: "TOKEN",
      authorizationToken: `Bearer ${token}`,
      methodArn: REST_ARN,
    });
    expect(result).toEqual({
      principalId: "user-7",
      policyDocument: {
        Version: "2012-10-17",
        Statement: [
          {
            Action: "execute-api:Invoke",
            Effect: "Allow",
            Resource: "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/*",
          },
        ],
      },
      context: { tenantId: "acme", sub: "user-7" },
    });
  });

  it("allows a WebSocket connect with the token in the query string", async () => {
    const token = await sign({ tenant_id: "globex" });
    const result = await authorize({ type: "REQUEST", methodArn: WS_ARN, queryStringParameters: { token } });
    expect(result.context).toEqual({ tenantId: "globex", sub: "user-7" });
    expect(result.policyDocument.Statement[0]).toMatchObject({
      Effect: "Allow",
      Resource: "arn:aws:execute-api:eu-west-1:123456789012:ws987/live/*",
    });
  });

  it("accepts a WebSocket connect that carries the token in the Authorization header", async () => {
    const token = await sign({ tenant_id: "acme" });
    const result = await authorize({
      type: "REQUEST",
      methodArn: WS_ARN,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(result.context.tenantId).toBe("acme");
  });

  it.each<[string, () => Promise<AuthorizerEvent>]>([
    [
      "an expired token",
      async () => ({
        type: "TOKEN",
        authorizationToken: `Bearer ${await sign({ tenant_id: "acme" }, 1)}`,
        methodArn: REST_ARN,
      }),
    ],
    [
      "a token that expires in 100 years",
      async () => ({
        type: "TOKEN",
        authorizationToken: `Bearer ${await sign({ tenant_id: "acme" }, "100y")}`,
        methodArn: REST_ARN,
      }),
    ],
    [
      "a token issued an hour from now",
      async () => {
        const inAnHour = Math.floor(Date.now() / 1000) + 3600;
        const token = await sign({ tenant_id: "acme" }, inAnHour + 300, inAnHour);
        return { type: "REQUEST", methodArn: WS_ARN, queryStringParameters: { token } };
      },
    ],
    [
      "a token for the tenant '..'",
      async () => ({
        type: "TOKEN",
        authorizationToken: `Bearer ${await sign({ tenant_id: ".." })}`,
        methodArn: REST_ARN,
      }),
    ],
    [
      "a token without tenant",
      async () => ({ type: "TOKEN", authorizationToken: `Bearer ${await sign({})}`, methodArn: REST_ARN }),
    ],
    [
      "a garbage token",
      async () => ({ type: "TOKEN", authorizationToken: "Bearer nonsense", methodArn: REST_ARN }),
    ],
    ["no Authorization header", async () => ({ type: "TOKEN", methodArn: REST_ARN })],
    ["a bare Bearer", async () => ({ type: "TOKEN", authorizationToken: "Bearer ", methodArn: REST_ARN })],
    [
      "a connect without token",
      async () => ({ type: "REQUEST", methodArn: WS_ARN, queryStringParameters: null }),
    ],
  ])("answers 401 (Error 'Unauthorized') for %s", async (_, event) => {
    const error = await refusal(await event());
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe("Unauthorized");
  });

  it("lets a key-set outage surface as a server error rather than a 401, and logs it", async () => {
    const logged = vi.spyOn(logger, "error").mockImplementation(() => undefined);
    const broken: TokenVerifier = { verify: () => Promise.reject(new Error("JWKS fetch timed out")) };
    const error = await createAuthorizer(broken)({
      type: "TOKEN",
      authorizationToken: "Bearer x",
      methodArn: REST_ARN,
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe("JWKS fetch timed out");
    expect(logged).toHaveBeenCalledWith("token verification failed", expect.objectContaining({ error }));
    logged.mockRestore();
  });
});

describe("stageWildcard", () => {
  it.each([
    [REST_ARN, "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/*"],
    ["arn:aws:execute-api:us-east-1:1:api/dev/GET/jobs/{jobId}", "arn:aws:execute-api:us-east-1:1:api/dev/*"],
    [WS_ARN, "arn:aws:execute-api:eu-west-1:123456789012:ws987/live/*"],
  ])("%s → %s", (arn, expected) => {
    expect(stageWildcard(arn)).toBe(expected);
  });
});

describe("authorizer module", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it("refuses to load without its issuer configured", async () => {
    vi.resetModules();
    vi.stubEnv("PACER_JWT_ISSUER", "");
    await expect(import("#handlers/authorizer.ts")).rejects.toThrow(/PACER_JWT_ISSUER/);
  });
});
