/** "`calls` per `perMs`", the way strict providers count: a sliding window, not a bucket. */
export interface WindowLimit {
  readonly calls: number;
  readonly perMs: number;
}

export type Admission =
  | { readonly accepted: true }
  | {
      readonly accepted: false;
      /** The first limit (in the given order) that is full. */
      readonly limit: WindowLimit;
      /** How long until every limit has room again, if no other call is accepted meanwhile. */
      readonly retryAfterMs: number;
    };

/**
 * An exact sliding-window checker for fake providers. A call at `nowMs` is accepted only if, for
 * every limit, fewer than `calls` accepted calls fall in (nowMs − perMs, nowMs]; refused calls do
 * not count. So no window of length `perMs`, wherever it starts, ever holds more than `calls`
 * accepted calls. Pure bookkeeping: no timers, the caller supplies the clock.
 */
export class StrictWindow {
  readonly #limits: readonly WindowLimit[];
  readonly #horizonMs: number;
  /** Accepted call times, ascending; only those that can still matter to some limit are kept. */
  #accepted: number[] = [];
  #lastMs = Number.NEGATIVE_INFINITY;

  constructor(limits: readonly WindowLimit[]) {
    for (const { calls, perMs } of limits) {
      if (!Number.isInteger(calls) || calls < 1 || !(perMs > 0)) {
        throw new RangeError(`invalid limit ${calls} per ${perMs} ms`);
      }
    }
    this.#limits = limits;
    this.#horizonMs = Math.max(0, ...limits.map((limit) => limit.perMs));
  }

  tryAcquire(nowMs: number): Admission {
    // A clock that steps back must not reopen windows: treat it as still standing at the latest time.
    const now = Math.max(nowMs, this.#lastMs);
    this.#lastMs = now;
    this.#forgetBefore(now - this.#horizonMs);

    let refusedBy: WindowLimit | undefined;
    let freeAtMs = now;
    for (const limit of this.#limits) {
      const inWindow = this.#acceptedSince(now - limit.perMs);
      if (inWindow.length < limit.calls) continue;
      refusedBy ??= limit;
      // The window has room once enough of its oldest calls have slid out of it.
      const oldestToLeave = inWindow[inWindow.length - limit.calls] ?? now;
      freeAtMs = Math.max(freeAtMs, oldestToLeave + limit.perMs);
    }
    if (refusedBy !== undefined) return { accepted: false, limit: refusedBy, retryAfterMs: freeAtMs - now };
    this.#accepted.push(now);
    return { accepted: true };
  }

  /** Accepted calls strictly after `fromMs` (up to now). */
  #acceptedSince(fromMs: number): number[] {
    const first = this.#accepted.findIndex((at) => at > fromMs);
    return first === -1 ? [] : this.#accepted.slice(first);
  }

  #forgetBefore(cutoffMs: number): void {
    const keepFrom = this.#accepted.findIndex((at) => at > cutoffMs);
    this.#accepted = keepFrom === -1 ? [] : this.#accepted.slice(keepFrom);
  }
}
