import type { LocalLog } from "./log.ts";
import { describe } from "./log.ts";

/** Something the stand-in depends on: DynamoDB Local, the SQS emulator, a fake provider's process. */
export interface Dependency {
  /** How the log names it, e.g. `DynamoDB Local (http://127.0.0.1:8000)`. */
  readonly name: string;
  /** What stops working while it is down, in a person's words. */
  readonly affects: string;
  /** Resolves when it answers. Without one, only markDown() reports it (a process exit). */
  readonly probe?: () => Promise<void>;
}

export interface DependencyHealth {
  readonly up: boolean;
  /** ISO time it went down (first failed check), while down. */
  readonly downSince?: string;
  readonly cause?: string;
}

export interface HealthMonitor {
  /** Reports `key` down now, once (e.g. its process exited). */
  markDown(key: string, cause: string): void;
  /**
   * Runs `work` (a restart) with `key` down on purpose: no outage report, warnings held back;
   * checks of it resume afterwards.
   */
  during<T>(key: string, work: () => Promise<T>): Promise<T>;
  status(): Record<string, DependencyHealth>;
  /**
   * A log whose warnings are held back while an outage of one of `keys` (default: all) is
   * reported, or a restart of one runs: they would only repeat it. Counted, and the count is told
   * with the recovery.
   */
  quiet(log: LocalLog, keys?: readonly string[]): LocalLog;
  /** One round of checks now (the monitor also runs them every `everyMs`). */
  check(): Promise<void>;
  stop(): void;
}

export interface HealthMonitorOptions {
  readonly dependencies: Readonly<Record<string, Dependency>>;
  readonly log: LocalLog;
  /** @default 2000 */
  readonly everyMs?: number;
  /** Failed checks in a row before an outage is reported: one slow answer under load is none. @default 2 */
  readonly failuresToReport?: number;
  readonly now?: () => number;
}

interface State {
  failures: number;
  since: number | undefined;
  cause: string | undefined;
  reported: boolean;
  restarting: boolean;
}

/**
 * Watches the stand-in's dependencies and says, once, what is down, since when and what it
 * affects, and once more when it is back, instead of every poller warning on every attempt.
 */
export function startHealthMonitor(options: HealthMonitorOptions): HealthMonitor {
  const now = options.now ?? Date.now;
  const threshold = options.failuresToReport ?? 2;
  const states = new Map<string, State>(
    Object.keys(options.dependencies).map((key) => [
      key,
      { failures: 0, since: undefined, cause: undefined, reported: false, restarting: false },
    ]),
  );
  let heldBack = 0;
  let stopped = false;

  const stateOf = (key: string): State => {
    const state = states.get(key);
    if (!state) throw new Error(`no dependency "${key}" is watched`);
    return state;
  };
  const report = (key: string, state: State) => {
    const dependency = options.dependencies[key] as Dependency;
    state.reported = true;
    const since = new Date(state.since ?? now()).toISOString();
    options.log.warn(
      `${dependency.name} is down since ${since} (${state.cause}). Affected: ${dependency.affects}.` +
        (dependency.probe ? " Repeated warnings are held back until it is back." : ""),
    );
  };
  const failed = (key: string, cause: string) => {
    const state = stateOf(key);
    state.failures++;
    state.since ??= now();
    state.cause = cause;
    if (!state.reported && !stopped && state.failures >= threshold) report(key, state);
  };
  const answered = (key: string) => {
    const state = stateOf(key);
    if (state.reported && !stopped) {
      const seconds = ((now() - (state.since ?? now())) / 1000).toFixed(1);
      options.log.notice(
        `${(options.dependencies[key] as Dependency).name} is back after ${seconds} s` +
          (heldBack > 0 ? ` (${heldBack} warnings held back meanwhile)` : ""),
      );
      heldBack = 0;
    }
    Object.assign(state, { failures: 0, since: undefined, cause: undefined, reported: false });
  };
  const anyDown = (keys: readonly string[]) =>
    keys.some((key) => {
      const state = stateOf(key);
      return state.reported || state.restarting;
    });

  let checking: Promise<void> | undefined;
  const check = () => {
    checking ??= Promise.all(
      Object.entries(options.dependencies).map(async ([key, dependency]) => {
        if (!dependency.probe || stateOf(key).restarting) return;
        try {
          await dependency.probe();
          answered(key);
        } catch (error) {
          failed(key, describe(error));
        }
      }),
    ).then(
      () => {
        checking = undefined;
      },
      () => {
        checking = undefined;
      },
    );
    return checking;
  };
  const timer = setInterval(() => void check(), options.everyMs ?? 2_000);
  timer.unref();

  return {
    markDown: (key, cause) => {
      const state = stateOf(key);
      if (state.reported || stopped) return;
      state.since = now();
      state.cause = cause;
      report(key, state);
    },
    during: async (key, work) => {
      const state = stateOf(key);
      state.restarting = true;
      state.since ??= now();
      try {
        return await work();
      } finally {
        state.restarting = false;
        // Judged afresh by the next check: an outage reported before is told as over once it answers.
        state.failures = 0;
        if (!state.reported) state.since = undefined;
      }
    },
    status: () =>
      Object.fromEntries(
        [...states].map(([key, state]) => [
          key,
          state.reported || state.restarting
            ? {
                up: false,
                downSince: new Date(state.since ?? now()).toISOString(),
                cause: state.restarting ? "restarting" : state.cause,
              }
            : { up: true },
        ]),
      ),
    quiet: (log, keys = Object.keys(options.dependencies)) => ({
      info: (message) => log.info(message),
      debug: (message) => log.debug(message),
      notice: (message) => log.notice(message),
      warn: (message, error) => {
        if (anyDown(keys)) heldBack++;
        else log.warn(message, error);
      },
    }),
    check,
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}
