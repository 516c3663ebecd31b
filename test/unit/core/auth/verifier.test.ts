import { createLocalJWKSet, errors, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  createTokenVerifier,
  isValidTenantId,
  TENANT_ID_PATTERN,
  type TokenVerifier,
  verifierFromEnv,
} from "#core/auth/verifier.ts";
import { parseEnv } from "#core/env.ts";
import { UnauthorizedError, ValidationError } from "#core/errors.ts";
import { FUNCTIONS } from "#core/functions.ts";
import {
  createDevAuth,
  DEV_AUDIENCE,
  DEV_ISSUER,
  DEV_TENANT_CLAIM,
} from "../../../../local/gateways/dev-auth.ts";

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
  /** `iat` as epoch seconds; `null` leaves it out. Default: now. */
  issuedAt?: number | null;
  key?: KeyPair["privateKey"];
  kid?: string;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

function token(options: TokenOptions = {}): Promise<string> {
  const jwt = new SignJWT({ tenant_id: "acme", ...options.claims })
    .setProtectedHeader({ alg: "ES256", kid: options.kid ?? KID })
    .setIssuer(options.issuer ?? ISSUER)
    .setExpirationTime(options.expiresIn ?? "5m");
  if (options.issuedAt !== null) jwt.setIssuedAt(options.issuedAt ?? nowSeconds());
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

  it.each(["acme#other", "", "x".repeat(65), 42, ".", "..", "a..b", ".hidden", "-acme", "_acme"])(
    "refuses the invalid tenant claim %j",
    async (tenant) => {
      const error = await refusal(await token({ claims: { tenant_id: tenant } }));
      expect(error.message).toContain(`tenant claim "tenant_id" is invalid`);
    },
  );

  it("refuses a token that never expires", async () => {
    const forever = await new SignJWT({ tenant_id: "acme" })
      .setProtectedHeader({ alg: "ES256", kid: KID })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject("user-1")
      .sign(issuerKeys.privateKey);
    expect((await refusal(forever)).message).toBe('token has no "exp" claim');
  });

  it("refuses a token without an issue time, whose lifetime is unknown", async () => {
    expect((await refusal(await token({ issuedAt: null }))).message).toBe('token has no "iat" claim');
  });

  it("refuses a token that expires in 100 years, naming the lifetime and the maximum", async () => {
    const error = await refusal(await token({ expiresIn: "100y" }));
    expect(error.message).toMatch(/lifetime .* exceeds the maximum of 86400 s/);
  });

  it("accepts a token that lives exactly the default maximum of a day (Cognito's ceiling)", async () => {
    const now = nowSeconds();
    const jwt = await token({ issuedAt: now, expiresIn: now + 24 * 3600 });
    await expect(verifier.verify(jwt)).resolves.toMatchObject({ tenantId: "acme" });
  });

  it("refuses a token that lives longer than the configured maximum", async () => {
    const hourly = createTokenVerifier({
      issuer: ISSUER,
      jwksUrl: "https://unused.invalid",
      audience: AUDIENCE,
      tenantClaim: "tenant_id",
      keySet,
      maxLifetimeSeconds: 3600,
    });
    await expect(hourly.verify(await token({ expiresIn: "1h" }))).resolves.toMatchObject({
      tenantId: "acme",
    });
    expect((await refusal(await token({ expiresIn: "2h" }), hourly)).message).toMatch(/maximum of 3600 s/);
  });

  it("refuses a token issued in the future beyond the clock tolerance", async () => {
    const now = nowSeconds();
    const error = await refusal(await token({ issuedAt: now + 60, expiresIn: now + 600 }));
    expect(error.message).toMatch(/issued in the future/);
  });

  it("accepts a token issued a moment ahead, within the clock tolerance", async () => {
    const now = nowSeconds();
    const jwt = await token({ issuedAt: now + 2, expiresIn: now + 600 });
    await expect(verifier.verify(jwt)).resolves.toMatchObject({ tenantId: "acme" });
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

describe("tenant ids", () => {
  it.each(["acme", "default", "a", "A_b-c.d", "0", "x".repeat(64), "ws-abc123", "a.b"])(
    "accepts %j",
    (id) => {
      expect(isValidTenantId(id)).toBe(true);
      expect(TENANT_ID_PATTERN.test(id)).toBe(true);
    },
  );

  it.each([".", "..", "a..b", "acme..", "..acme", ".a", "-a", "_a", "", "x".repeat(65), "a/b", "a b", "é"])(
    "refuses %j",
    (id) => {
      expect(isValidTenantId(id)).toBe(false);
      // Callers that only hold the pattern get the same answer.
      expect(TENANT_ID_PATTERN.test(id)).toBe(false);
    },
  );

  it("refuses what is not a string", () => {
    expect(isValidTenantId(42)).toBe(false);
    expect(isValidTenantId(undefined)).toBe(false);
  });
});

describe("the authorizer's environment", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("fails at once, naming the variable, when the issuer is not configured", () => {
    vi.stubEnv("PACER_JWT_ISSUER", "");
    vi.stubEnv("PACER_JWKS_URL", "http://127.0.0.1:9/jwks.json");
    expect(() => verifierFromEnv(parseEnv(FUNCTIONS.authorizer.env))).toThrow(/PACER_JWT_ISSUER/);
  });

  it("fails at once when the maximum token lifetime is not a positive number", () => {
    vi.stubEnv("PACER_JWT_ISSUER", ISSUER);
    vi.stubEnv("PACER_JWKS_URL", "http://127.0.0.1:9/jwks.json");
    vi.stubEnv("PACER_JWT_MAX_LIFETIME_SECONDS", "a day");
    expect(() => verifierFromEnv(parseEnv(FUNCTIONS.authorizer.env))).toThrow(
      /PACER_JWT_MAX_LIFETIME_SECONDS/,
    );
    vi.stubEnv("PACER_JWT_MAX_LIFETIME_SECONDS", "0");
    expect(() => verifierFromEnv(parseEnv(FUNCTIONS.authorizer.env))).toThrow(
      /maximum token lifetime must be positive/,
    );
  });

  it("fails at once when the JWKS URL is not a URL", () => {
    vi.stubEnv("PACER_JWT_ISSUER", ISSUER);
    vi.stubEnv("PACER_JWKS_URL", "not a url");
    expect(() => verifierFromEnv(parseEnv(FUNCTIONS.authorizer.env))).toThrow(/not a URL/);
  });
});

describe("the stand-in's dev tokens", () => {
  it("pass the verifier the handlers are configured with", async () => {
    const auth = await createDevAuth();
    const local = createTokenVerifier({
      issuer: DEV_ISSUER,
      jwksUrl: "https://unused.invalid",
      audience: DEV_AUDIENCE,
      tenantClaim: DEV_TENANT_CLAIM,
      keySet: createLocalJWKSet(auth.jwks),
    });
    await expect(local.verify(await auth.issueToken("acme.eu"))).resolves.toEqual({
      tenantId: "acme.eu",
      subject: "dev-acme.eu",
    });
  });

  it.each(["..", ".", "-x", "a/b", ""])("are never minted for the tenant id %j", async (tenantId) => {
    const auth = await createDevAuth();
    await expect(auth.issueToken(tenantId)).rejects.toThrow(ValidationError);
    await expect(auth.issueToken(tenantId)).rejects.toThrow(/tenant id .* is invalid/);
  });
});
