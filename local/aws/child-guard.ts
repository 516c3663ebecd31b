import { type ChildProcess, spawn } from "node:child_process";

/**
 * The guard: a few lines of plain Node (no tsx, so it starts in tens of milliseconds) between the
 * stand-in and a child it must not leave behind. The stand-in holds the write end of the guard's
 * stdin; the kernel closes it however the stand-in ends, SIGKILL included, and the guard then
 * stops its child and exits. Signals sent to the guard are passed on; it exits as its child does.
 */
const GUARD_SOURCE = `
const { spawn } = require("node:child_process");
const { constants } = require("node:os");
const [command, ...args] = process.argv.slice(1);
const child = spawn(command, args, { stdio: ["ignore", "inherit", "inherit"] });
const alive = () => child.exitCode === null && child.signalCode === null;
const stop = (signal) => { if (alive()) child.kill(signal); };
const orphaned = () => {
  stop("SIGTERM");
  setTimeout(() => stop("SIGKILL"), ${3_000}).unref();
};
process.stdin.on("end", orphaned);
process.stdin.on("error", orphaned);
process.stdin.resume();
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, () => stop(signal));
child.on("error", (error) => {
  process.stderr.write("child-guard: " + command + ": " + error.message + "\\n");
  process.exit(127);
});
child.on("exit", (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
`;

export interface GuardedSpawnOptions {
  readonly cwd?: string;
  /** The child's stdout and stderr. @default "pipe" */
  readonly stdio?: "pipe" | "ignore" | "inherit";
}

/**
 * Spawns `command` under a guard (see GUARD_SOURCE) so it dies with this process, even when this
 * process is killed outright. The guard leads a process group of its own, with the child in it:
 * a Ctrl-C in the terminal reaches only this process (which stops its children in order), and
 * killGroup() reaches both.
 */
export function spawnGuarded(
  command: string,
  args: readonly string[],
  options: GuardedSpawnOptions = {},
): ChildProcess {
  const output = options.stdio ?? "pipe";
  return spawn(process.execPath, ["-e", GUARD_SOURCE, "--", command, ...args], {
    cwd: options.cwd,
    detached: true,
    stdio: ["pipe", output, output],
  });
}

/** Sends `signal` to a guard and its child at once (their process group). */
export function killGroup(guard: ChildProcess, signal: NodeJS.Signals): void {
  if (guard.pid === undefined || guard.exitCode !== null || guard.signalCode !== null) return;
  try {
    process.kill(-guard.pid, signal);
  } catch {
    // Already gone.
  }
}
