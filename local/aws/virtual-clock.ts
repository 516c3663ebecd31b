/**
 * Schedules a driven clock knows of (ScheduleTimers, local/aws/scheduler.ts): the simulator asks
 * them for their next occurrence and has them fire what is due.
 */
export interface DrivenSchedules {
  /** The earliest next firing (virtual epoch ms), or undefined when nothing will fire. */
  nextOccurrence(): number | undefined;
  /** Fires, in time order, every occurrence due at `virtualNowMs`; resolves to how many fired. */
  fireDue(virtualNowMs: number): Promise<number>;
}

/**
 * The local scheduler's clock: it starts at the real time and runs `speed` times faster, so a
 * day of schedules passes in 24/speed hours. Only schedules follow it; provider limits, queue
 * timeouts and the handlers keep real time.
 *
 * A driven clock (`VirtualClock.driven()`, the simulator's) arms no timers: `now()` is `Date.now()`
 * (which the simulator fakes for the whole process), and the schedules built on it fire only when
 * the simulator calls fireDue().
 */
export class VirtualClock {
  readonly #realStart: number;
  readonly #realNow: () => number;
  readonly #driven: boolean;
  readonly #schedules = new Set<DrivenSchedules>();

  constructor(
    readonly speed: number,
    realNow: () => number = Date.now,
    driven = false,
  ) {
    if (!(speed > 0) || !Number.isFinite(speed))
      throw new RangeError(`speed must be a positive number, got ${speed}`);
    this.#realNow = realNow;
    this.#realStart = realNow();
    this.#driven = driven;
  }

  /** A clock whose schedules fire only through fireDue(); its time is `Date.now()`. */
  static driven(): VirtualClock {
    return new VirtualClock(1, () => Date.now(), true);
  }

  /** Whether schedules wait for fireDue() instead of arming timers. */
  get driven(): boolean {
    return this.#driven;
  }

  /** Virtual epoch milliseconds. */
  now(): number {
    if (this.#driven) return this.#realNow();
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

  /** Called by the schedules built on a driven clock; returns what forgets them again. */
  register(schedules: DrivenSchedules): () => void {
    this.#schedules.add(schedules);
    return () => this.#schedules.delete(schedules);
  }

  /** The earliest next firing of any schedule on this clock (driven clocks only). */
  nextOccurrence(): number | undefined {
    let next: number | undefined;
    for (const schedules of this.#schedules) {
      const at = schedules.nextOccurrence();
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
    return next;
  }

  /** Fires every occurrence due at `virtualNowMs`, on every schedule of this clock; how many fired. */
  async fireDue(virtualNowMs: number): Promise<number> {
    let fired = 0;
    for (const schedules of [...this.#schedules]) fired += await schedules.fireDue(virtualNowMs);
    return fired;
  }
}
