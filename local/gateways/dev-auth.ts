import { randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, type JSONWebKeySet, SignJWT } from "jose";
import { isValidTenantId, TENANT_ID_RULE } from "#core/auth/verifier.ts";
import { ValidationError } from "#core/errors.ts";

/** What the handlers' verifier is configured with locally (PACER_JWT_* env). */
export const DEV_ISSUER = "pacer-local";
export const DEV_AUDIENCE = "pacer";
export const DEV_TENANT_CLAIM = "tenant_id";
const TOKEN_LIFETIME = "12h";

/**
 * The local stand-in's identity provider: an ES256 key pair made at start-up (so tokens from an
 * earlier run never verify), its public half as a JWKS, and dev tokens for any tenant.
 */
export interface DevAuth {
  readonly jwks: JSONWebKeySet;
  /**
   * A 12-hour token for `tenantId` with subject `dev-<tenantId>`. Rejects with `ValidationError`
   * for a tenant id the verifier would refuse, so no unusable (or path-like) token is ever minted.
   */
  issueToken(tenantId: string): Promise<string>;
}

export async function createDevAuth(): Promise<DevAuth> {
  const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" };
  return {
    jwks: { keys: [jwk] },
    issueToken: async (tenantId) => {
      if (!isValidTenantId(tenantId)) {
        throw new ValidationError(
          `tenant id ${JSON.stringify(tenantId)} is invalid: expected ${TENANT_ID_RULE}`,
        );
      }
      return new SignJWT({ [DEV_TENANT_CLAIM]: tenantId })
        .setProtectedHeader({ alg: "ES256", kid, typ: "JWT" })
        .setIssuer(DEV_ISSUER)
        .setAudience(DEV_AUDIENCE)
        .setSubject(`dev-${tenantId}`)
        .setIssuedAt()
        .setExpirationTime(TOKEN_LIFETIME)
        .sign(privateKey);
    },
  };
}
