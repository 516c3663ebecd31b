import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ChildMessage, ParentMessage, ProcessReport, WorkerProcessConfig } from "./protocol.ts";

const ENTRY = fileURLToPath(new URL("./worker-process.ts", import.meta.url));
const READY_TIMEOUT_MS = 30_000;
/** After the deadline: loops finish their last call, then the report travels back. */
const REPORT_GRACE_MS = 15_000;
/** Lets every process get its timers armed before the common start. */
const START_LEAD_MS = 300;

export interface RunTiming {
  readonly startAt: number;
  readonly deadline: number;
}

/**
 * Forks one worker process per config, waits until all are ready, starts them together for
 * `durationMs` and collects their reports. A process that fails, exits early or overstays is
 * killed (only the ones forked here) and the run fails.
 */
export async function runWorkerProcesses(
  configs: readonly WorkerProcessConfig[],
  durationMs: number,
  log: (line: string) => void,
): Promise<{ reports: ProcessReport[]; timing: RunTiming }> {
  const children = configs.map(() =>
    fork(ENTRY, [], {
      execArgv: ["--import", "tsx"],
      // stdout is the benchmark's result channel: a child's stray output goes to stderr instead.
      stdio: ["ignore", "pipe", "inherit", "ipc"],
      env: process.env,
    }),
  );
  for (const child of children) child.stdout?.pipe(process.stderr);
  try {
    await Promise.all(
      children.map((child, i) => {
        const ready = nextMessage(child, "ready", READY_TIMEOUT_MS);
        post(child, { type: "config", config: configs[i] as WorkerProcessConfig });
        return ready;
      }),
    );
    const startAt = Date.now() + START_LEAD_MS;
    const deadline = startAt + durationMs;
    const reports = children.map((child) =>
      nextMessage(child, "report", deadline - Date.now() + REPORT_GRACE_MS),
    );
    for (const child of children) post(child, { type: "start", startAt, deadline });
    const collected = await Promise.all(reports);
    await Promise.all(children.map(exited));
    return { reports: collected.map((message) => message.report), timing: { startAt, deadline } };
  } catch (error) {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        log(`killing worker process ${child.pid}`);
        child.kill("SIGKILL");
      }
    }
    throw error;
  }
}

function post(child: ChildProcess, message: ParentMessage): void {
  child.send(message);
}

function nextMessage<T extends ChildMessage["type"]>(
  child: ChildProcess,
  type: T,
  timeoutMs: number,
): Promise<Extract<ChildMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`worker process ${child.pid} sent no "${type}" within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message: ChildMessage) => {
      if (message.type === type) {
        cleanup();
        resolve(message as Extract<ChildMessage, { type: T }>);
      } else if (message.type === "failed") {
        cleanup();
        reject(new Error(`worker process ${child.pid} failed: ${message.message}`));
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      cleanup();
      reject(new Error(`worker process ${child.pid} exited (${signal ?? code}) before "${type}"`));
    };
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}
