import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from "jose";
import { optionalEnv, requireEnv } from "#core/env.ts";
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
  /** @default 5 */
  readonly clockToleranceSeconds?: number;
}

export const TENANT_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

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
 * Verifies bearer JWTs: signature against the issuer's JWKS, expiry, issuer, audience and the
 * tenant claim. The same code serves Cognito (deployed) and the local stand-in's ES256 issuer.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const keySet = options.keySet ?? remoteKeySet(options.jwksUrl);
  const clockTolerance = options.clockToleranceSeconds ?? 5;

  return {
    async verify(token) {
      if (token.trim() === "") throw new UnauthorizedError("token is missing");
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keySet, {
          issuer: options.issuer,
          algorithms: ALGORITHMS,
          clockTolerance,
          // A token without an expiry would be good forever.
          requiredClaims: ["exp"],
        }));
      } catch (error) {
        throw unauthorizedFrom(error, options.issuer);
      }
      if (options.audience !== undefined) checkAudience(payload, options.audience);
      const subject = payload.sub;
      if (typeof subject !== "string" || subject === "")
        throw new UnauthorizedError("token has no subject (sub)");
      const tenantId = payload[options.tenantClaim];
      if (tenantId === undefined) {
        throw new UnauthorizedError(`token has no tenant claim "${options.tenantClaim}"`);
      }
      if (typeof tenantId !== "string" || !TENANT_ID_PATTERN.test(tenantId)) {
        throw new UnauthorizedError(
          `token tenant claim "${options.tenantClaim}" is invalid: expected 1-64 of A-Z a-z 0-9 _ . -`,
        );
      }
      return { tenantId, subject };
    },
  };
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
 * The verifier configured by `PACER_JWT_ISSUER`, `PACER_JWKS_URL`, `PACER_JWT_AUDIENCE` (optional)
 * and `PACER_TENANT_CLAIM` (default `tenant_id`). Call it at module load.
 */
export function verifierFromEnv(): TokenVerifier {
  return createTokenVerifier({
    issuer: requireEnv("PACER_JWT_ISSUER"),
    jwksUrl: requireEnv("PACER_JWKS_URL"),
    audience: optionalEnv("PACER_JWT_AUDIENCE"),
    tenantClaim: optionalEnv("PACER_TENANT_CLAIM") ?? "tenant_id",
  });
}
