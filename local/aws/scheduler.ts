import type { JobMessageInput } from "#core/job.ts";
import { type ScheduleDef, scheduleMessage } from "#core/schedule-plan.ts";
import type { LocalLog } from "../log.ts";
import { parseScheduleExpression, type Recurrence } from "./schedule-expression.ts";
import type { DrivenSchedules, VirtualClock } from "./virtual-clock.ts";

/** setTimeout's ceiling; longer waits re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What a schedule does at one occurrence (virtual epoch ms); a rejection is logged, not fatal. */
export type FireAt = (scheduledAtMs: number) => Promise<void>;

interface TimedSchedule {
  readonly recurrence: Recurrence;
  readonly fire: FireAt;
  timer?: NodeJS.Timeout;
  nextAt: number | undefined;
}

/**
 * EventBridge Scheduler's clockwork in miniature: named recurrences fired on the virtual clock,
 * which can be set, replaced and removed while it runs. Each fires at its occurrences strictly
 * after it was set (never at once); occurrences that a busy event loop made late still fire, in
 * order, like Scheduler's delivery of late invocations.
 *
 * On a driven clock (the simulator's) no timer is armed: the clock asks for the next occurrence
 * and has the due ones fired (see VirtualClock.fireDue).
 */
export class ScheduleTimers implements DrivenSchedules {
  readonly #entries = new Map<string, TimedSchedule>();
  #stopped = false;
  readonly #forget: (() => void) | undefined;

  constructor(
    private readonly clock: VirtualClock,
    private readonly log: LocalLog,
  ) {
    this.#forget = clock.driven ? clock.register(this) : undefined;
  }

  nextOccurrence(): number | undefined {
    let next: number | undefined;
    for (const entry of this.#entries.values()) {
      if (entry.nextAt !== undefined && (next === undefined || entry.nextAt < next)) next = entry.nextAt;
    }
    return next;
  }

  async fireDue(virtualNowMs: number): Promise<number> {
    let fired = 0;
    for (;;) {
      if (this.#stopped) return fired;
      // The earliest due entry first: firings reach their queues in time order.
      let due: [string, TimedSchedule] | undefined;
      for (const pair of this.#entries) {
        const at = pair[1].nextAt;
        if (at !== undefined && at <= virtualNowMs && (due === undefined || at < (due[1].nextAt ?? at)))
          due = pair;
      }
      if (!due) return fired;
      const [name, entry] = due;
      const at = entry.nextAt as number;
      // Re-armed before firing: a firing that replaces or deletes its own schedule wins.
      entry.nextAt = entry.recurrence.next(at);
      await this.#fire(name, entry, at);
      fired++;
    }
  }

  /**
   * Starts `name`, or replaces it: the old timer is cancelled, and a firing of the old one that
   * is still sending finishes but arms nothing more. The first firing is the recurrence's first
   * occurrence after `fromMs`.
   */
  set(name: string, recurrence: Recurrence, fire: FireAt, fromMs = this.clock.now()): void {
    if (this.#stopped) return;
    const old = this.#entries.get(name);
    if (old?.timer) clearTimeout(old.timer);
    // Overwriting (not deleting first) keeps a replaced schedule's place in upcoming().
    const entry: TimedSchedule = { recurrence, fire, nextAt: undefined };
    this.#entries.set(name, entry);
    this.#arm(name, entry, recurrence.next(fromMs));
  }

  /** Stops `name`; false when there was no such schedule. */
  delete(name: string): boolean {
    const entry = this.#entries.get(name);
    if (entry?.timer) clearTimeout(entry.timer);
    return this.#entries.delete(name);
  }

  /** The next firing of `name` (virtual epoch ms); undefined when it will not fire again or does not exist. */
  nextAt(name: string): number | undefined {
    return this.#entries.get(name)?.nextAt;
  }

  /** Each schedule's next firing (virtual time, ISO), in the order they were first set. */
  upcoming(): { readonly name: string; readonly at: string | undefined }[] {
    return [...this.#entries].map(([name, entry]) => ({
      name,
      at: entry.nextAt === undefined ? undefined : new Date(entry.nextAt).toISOString(),
    }));
  }

  /** Cancels every timer; nothing fires after this, and set() is ignored. */
  stop(): void {
    this.#stopped = true;
    this.#forget?.();
    for (const entry of this.#entries.values()) if (entry.timer) clearTimeout(entry.timer);
  }

  async #fire(name: string, entry: TimedSchedule, at: number): Promise<void> {
    try {
      await entry.fire(at);
    } catch (error) {
      this.log.warn(`schedule ${name} failed its ${new Date(at).toISOString()} firing`, error);
    }
  }

  #arm(name: string, entry: TimedSchedule, at: number | undefined): void {
    entry.nextAt = at;
    entry.timer = undefined;
    if (at === undefined || this.#stopped || this.clock.driven) return;
    const current = () => !this.#stopped && this.#entries.get(name) === entry;
    const fire = async () => {
      if (!current()) return;
      // Waits beyond setTimeout's ceiling come back here early.
      if (this.clock.now() < at) return this.#arm(name, entry, at);
      await this.#fire(name, entry, at);
      if (current()) this.#arm(name, entry, entry.recurrence.next(at));
    };
    entry.timer = setTimeout(fire, Math.min(this.clock.realDelayUntil(at), MAX_TIMER_MS));
  }
}

export interface SchedulerOptions {
  /** Static schedule definitions, fired from start-up on. */
  readonly defs: readonly ScheduleDef[];
  readonly clock: VirtualClock;
  /** Puts a firing's message on the schedule's priority queue. */
  readonly send: (def: ScheduleDef, message: JobMessageInput) => Promise<void>;
  readonly log: LocalLog;
}

export interface LocalScheduler {
  /** Each schedule's next firing (virtual time, ISO), for logs and tests. */
  upcoming(): { readonly name: string; readonly at: string | undefined }[];
  stop(): void;
}

/**
 * A fixed set of schedules on ScheduleTimers: each fires at its next occurrence on the virtual
 * clock (not at start-up) and sends `scheduleMessage(def, scheduledTime)`. Run-time schedules
 * (connections') go through scheduler-service.ts instead, which speaks Scheduler's API.
 */
export function startScheduler({ defs, clock, send, log }: SchedulerOptions): LocalScheduler {
  const startedAt = clock.now();
  const timers = new ScheduleTimers(clock, log);
  for (const def of defs) {
    const recurrence = parseScheduleExpression(def.expression, startedAt);
    timers.set(
      def.name,
      recurrence,
      async (at) => {
        const scheduledAt = new Date(at).toISOString();
        try {
          await send(def, scheduleMessage(def, scheduledAt));
          log.debug(`schedule ${def.name} fired for ${scheduledAt}`);
        } catch (error) {
          log.warn(`schedule ${def.name} could not send its ${scheduledAt} firing`, error);
        }
      },
      startedAt,
    );
  }
  return { upcoming: () => timers.upcoming(), stop: () => timers.stop() };
}
