import { createLocalJWKSet, errors, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createTokenVerifier, type TokenVerifier, verifierFromEnv } from "#core/auth/verifier.ts";
import { UnauthorizedError } from "#core/errors.ts";

const ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TEST";
const AUDIENCE = "pacer-client";
const KID = "key-1";

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
let issuerKeys: KeyPair;
let strangerKeys: KeyPair;
let verifier: TokenVerifier;
let keySet: ReturnType<typeof createLocalJWKSet>;

beforeAll(async () => {
  issuerKeys = await generateKeyPair("ES256");
  strangerKeys = await generateKeyPair("ES256");
  const jwk = { ...(await exportJWK(issuerKeys.publicKey)), kid: KID, alg: "ES256", use: "sig" };
  keySet = createLocalJWKSet({ keys: [jwk] });
  verifier = createTokenVerifier({
    issuer: ISSUER,
    jwksUrl: "https://unused.invalid/jwks.json",
    audience: AUDIENCE,
    tenantClaim: "tenant_id",
    keySet,
  });
});

interface TokenOptions {
  claims?: JWTPayload;
  issuer?: string;
  audience?: string | null;
  subject?: string | null;
  expiresIn?: string | number;
  key?: KeyPair["privateKey"];
  kid?: string;
}

function token(options: TokenOptions = {}): Promise<string> {
  const jwt = new SignJWT({ tenant_id: "acme", ...options.claims })
    .setProtectedHeader({ alg: "ES256", kid: options.kid ?? KID })
    .setIssuer(options.issuer ?? ISSUER)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? "5m");
  if (options.audience !== null) jwt.setAudience(options.audience ?? AUDIENCE);
  if (options.subject !== null) jwt.setSubject(options.subject ?? "user-1");
  return jwt.sign(options.key ?? issuerKeys.privateKey);
}

async function refusal(jwt: string, v: TokenVerifier = verifier): Promise<UnauthorizedError> {
  const error = await v.verify(jwt).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UnauthorizedError);
  return error as UnauthorizedError;
}

describe("token verifier", () => {
  it("returns the tenant and subject of a valid token", async () => {
    await expect(verifier.verify(await token())).resolves.toEqual({ tenantId: "acme", subject: "user-1" });
  });

  it("refuses an expired token", async () => {
    const expired = await token({ expiresIn: Math.floor(Date.now() / 1000) - 60 });
    expect((await refusal(expired)).message).toMatch(/expired/);
  });

  it("refuses a token from another issuer", async () => {
    const error = await refusal(await token({ issuer: "https://evil.example.com" }));
    expect(error.message).toContain(`issuer is not "${ISSUER}"`);
  });

  it("refuses a token for another audience", async () => {
    const error = await refusal(await token({ audience: "someone-else" }));
    expect(error.message).toContain(`audience is not "${AUDIENCE}"`);
  });

  it("accepts a Cognito access token whose client_id is the audience", async () => {
    const jwt = await token({ audience: null, claims: { client_id: AUDIENCE, token_use: "access" } });
    await expect(verifier.verify(jwt)).resolves.toEqual({ tenantId: "acme", subject: "user-1" });
  });

  it("refuses a token without audience when one is required", async () => {
    expect((await refusal(await token({ audience: null }))).message).toMatch(/audience/);
  });

  it("does not check the audience when none is configured", async () => {
    const lenient = createTokenVerifier({
      issuer: ISSUER,
      jwksUrl: "https://unused.invalid",
      tenantClaim: "tenant_id",
      keySet,
    });
    await expect(lenient.verify(await token({ audience: "anything" }))).resolves.toMatchObject({
      tenantId: "acme",
    });
  });

  it("refuses a token whose signature does not match the issuer's key", async () => {
    const forged = await token({ key: strangerKeys.privateKey });
    expect((await refusal(forged)).message).toMatch(/signature is invalid/);
  });

  it("refuses a token signed by a key the issuer does not publish", async () => {
    const forged = await token({ key: strangerKeys.privateKey, kid: "unknown-key" });
    expect((await refusal(forged)).message).toMatch(/not signed by a key of the issuer/);
  });

  it("refuses a token signed with a shared secret (HS256)", async () => {
    const hs = await new SignJWT({ tenant_id: "acme" })
      .setProtectedHeader({ alg: "HS256", kid: KID })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject("user-1")
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode("a-shared-secret-of-sufficient-length!!"));
    expect((await refusal(hs)).message).toMatch(/algorithm that is not accepted/);
  });

  it.each(["not-a-jwt", "a.b.c", "one.two"])("refuses the malformed token %j", async (bad) => {
    expect((await refusal(bad)).message).toMatch(/malformed/);
  });

  it("refuses an empty token", async () => {
    expect((await refusal("  ")).message).toMatch(/missing/);
  });

  it("refuses a token without the tenant claim, naming the claim", async () => {
    const error = await refusal(await token({ claims: { tenant_id: undefined } }));
    expect(error.message).toContain('no tenant claim "tenant_id"');
  });

  it.each(["acme#other", "", "x".repeat(65), 42])("refuses the invalid tenant claim %j", async (tenant) => {
    const error = await refusal(await token({ claims: { tenant_id: tenant } }));
    expect(error.message).toContain(`tenant claim "tenant_id" is invalid`);
  });

  it("refuses a token that never expires", async () => {
    const forever = await new SignJWT({ tenant_id: "acme" })
      .setProtectedHeader({ alg: "ES256", kid: KID })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject("user-1")
      .sign(issuerKeys.privateKey);
    expect((await refusal(forever)).message).toBe('token has no "exp" claim');
  });

  it("refuses a token without a subject", async () => {
    expect((await refusal(await token({ subject: null }))).message).toMatch(/subject/);
  });

  it("reads the tenant from the configured claim (Cognito custom attribute)", async () => {
    const cognito = createTokenVerifier({
      issuer: ISSUER,
      jwksUrl: "https://unused.invalid",
      audience: AUDIENCE,
      tenantClaim: "custom:tenant_id",
      keySet,
    });
    const jwt = await token({ claims: { tenant_id: undefined, "custom:tenant_id": "globex" } });
    await expect(cognito.verify(jwt)).resolves.toEqual({ tenantId: "globex", subject: "user-1" });
    expect((await refusal(await token(), cognito)).message).toContain('"custom:tenant_id"');
  });

  it("reports an unreachable key set as a server failure, not as the caller's fault", async () => {
    const unreachable = createTokenVerifier({
      issuer: ISSUER,
      jwksUrl: "https://unused.invalid",
      tenantClaim: "tenant_id",
      keySet: async () => {
        throw new errors.JWKSTimeout();
      },
    });
    const error = await unreachable.verify(await token()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(errors.JWKSTimeout);
    expect(error).not.toBeInstanceOf(UnauthorizedError);
  });
});

describe("verifierFromEnv", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("fails at once, naming the variable, when the issuer is not configured", () => {
    vi.stubEnv("PACER_JWT_ISSUER", "");
    vi.stubEnv("PACER_JWKS_URL", "http://127.0.0.1:9/jwks.json");
    expect(() => verifierFromEnv()).toThrow(/PACER_JWT_ISSUER/);
  });

  it("fails at once when the JWKS URL is not a URL", () => {
    vi.stubEnv("PACER_JWT_ISSUER", ISSUER);
    vi.stubEnv("PACER_JWKS_URL", "not a url");
    expect(() => verifierFromEnv()).toThrow(/not a URL/);
  });
});
