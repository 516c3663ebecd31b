import type { FakeProviderStats } from "../types.ts";
import { keyFingerprint } from "./keys.ts";
import { type EndpointGroup, GROUPS } from "./limits.ts";
import { hourOf } from "./seed.ts";

export interface GroupCalls {
  /** Calls the group received from the key, refused ones included. */
  readonly calls: number;
  /** ... of which answered 429. */
  readonly rateLimited: number;
}

/** What the fake has seen, as `stats()` and `GET /_fake/stats` give it (plain JSON). */
export interface FakeZwiftRacingStats extends FakeProviderStats {
  /** Every API request (not `/_fake/…`), whatever its answer. */
  readonly requests: number;
  /** Requests answered 429. */
  readonly rateLimited: number;
  /** Requests answered 401. */
  readonly unauthorized: number;
  /**
   * Requests identical (method, path with query, JSON body) to one the same key had accepted
   * earlier in the same UTC hour of the fake's clock, whatever their own answer. A retry after a
   * 429 is not one: the refused call was never accepted.
   */
  readonly repeated: number;
  /** Calls per endpoint group (refused ones included), every group listed. */
  readonly calls: Readonly<Record<EndpointGroup, number>>;
  /** Per key (by keyFingerprint), per group it called. */
  readonly byKey: Readonly<Record<string, Readonly<Partial<Record<EndpointGroup, GroupCalls>>>>>;
}

/** Counts requests for the stats, and remembers accepted calls to spot repeats. */
export class StatsRecorder {
  #requests = 0;
  #rateLimited = 0;
  #unauthorized = 0;
  #repeated = 0;
  readonly #calls = Object.fromEntries(GROUPS.map((group) => [group, 0])) as Record<EndpointGroup, number>;
  readonly #byKey = new Map<string, Partial<Record<EndpointGroup, { calls: number; rateLimited: number }>>>();
  /** Per key: the hour its accepted calls were made in, and their signatures. */
  readonly #accepted = new Map<string, { hour: number; signatures: Set<string> }>();

  request(): void {
    this.#requests++;
  }

  unauthorized(): void {
    this.#unauthorized++;
  }

  /** A call that passed auth: counts it, and whether it repeats an accepted one; then remembers it if accepted. */
  call(key: string, group: EndpointGroup, signature: string, accepted: boolean, nowMs: number): void {
    const hour = hourOf(nowMs);
    let seen = this.#accepted.get(key);
    if (seen === undefined || seen.hour !== hour) {
      seen = { hour, signatures: new Set() };
      this.#accepted.set(key, seen);
    }
    if (seen.signatures.has(signature)) this.#repeated++;
    if (accepted) seen.signatures.add(signature);

    this.#calls[group]++;
    const fingerprint = keyFingerprint(key);
    const groups = this.#byKey.get(fingerprint) ?? {};
    const counts = groups[group] ?? { calls: 0, rateLimited: 0 };
    counts.calls++;
    if (!accepted) {
      counts.rateLimited++;
      this.#rateLimited++;
    }
    groups[group] = counts;
    this.#byKey.set(fingerprint, groups);
  }

  snapshot(): FakeZwiftRacingStats {
    const byKey: Record<string, Partial<Record<EndpointGroup, GroupCalls>>> = {};
    for (const [fingerprint, groups] of this.#byKey) {
      byKey[fingerprint] = Object.fromEntries(
        Object.entries(groups).map(([group, counts]) => [group, { ...counts }]),
      );
    }
    return {
      requests: this.#requests,
      rateLimited: this.#rateLimited,
      unauthorized: this.#unauthorized,
      repeated: this.#repeated,
      calls: { ...this.#calls },
      byKey,
    };
  }
}
