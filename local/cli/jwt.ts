import { decodeJwt, type JWTPayload } from "jose";

/**
 * Reading (never verifying) a JWT's claims: the CLI only needs to know whose token it holds and
 * until when, to say so and to pick the right next step. The API verifies every token itself.
 */

export interface TokenClaims {
  readonly tenantId?: string;
  /** Epoch seconds. */
  readonly exp?: number;
  readonly subject?: string;
}

/** Tenant claims: Cognito's custom attribute, and the local stand-in's dev claim. */
const TENANT_CLAIMS = ["custom:tenant_id", "tenant_id"] as const;

export function readClaims(token: string): TokenClaims {
  let claims: JWTPayload;
  try {
    claims = decodeJwt(token);
  } catch {
    return {};
  }
  const tenant = TENANT_CLAIMS.map((name) => claims[name]).find((value) => typeof value === "string");
  return {
    ...(typeof tenant === "string" ? { tenantId: tenant } : {}),
    ...(typeof claims.exp === "number" ? { exp: claims.exp } : {}),
    ...(typeof claims.sub === "string" ? { subject: claims.sub } : {}),
  };
}
