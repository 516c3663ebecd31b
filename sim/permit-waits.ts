import { currentInvocation } from "../local/aws/invocation.ts";

/** Where the handlers wait in process for a permit's moment (a real setTimeout, up to MAX_PERMIT_WAIT_MS). */
const PERMIT_WAIT_SITE = "/limiter/take-permit.ts";
/**
 * Frames enough to reach the permit wait's `setTimeout` from here (this check, `schedule`, the
 * installed `setTimeout`, take-permit's promise executor): every timer an invocation sets is
 * checked, and a full stack for each (the SDK sets several per request) cost a simulated day seconds.
 */
const PERMIT_WAIT_DEPTH = 6;

function calledFromPermitWait(): boolean {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = PERMIT_WAIT_DEPTH;
  try {
    return (new Error().stack ?? "").includes(PERMIT_WAIT_SITE);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

interface Sleeper {
  readonly requestId: string;
  readonly wakeAt: number;
  readonly wake: () => void;
  timer: ReturnType<typeof setTimeout>;
}

type SetTimeout = (callback: () => void, ms: number) => ReturnType<typeof setTimeout>;
type ClearTimeout = (timer: ReturnType<typeof setTimeout>) => void;

/**
 * The limiter's in-process waits for a permit's moment, made virtual. Such a wait is the handler
 * waiting for (virtual) time to pass and nothing else: when every invocation in flight is in one,
 * nothing runs, so the loop may jump the clock to the earliest wake-up instead of sleeping it out
 * (what would otherwise be most of a run's real time: a permit reserved seconds ahead is waited
 * for by every normal-priority call). The sleepers left are re-armed for what remains of their waits.
 */
export class PermitWaits {
  readonly #sleepers = new Set<Sleeper>();

  constructor(
    private readonly setTimer: SetTimeout,
    private readonly clearTimer: ClearTimeout,
    /** Whether the timer being set is a permit wait (default: its call site is take-permit.ts). */
    private readonly isPermitWait: () => boolean = calledFromPermitWait,
  ) {}

  /** Routes `setTimeout` calls through this; returns what puts the original back. */
  static install(target: { setTimeout: unknown; clearTimeout: unknown } = globalThis): {
    waits: PermitWaits;
    uninstall: () => void;
  } {
    const original = target.setTimeout as typeof setTimeout;
    const clear = target.clearTimeout as typeof clearTimeout;
    const waits = new PermitWaits(
      (callback, ms) => original(callback, ms),
      (timer) => clear(timer),
    );
    target.setTimeout = ((callback: (...args: unknown[]) => void, ms?: number, ...rest: unknown[]) =>
      waits.schedule(() => callback(...rest), ms ?? 0) ??
      original(callback, ms, ...rest)) as typeof setTimeout;
    const uninstall = () => {
      target.setTimeout = original;
    };
    return { waits, uninstall };
  }

  /** A timer: taken over (and its real timer returned) when it is a permit wait in an invocation; else undefined. */
  schedule(callback: () => void, ms: number): ReturnType<typeof setTimeout> | undefined {
    const invocation = currentInvocation();
    if (invocation === undefined || !(ms > 0) || !this.isPermitWait()) return undefined;
    const sleeper: Sleeper = {
      requestId: invocation.requestId,
      wakeAt: Date.now() + ms,
      wake: () => {
        this.#sleepers.delete(sleeper);
        callback();
      },
      timer: undefined as unknown as ReturnType<typeof setTimeout>,
    };
    sleeper.timer = this.setTimer(sleeper.wake, ms);
    this.#sleepers.add(sleeper);
    return sleeper.timer;
  }

  /** Whether every invocation in flight (by request id; at least one) waits for a permit. */
  allWaiting(inFlight: ReadonlySet<string>): boolean {
    if (inFlight.size === 0) return false;
    const waiting = new Set([...this.#sleepers].map((s) => s.requestId));
    for (const id of inFlight) if (!waiting.has(id)) return false;
    return true;
  }

  /** The earliest wake-up (virtual epoch ms). */
  nextWake(): number | undefined {
    let next: number | undefined;
    for (const sleeper of this.#sleepers)
      if (next === undefined || sleeper.wakeAt < next) next = sleeper.wakeAt;
    return next;
  }

  /** After the clock jumped to `nowMs`: wakes who is due, and re-arms the rest for what remains. */
  rearm(nowMs: number): void {
    for (const sleeper of [...this.#sleepers]) {
      this.clearTimer(sleeper.timer);
      if (sleeper.wakeAt <= nowMs) {
        this.#sleepers.delete(sleeper);
        queueMicrotask(sleeper.wake);
      } else {
        sleeper.timer = this.setTimer(sleeper.wake, sleeper.wakeAt - nowMs);
      }
    }
  }
}
