/**
 * Calls planned on one budget of one limit over a day that repeats: points in time (ms into the
 * day) each carrying some calls, and the question the fit check asks of them: how many calls fall
 * in the worst window of a given length, wherever it starts (windows are half-open, `[s, s + W)`,
 * as the limiter's sliding log counts them).
 */

export const DAY_MS = 86_400_000;

/** Calls at one moment of the day. */
export interface PlannedCalls {
  /** Milliseconds into the day, 0 ≤ at < DAY_MS. */
  readonly at: number;
  readonly calls: number;
}

export class CallTimeline {
  private readonly times: number[];
  /** prefix[i]: calls at times[0..i-1]. */
  private readonly prefix: number[];

  constructor(points: readonly PlannedCalls[]) {
    const sorted = points
      .filter((p) => p.calls > 0)
      .map((p) => ({ at: mod(p.at, DAY_MS), calls: p.calls }))
      .sort((a, b) => a.at - b.at);
    this.times = sorted.map((p) => p.at);
    this.prefix = [0];
    for (const p of sorted) this.prefix.push((this.prefix.at(-1) ?? 0) + p.calls);
  }

  /** Calls in a whole day. */
  get total(): number {
    return this.prefix.at(-1) ?? 0;
  }

  get size(): number {
    return this.times.length;
  }

  /** Calls in `[start, start + length)`, the day repeating. */
  countIn(start: number, length: number): number {
    if (length <= 0) return 0;
    const days = Math.floor(length / DAY_MS);
    const rest = length - days * DAY_MS;
    const from = mod(start, DAY_MS);
    const to = from + rest;
    const inRest =
      to <= DAY_MS
        ? this.before(to) - this.before(from)
        : this.total - this.before(from) + this.before(to - DAY_MS);
    return days * this.total + inRest;
  }

  /** The most calls any window of `length` holds (one window starting at a point holds the most). */
  worst(length: number): number {
    let most = 0;
    for (const at of this.times) most = Math.max(most, this.countIn(at, length));
    return most;
  }

  /** The points in `(at - length, at]`, the day repeating, as starts of windows that hold `at`. */
  startsHolding(at: number, length: number): number[] {
    if (this.times.length === 0) return [];
    if (length >= DAY_MS) return this.times;
    const from = mod(at - length, DAY_MS);
    const to = mod(at, DAY_MS);
    const inRange = (t: number) => (from < to ? t > from && t <= to : t > from || t <= to);
    const lo = this.indexAfter(from);
    const found: number[] = [];
    for (let k = 0; k < this.times.length; k++) {
      const t = this.times[(lo + k) % this.times.length] ?? 0;
      if (!inRange(t)) break;
      found.push(t);
    }
    return found;
  }

  /** Calls at times strictly before `t` (0 ≤ t ≤ DAY_MS). */
  private before(t: number): number {
    return this.prefix[this.indexAtOrAfter(t)] ?? 0;
  }

  private indexAtOrAfter(t: number): number {
    let lo = 0;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.times[mid] ?? 0) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private indexAfter(t: number): number {
    const i = this.indexAtOrAfter(t);
    return i < this.times.length && this.times[i] === t ? i + 1 : i;
  }
}

/**
 * The most calls a window of `length` holding at least one of `added` would hold were `added`
 * joined to `base`: what placing a schedule there costs the busiest window it touches.
 */
export function worstWithAdded(base: CallTimeline, added: CallTimeline, length: number): number {
  let most = 0;
  const seen = new Set<number>();
  for (const at of added.startsHolding(0, DAY_MS)) {
    for (const start of [...base.startsHolding(at, length), ...added.startsHolding(at, length)]) {
      if (seen.has(start)) continue;
      seen.add(start);
      most = Math.max(most, base.countIn(start, length) + added.countIn(start, length));
    }
  }
  return most;
}

function mod(n: number, m: number): number {
  return ((n % m) + m) % m;
}
