import type { FakeProviderStats } from "../types.ts";
import { ENDPOINTS, type Endpoint } from "./api.ts";

/** What the fake has seen, as `stats()` and `GET /_fake/stats` give it (plain JSON). */
export interface FakeRunSignUpStats extends FakeProviderStats {
  /** Every REST request (not `/_fake/…`), whatever its answer. */
  readonly requests: number;
  /** Requests answered 429 (error 14). */
  readonly rateLimited: number;
  /** Requests answered error 6 (no or wrong key or secret). */
  readonly unauthorized: number;
  /** Calls per endpoint that passed auth, refused ones included. */
  readonly calls: Readonly<Record<Endpoint, number>>;
  /** Accepted calls that asked only for changes (`modified_after_timestamp`). */
  readonly incremental: number;
  /** full-results calls that stored their rows. */
  readonly resultPosts: number;
  /** Rows those calls stored (a row posted again counts again). */
  readonly resultsPosted: number;
}

export class StatsRecorder {
  #requests = 0;
  #rateLimited = 0;
  #unauthorized = 0;
  #incremental = 0;
  #resultPosts = 0;
  #resultsPosted = 0;
  readonly #calls = Object.fromEntries(ENDPOINTS.map((endpoint) => [endpoint, 0])) as Record<
    Endpoint,
    number
  >;

  request(): void {
    this.#requests++;
  }

  unauthorized(): void {
    this.#unauthorized++;
  }

  call(endpoint: Endpoint, accepted: boolean, incremental: boolean): void {
    this.#calls[endpoint]++;
    if (!accepted) this.#rateLimited++;
    else if (incremental) this.#incremental++;
  }

  resultsStored(rows: number): void {
    this.#resultPosts++;
    this.#resultsPosted += rows;
  }

  snapshot(): FakeRunSignUpStats {
    return {
      requests: this.#requests,
      rateLimited: this.#rateLimited,
      unauthorized: this.#unauthorized,
      calls: { ...this.#calls },
      incremental: this.#incremental,
      resultPosts: this.#resultPosts,
      resultsPosted: this.#resultsPosted,
    };
  }
}
