import { createHash, randomBytes } from "node:crypto";

/** The labels the fake derives a client for at start: "demo" for the stand-in, the rest for tests. */
export const CLIENT_LABELS = ["demo", "a", "b", "c"] as const;

export interface FakeClient {
  readonly clientId: string;
  readonly clientSecret: string;
}

/**
 * The OAuth client the fake started with `secret` accepts for `label`: a Cognito-like app client
 * id (26 lowercase letters and digits) and secret. Whoever knows the start's secret can make it.
 */
export function fakeClient(secret: string, label: string): FakeClient {
  const hash = (what: string) => createHash("sha256").update(`${secret}:${label}:${what}`).digest("hex");
  return { clientId: hash("id").slice(0, 26), clientSecret: `${hash("secret")}`.slice(0, 52) };
}

/** What stats name a client by: 8 hex characters of its id's hash, never the id itself. */
export const clientFingerprint = (clientId: string): string =>
  createHash("sha256").update(clientId).digest("hex").slice(0, 8);

/** Cognito's default access-token lifetime. */
export const TOKEN_LIFETIME_S = 3_600;

/** The derived clients, and the access tokens the fake has issued to them. */
export class TokenAuthority {
  readonly #secrets = new Map<string, string>();
  readonly #tokens = new Map<string, { clientId: string; expiresAtMs: number }>();

  constructor(secret: string) {
    for (const label of CLIENT_LABELS) {
      const client = fakeClient(secret, label);
      this.#secrets.set(client.clientId, client.clientSecret);
    }
  }

  /** A token for the client whose HTTP Basic credentials these are, or undefined if they are wrong. */
  issue(authorization: string | undefined, nowMs: number, lifetimeS: number): string | undefined {
    const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/.exec(authorization ?? "")?.[1];
    if (basic === undefined) return undefined;
    const decoded = Buffer.from(basic, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    const clientId = decoded.slice(0, colon);
    if (colon < 1 || this.#secrets.get(clientId) !== decoded.slice(colon + 1)) return undefined;
    const token = `hk.${randomBytes(24).toString("base64url")}`;
    this.#tokens.set(token, { clientId, expiresAtMs: nowMs + lifetimeS * 1_000 });
    return token;
  }

  /**
   * The client a request's `Authorization` belongs to: the raw token, as Haku's adapter sends it,
   * or `Bearer <token>` (the facts say a fake should take both). Expired or unknown: undefined.
   */
  clientOf(authorization: string | undefined, nowMs: number): string | undefined {
    const token = authorization?.replace(/^Bearer\s+/i, "").trim();
    const issued = token === undefined ? undefined : this.#tokens.get(token);
    return issued !== undefined && issued.expiresAtMs > nowMs ? issued.clientId : undefined;
  }

  /** Every issued token stops working (test-only: a token revoked before its expiry). */
  expireAll(): number {
    const count = this.#tokens.size;
    this.#tokens.clear();
    return count;
  }
}
