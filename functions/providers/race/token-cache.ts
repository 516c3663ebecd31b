import { createHash } from "node:crypto";
import type { RunConnection } from "#providers/types.ts";

/**
 * Access tokens of providers that hand them out (an OAuth client-credentials or password grant),
 * kept for the life of the worker's sandbox so that every run does not spend a token request.
 *
 * A token is filed under its connection and a hash of the credentials it was made from: another
 * connection (another tenant) never gets it, and rotated credentials make a new one at once.
 * Nothing here is logged or stored outside the process.
 */

export interface IssuedToken {
  readonly accessToken: string;
  /** Lifetime from when it was issued. */
  readonly expiresInMs: number;
}

/** A token is not used in its last minute: a run's later calls must not meet its expiry. */
const EXPIRY_MARGIN_MS = 60_000;
/** Bounded, so a long-lived sandbox serving many connections does not grow without end. */
const MAX_TOKENS = 500;

export class TokenCache {
  readonly #tokens = new Map<string, { accessToken: string; expiresAtMs: number }>();
  readonly #pending = new Map<string, Promise<string>>();

  /**
   * The connection's token, asking `issue` for a new one when there is none still valid at
   * `nowMs`. Concurrent calls for one connection share a single request.
   */
  async token(
    connection: Pick<RunConnection, "connectionId" | "credentials">,
    nowMs: number,
    issue: () => Promise<IssuedToken>,
  ): Promise<string> {
    const key = cacheKey(connection);
    const cached = this.#tokens.get(key);
    if (cached && cached.expiresAtMs - EXPIRY_MARGIN_MS > nowMs) return cached.accessToken;
    const pending = this.#pending.get(key);
    if (pending) return pending;
    const request = issue()
      .then((issued) => {
        this.#remember(key, issued.accessToken, nowMs + issued.expiresInMs);
        return issued.accessToken;
      })
      .finally(() => this.#pending.delete(key));
    this.#pending.set(key, request);
    return request;
  }

  /** Forgets the connection's token (the provider refused it: a 401 before it expired). */
  forget(connection: Pick<RunConnection, "connectionId" | "credentials">): void {
    this.#tokens.delete(cacheKey(connection));
  }

  #remember(key: string, accessToken: string, expiresAtMs: number): void {
    this.#tokens.delete(key);
    if (this.#tokens.size >= MAX_TOKENS) {
      const oldest = this.#tokens.keys().next().value;
      if (oldest !== undefined) this.#tokens.delete(oldest);
    }
    this.#tokens.set(key, { accessToken, expiresAtMs });
  }
}

function cacheKey(connection: Pick<RunConnection, "connectionId" | "credentials">): string {
  const credentials = Object.entries(connection.credentials ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  const hash = createHash("sha256").update(JSON.stringify(credentials)).digest("hex");
  return `${connection.connectionId}#${hash}`;
}
