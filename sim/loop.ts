/**
 * The event loop's choice of the next moment: the earliest of what is due (schedule occurrences,
 * delayed or invisible SQS messages, periodic functions, the workload's next action, a reader
 * leaving a page, the seed's next slot), never before now and never past the end.
 */
export function nextMoment(
  nowMs: number,
  endMs: number,
  candidates: readonly (number | undefined)[],
): number {
  let next = endMs;
  for (const at of candidates) if (at !== undefined && at < next) next = at;
  return Math.max(nowMs, next);
}

/** A function the deployed stack runs on a fixed rate (a Scheduler schedule): its next firing. */
export class Periodic {
  #nextAt: number;

  constructor(
    readonly name: string,
    readonly everyMs: number,
    startMs: number,
  ) {
    if (!(everyMs > 0)) throw new RangeError(`${name}: period must be positive, got ${everyMs}`);
    this.#nextAt = startMs + everyMs;
  }

  get nextAt(): number {
    return this.#nextAt;
  }

  /** How many firings are due at `nowMs` (a rate schedule fires each one, late or not); moves on past them. */
  takeDue(nowMs: number): number {
    let due = 0;
    while (this.#nextAt <= nowMs) {
      due++;
      this.#nextAt += this.everyMs;
    }
    return due;
  }
}
