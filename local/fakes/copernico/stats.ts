import type { FakeProviderStats } from "../types.ts";

/** What the fake has seen, as `stats()` and `GET /_fake/stats` give it (plain JSON). */
export interface FakeCopernicoStats extends FakeProviderStats {
  /** Every API request (not `/_fake/…`), whatever its answer. */
  readonly requests: number;
  /** Requests answered 429. */
  readonly rateLimited: number;
  /** Pushes answered 401 (no key, or a wrong one). */
  readonly unauthorized: number;
  /** Pushes answered 400 (a body that is not an array of objects with an `id`). */
  readonly badRequests: number;
  /** Requests answered 404 (an unknown race, preset or event). */
  readonly notFound: number;
  /** Accepted push calls. */
  readonly pushes: number;
  /** Registrations created, and registrations updated (an id pushed again), by accepted pushes. */
  readonly created: number;
  readonly updated: number;
  /** Preset exports answered 200. */
  readonly exports: number;
}

type Counter = keyof FakeCopernicoStats;

export class StatsRecorder {
  readonly #counts: Record<Counter, number> = {
    requests: 0,
    rateLimited: 0,
    unauthorized: 0,
    badRequests: 0,
    notFound: 0,
    pushes: 0,
    created: 0,
    updated: 0,
    exports: 0,
  };

  count(counter: Counter, by = 1): void {
    this.#counts[counter] += by;
  }

  snapshot(): FakeCopernicoStats {
    return { ...this.#counts };
  }
}
