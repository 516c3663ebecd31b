/**
 * The local scheduler's clock: it starts at the real time and runs `speed` times faster, so a
 * day of schedules passes in 24/speed hours. Only schedules follow it; provider limits, queue
 * timeouts and the handlers keep real time.
 */
export class VirtualClock {
  readonly #realStart: number;
  readonly #realNow: () => number;

  constructor(
    readonly speed: number,
    realNow: () => number = Date.now,
  ) {
    if (!(speed > 0) || !Number.isFinite(speed))
      throw new RangeError(`speed must be a positive number, got ${speed}`);
    this.#realNow = realNow;
    this.#realStart = realNow();
  }

  /** Virtual epoch milliseconds. */
  now(): number {
    return this.#realStart + (this.#realNow() - this.#realStart) * this.speed;
  }

  /** Real milliseconds until the virtual clock reads `virtualMs` (0 if it already has). */
  realDelayUntil(virtualMs: number): number {
    return Math.max(0, Math.ceil((virtualMs - this.now()) / this.speed));
  }

  /** Real milliseconds a virtual duration takes. */
  toRealMs(virtualMs: number): number {
    return virtualMs / this.speed;
  }
}
