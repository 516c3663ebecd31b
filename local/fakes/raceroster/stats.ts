import type { FakeProviderStats } from "../types.ts";

export type RouteName = "events" | "event" | "participants";

/** What the fake has seen, as `stats()` and `GET /_fake/stats` give it (plain JSON). */
export interface FakeRaceRosterStats extends FakeProviderStats {
  /** Every API and token request (not `/_fake/…`), whatever its answer. */
  readonly requests: number;
  /** API calls answered 429. */
  readonly rateLimited: number;
  /** API calls answered 401 (no token, an unknown or expired one). */
  readonly unauthorized: number;
  readonly tokensIssued: number;
  /** Token requests refused (a wrong grant type or credentials). */
  readonly tokensRefused: number;
  /** API calls that passed auth, per endpoint, 429s included. */
  readonly calls: Readonly<Record<RouteName, number>>;
}

export class StatsRecorder {
  #requests = 0;
  #rateLimited = 0;
  #unauthorized = 0;
  #tokensIssued = 0;
  #tokensRefused = 0;
  readonly #calls: Record<RouteName, number> = { events: 0, event: 0, participants: 0 };

  request(): void {
    this.#requests++;
  }
  unauthorized(): void {
    this.#unauthorized++;
  }
  tokenIssued(): void {
    this.#tokensIssued++;
  }
  tokenRefused(): void {
    this.#tokensRefused++;
  }
  call(route: RouteName, accepted: boolean): void {
    this.#calls[route]++;
    if (!accepted) this.#rateLimited++;
  }

  snapshot(): FakeRaceRosterStats {
    return {
      requests: this.#requests,
      rateLimited: this.#rateLimited,
      unauthorized: this.#unauthorized,
      tokensIssued: this.#tokensIssued,
      tokensRefused: this.#tokensRefused,
      calls: { ...this.#calls },
    };
  }
}
