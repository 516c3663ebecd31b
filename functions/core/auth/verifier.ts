import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from "jose";
import { UnauthorizedError } from "#core/errors.ts";

/** Who a verified token speaks for. */
export interface Identity {
  readonly tenantId: string;
  readonly subject: string;
}

export interface TokenVerifier {
  /** Resolves the token's identity, or rejects with `UnauthorizedError` saying what is wrong with it. */
  verify(token: string): Promise<Identity>;
}

export interface TokenVerifierOptions {
  /** Expected `iss`, e.g. `https://cognito-idp.<region>.amazonaws.com/<poolId>`. */
  readonly issuer: string;
  /** Where the issuer publishes its signing keys, e.g. `<issuer>/.well-known/jwks.json`. */
  readonly jwksUrl: string;
  /**
   * Expected audience. Matches `aud` (ID tokens) or, for tokens without `aud`, `client_id`
   * (Cognito access tokens). Absent: the audience is not checked.
   */
  readonly audience?: string;
  /** Claim that carries the tenant, e.g. `tenant_id`, or `custom:tenant_id` on Cognito. */
  readonly tenantClaim: string;
  /** Resolves signing keys instead of fetching `jwksUrl`; for tests (`createLocalJWKSet`). */
  readonly keySet?: JWTVerifyGetKey;
  /** How far the verifier's clock may disagree with the issuer's. @default 5 */
  readonly clockToleranceSeconds?: number;
  /**
   * Longest accepted `exp - iat`. Cognito ID and access tokens live at most a day, so a longer
   * lifetime means a token minted elsewhere (or a leaked signing key). @default 86400
   */
  readonly maxLifetimeSeconds?: number;
}

/** Cognito's ceiling for ID and access token validity. */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 24 * 3600;

/**
 * 1-64 of `A-Z a-z 0-9 _ . -`, starting with a letter or digit, with no `..` anywhere: tenant ids
 * become parts of keys, topics and paths, where `.`/`..` could read as a relative path.
 */
export const TENANT_ID_PATTERN = /^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The rule of `TENANT_ID_PATTERN` in words, for error messages. */
export const TENANT_ID_RULE = "1-64 of A-Z a-z 0-9 _ . -, starting with a letter or digit, without '..'";

/** Whether `id` is a usable tenant id (see `TENANT_ID_PATTERN`). */
export function isValidTenantId(id: unknown): id is string {
  return typeof id === "string" && TENANT_ID_PATTERN.test(id);
}

/** Only public-key algorithms: a JWKS never holds a shared secret worth trusting. */
const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];

/** One remote key set per URL per process, so warm invocations reuse fetched keys (jose caches them). */
const remoteKeySets = new Map<string, JWTVerifyGetKey>();

function remoteKeySet(jwksUrl: string): JWTVerifyGetKey {
  let keySet = remoteKeySets.get(jwksUrl);
  if (!keySet) {
    let url: URL;
    try {
      url = new URL(jwksUrl);
    } catch (cause) {
      throw new Error(`JWKS URL "${jwksUrl}" is not a URL`, { cause });
    }
    keySet = createRemoteJWKSet(url);
    remoteKeySets.set(jwksUrl, keySet);
  }
  return keySet;
}

