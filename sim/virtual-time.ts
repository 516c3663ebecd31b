import { install } from "@sinonjs/fake-timers";

/**
 * The simulator's clock: `Date` in this process (and only `Date`: timers and I/O stay real),
 * faked with @sinonjs/fake-timers. It runs at real speed while work runs and jumps forward only
 * when the stack is quiescent.
 *
 * Why it does not stand still while work runs: the handlers wait for near permits in process
 * (core/limiter/take-permit.ts sleeps with a real setTimeout, up to MAX_PERMIT_WAIT_MS) and back
 * off with real timers. With a frozen Date such a wait would end with the clock still before the
 * permit's moment, and the call would reach the strict fake early: a 429 the deployed system never
 * sees. Running at real speed between jumps, every in-process wait lasts as long in virtual time
 * as in real time, so the limiter, the fakes' windows and the SQS delays agree.
 */
export interface VirtualTime {
  /** Virtual epoch ms (what `Date.now()` answers in this process). */
  now(): number;
  /** Moves the clock forward to `atMs`; a moment not ahead of now changes nothing. */
  jumpTo(atMs: number): void;
  /** Virtual ms added by jumps so far (the rest of virtual time is real time). */
  jumped(): number;
  /** Gives `Date` back. */
  uninstall(): void;
}

/** A monotonic real-time source in ms; only the clock's own base, never domain time. */
export type RealNow = () => number;

/**
 * Installs the virtual clock at `startMs`. `realNow` is the real time base (default
 * `performance.now`, monotonic): virtual time = real elapsed time + jumps.
 */
export function installVirtualTime(startMs: number, realNow: RealNow = () => performance.now()): VirtualTime {
  const clock = install({ toFake: ["Date"], now: startMs });
  let offset = startMs - realNow();
  let jumped = 0;
  // fake-timers reads `clock.now` for Date.now() and `new Date()`; an accessor makes it run with
  // real time. Whole milliseconds, as the real Date.now() gives.
  Object.defineProperty(clock, "now", {
    configurable: true,
    get: () => Math.floor(realNow() + offset),
    set: (value: number) => {
      offset = value - realNow();
    },
  });
  return {
    now: () => clock.now,
    jumpTo: (atMs) => {
      const now = clock.now;
      if (!(atMs > now)) return;
      jumped += atMs - now;
      offset += atMs - now;
    },
    jumped: () => jumped,
    uninstall: () => clock.uninstall(),
  };
}
