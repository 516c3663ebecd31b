import { createHash, randomBytes } from "node:crypto";

/** The accounts the fake derives at start: "demo" for the stand-in, the rest for tests. */
export const ACCOUNT_LABELS = ["demo", "a", "b"] as const;
export type AccountLabel = (typeof ACCOUNT_LABELS)[number];

export interface FakeCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly username: string;
  readonly password: string;
}

const derive = (secret: string, label: string, what: string, chars: number) =>
  createHash("sha256").update(`${secret}:${label}:${what}`).digest("hex").slice(0, chars);

/**
 * The credentials of account `label` on a fake started with `secret`: anyone who knows the secret
 * can make them, nobody else can guess them.
 */
export function fakeCredentials(secret: string, label: AccountLabel): FakeCredentials {
  return {
    clientId: derive(secret, label, "client", 20),
    clientSecret: derive(secret, label, "client-secret", 40),
    username: `timer-${label}@pacer.example`,
    password: derive(secret, label, "password", 16),
  };
}

/** The sample JWT in Race Roster's docs lives 24 h. */
export const TOKEN_LIFETIME_S = 86_400;

interface Issued {
  readonly clientId: string;
  readonly expiresAtMs: number;
  readonly generation: number;
}

/** Who may have a token (the derived accounts), and the tokens handed out. */
export class Accounts {
  readonly #accounts: FakeCredentials[];
  readonly #tokens = new Map<string, Issued>();
  /** `POST /_fake/tokens/expire` moves it on: every token of an earlier generation is expired. */
  #generation = 0;

  constructor(secret: string) {
    this.#accounts = ACCOUNT_LABELS.map((label) => fakeCredentials(secret, label));
  }

  /** The account all four credentials name, or undefined. */
  find(given: Partial<FakeCredentials>): FakeCredentials | undefined {
    return this.#accounts.find(
      (account) =>
        account.clientId === given.clientId &&
        account.clientSecret === given.clientSecret &&
        account.username === given.username &&
        account.password === given.password,
    );
  }

  /** Whether a client id is one of the fake's (a wrong secret is `invalid_client`, a wrong password `invalid_grant`). */
  knowsClient(clientId: string | undefined, clientSecret: string | undefined): boolean {
    return this.#accounts.some((a) => a.clientId === clientId && a.clientSecret === clientSecret);
  }

  issue(account: FakeCredentials, nowMs: number): string {
    const token = randomBytes(24).toString("hex");
    this.#tokens.set(token, {
      clientId: account.clientId,
      expiresAtMs: nowMs + TOKEN_LIFETIME_S * 1_000,
      generation: this.#generation,
    });
    return token;
  }

  /** The client id a valid `Authorization: Bearer <token>` belongs to, or undefined. */
  clientOf(authorization: string | undefined, nowMs: number): string | undefined {
    const token = /^Bearer ([0-9a-f]+)$/.exec(authorization ?? "")?.[1];
    const issued = token === undefined ? undefined : this.#tokens.get(token);
    if (issued === undefined || issued.generation !== this.#generation || issued.expiresAtMs <= nowMs)
      return undefined;
    return issued.clientId;
  }

  /** Expires every token issued so far; returns how many were live. */
  expireAll(): number {
    const live = [...this.#tokens.values()].filter((t) => t.generation === this.#generation).length;
    this.#generation++;
    return live;
  }
}