/**
 * Verifies bearer JWTs: signature against the issuer's JWKS, expiry, a plausible issue time and
 * lifetime, issuer, audience and the tenant claim. The same code serves Cognito (deployed) and the
 * local stand-in's ES256 issuer.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const keySet = options.keySet ?? remoteKeySet(options.jwksUrl);
  const clockTolerance = options.clockToleranceSeconds ?? 5;
  const maxLifetime = options.maxLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
  if (!(maxLifetime > 0)) throw new Error(`maximum token lifetime must be positive, got ${maxLifetime} s`);

  return {
    async verify(token) {
      if (token.trim() === "") throw new UnauthorizedError("token is missing");
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keySet, {
          issuer: options.issuer,
          algorithms: ALGORITHMS,
          clockTolerance,
          // Without an expiry a token is good forever; without an issue time its lifetime is unknown.
          // (jose checks these last to first: a token with neither is reported for its `exp`.)
          requiredClaims: ["iat", "exp"],
        }));
      } catch (error) {
        throw unauthorizedFrom(error, options.issuer);
      }
      checkLifetime(payload, maxLifetime, clockTolerance);
      if (options.audience !== undefined) checkAudience(payload, options.audience);
      const subject = payload.sub;
      if (typeof subject !== "string" || subject === "")
        throw new UnauthorizedError("token has no subject (sub)");
      const tenantId = payload[options.tenantClaim];
      if (tenantId === undefined) {
        throw new UnauthorizedError(`token has no tenant claim "${options.tenantClaim}"`);
      }
      if (!isValidTenantId(tenantId)) {
        throw new UnauthorizedError(
          `token tenant claim "${options.tenantClaim}" is invalid: expected ${TENANT_ID_RULE}`,
        );
      }
      return { tenantId, subject };
    },
  };
}

/** jose has checked that `exp` and `iat` are numbers and that `exp` has not passed. */
function checkLifetime(payload: JWTPayload, maxLifetime: number, clockTolerance: number): void {
  const issuedAt = payload.iat as number;
  const expiresAt = payload.exp as number;
  if (issuedAt > Date.now() / 1000 + clockTolerance) {
    throw new UnauthorizedError("token is issued in the future (iat): check the issuer's clock");
  }
  const lifetime = expiresAt - issuedAt;
  if (lifetime > maxLifetime) {
    throw new UnauthorizedError(
      `token lifetime (exp - iat) of ${lifetime} s exceeds the maximum of ${maxLifetime} s`,
    );
  }
}

function checkAudience(payload: JWTPayload, audience: string): void {
  const aud = payload.aud;
  const accepted =
    aud === undefined
      ? payload.client_id === audience
      : Array.isArray(aud)
        ? aud.includes(audience)
        : aud === audience;
  if (!accepted) throw new UnauthorizedError(`token audience is not "${audience}"`);
}

/**
 * Maps jose's failures to what the caller got wrong. Failures that are not the token's fault (the
 * JWKS cannot be fetched or is malformed) are rethrown as they are: that is a 500, not a 401.
 */
function unauthorizedFrom(error: unknown, issuer: string): Error {
  if (error instanceof errors.JWTExpired) return new UnauthorizedError("token has expired", { cause: error });
  if (error instanceof errors.JWTClaimValidationFailed) {
    const message =
      error.claim === "iss"
        ? `token issuer is not "${issuer}"`
        : error.claim === "nbf"
          ? "token is not yet valid (nbf)"
          : error.reason === "missing"
            ? `token has no "${error.claim}" claim`
            : `token claim "${error.claim}" is invalid (${error.reason})`;
    return new UnauthorizedError(message, { cause: error });
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new UnauthorizedError("token signature is invalid", { cause: error });
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return new UnauthorizedError("token is not signed by a key of the issuer", { cause: error });
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return new UnauthorizedError("token is signed with an algorithm that is not accepted", { cause: error });
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return new UnauthorizedError("token is malformed: expected a signed JWT", { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * The verifier configured by `PACER_JWT_ISSUER`, `PACER_JWKS_URL`, `PACER_JWT_AUDIENCE` (optional),
 * `PACER_TENANT_CLAIM` (default `tenant_id`) and `PACER_JWT_MAX_LIFETIME_SECONDS` (default 86400).
 * Call it at module load.
 */
export function verifierFromEnv(env: AuthEnv): TokenVerifier {
  return createTokenVerifier({
    issuer: env.jwtIssuer,
    jwksUrl: env.jwksUrl,
    audience: env.jwtAudience,
    tenantClaim: env.tenantClaim ?? "tenant_id",
    maxLifetimeSeconds: env.jwtMaxLifetimeSeconds,
  });
}

/** The authorizer's settings as its environment holds them (core/functions.ts, FUNCTIONS.authorizer). */
export interface AuthEnv {
  readonly jwtIssuer: string;
  readonly jwksUrl: string;
  readonly jwtAudience: string | undefined;
  readonly tenantClaim: string | undefined;
  readonly jwtMaxLifetimeSeconds: number;
}
