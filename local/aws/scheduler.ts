import type { JobMessageInput } from "#core/job.ts";
import { type ScheduleDef, scheduleMessage } from "#core/schedule-plan.ts";
import type { LocalLog } from "../log.ts";
import { parseScheduleExpression, type Recurrence } from "./schedule-expression.ts";
import type { VirtualClock } from "./virtual-clock.ts";

export interface SchedulerOptions {
  /** From schedulePlan(catalog, tenants): the same definitions the CDK turns into schedules. */
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

/** setTimeout's ceiling; longer waits re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * EventBridge Scheduler in miniature: each schedule fires at its next occurrence on the virtual
 * clock (not at start-up) and sends `scheduleMessage(def, scheduledTime)`. Occurrences that a
 * busy event loop made late still fire, in order, like Scheduler's delivery of late invocations.
 */
export function startScheduler({ defs, clock, send, log }: SchedulerOptions): LocalScheduler {
  const startedAt = clock.now();
  const timers = new Map<string, NodeJS.Timeout>();
  const nextAt = new Map<string, number | undefined>();
  let stopped = false;

  const schedule = (def: ScheduleDef, recurrence: Recurrence, at: number | undefined) => {
    nextAt.set(def.name, at);
    if (at === undefined || stopped) return;
    const fire = async () => {
      if (stopped) return;
      // Waits beyond setTimeout's ceiling come back here early.
      if (clock.now() < at) return schedule(def, recurrence, at);
      const scheduledAt = new Date(at).toISOString();
      try {
        await send(def, scheduleMessage(def, scheduledAt));
        log.debug(`schedule ${def.name} fired for ${scheduledAt}`);
      } catch (error) {
        log.warn(`schedule ${def.name} could not send its ${scheduledAt} firing`, error);
      }
      schedule(def, recurrence, recurrence.next(at));
    };
    timers.set(def.name, setTimeout(fire, Math.min(clock.realDelayUntil(at), MAX_TIMER_MS)));
  };

  for (const def of defs) {
    const recurrence = parseScheduleExpression(def.expression, startedAt);
    schedule(def, recurrence, recurrence.next(startedAt));
  }

  return {
    upcoming: () =>
      defs.map((def) => {
        const at = nextAt.get(def.name);
        return { name: def.name, at: at === undefined ? undefined : new Date(at).toISOString() };
      }),
    stop: () => {
      stopped = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
