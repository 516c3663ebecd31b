import { randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, type JSONWebKeySet, SignJWT } from "jose";

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
  /** A 12-hour token for `tenantId` with subject `dev-<tenantId>`. */
  issueToken(tenantId: string): Promise<string>;
}

export async function createDevAuth(): Promise<DevAuth> {
  const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" };
  return {
    jwks: { keys: [jwk] },
    issueToken: (tenantId) =>
      new SignJWT({ [DEV_TENANT_CLAIM]: tenantId })
        .setProtectedHeader({ alg: "ES256", kid, typ: "JWT" })
        .setIssuer(DEV_ISSUER)
        .setAudience(DEV_AUDIENCE)
        .setSubject(`dev-${tenantId}`)
        .setIssuedAt()
        .setExpirationTime(TOKEN_LIFETIME)
        .sign(privateKey),
  };
}
