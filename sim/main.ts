import { fork } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { renderConsoleLine } from "../local/run/console-lines.ts";
import { parseSimulateArgs, type SimulateArgs, USAGE, UsageError } from "./args.ts";
import { type StrategyLine, summaryLine } from "./report.ts";

/**
 * `npm run simulate`: each strategy in a process of its own (sim/run.ts), both at once (each is
 * mostly DynamoDB Local's JVM at work: two share a 2-core machine well), their JSON lines on
 * stdout in strategy order, then the summary line. A progress bar on stderr only when stderr is a
 * terminal.
 */
const RUN = fileURLToPath(new URL("./run.ts", import.meta.url));
const BAR_WIDTH = 30;
/** The strategy runs in flight: one failing stops the others. */
const running = new Set<ReturnType<typeof fork>>();

async function main(): Promise<number> {
  let args: SimulateArgs;
  try {
    args = parseSimulateArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const started = performance.now();
  const progress = new Progress(args.strategies, !args.jsonOnly && process.stderr.isTTY === true);
  const lines = await Promise.all(args.strategies.map((strategy) => runChild(args, strategy, progress)));
  progress.end();
  for (const line of lines) process.stdout.write(`${JSON.stringify(line)}\n`);
  process.stdout.write(`${JSON.stringify(summaryLine(lines, (performance.now() - started) / 1000))}\n`);
  return 0;
}

/** One bar per strategy, on one line, redrawn in place. */
class Progress {
  readonly #done = new Map<string, number>();

  constructor(
    strategies: readonly string[],
    private readonly enabled: boolean,
  ) {
    for (const strategy of strategies) this.#done.set(strategy, 0);
  }

  set(strategy: string, done: number): void {
    if (!this.enabled) return;
    this.#done.set(strategy, done);
    const bars = [...this.#done].map(([name, fraction]) => {
      const filled = Math.round(fraction * BAR_WIDTH);
      return `${name} [${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}%`;
    });
    process.stderr.write(`\r${bars.join("  ")}`);
  }

  end(): void {
    if (this.enabled) process.stderr.write("\n");
  }

  /** A line of its own above the bars. */
  log(line: string): void {
    process.stderr.write(this.enabled ? `\r\u001b[2K${line}\n` : `${line}\n`);
  }
}

function cpuProfileArgs(dir: string | undefined): string[] {
  return dir ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : [];
}

function runChild(args: SimulateArgs, strategy: "seed" | "pacer", progress: Progress): Promise<StrategyLine> {
  const options = { workload: args.workload, strategy, hours: args.hours, seed: args.seed };
  const child = fork(RUN, [JSON.stringify(options)], {
    // SIM_CPU_PROFILE_DIR: each strategy's process writes a V8 CPU profile there (see sim/README).
    execArgv: ["--import", "tsx", ...cpuProfileArgs(process.env.SIM_CPU_PROFILE_DIR)],
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  running.add(child);
  // The handlers' warnings, as `npm run local` shows them; Powertools' empty-flush notices dropped.
  const pretty = process.stderr.isTTY === true;
  if (child.stderr) {
    createInterface({ input: child.stderr }).on("line", (raw) => {
      const line = renderConsoleLine(raw, { pretty, color: pretty, metrics: false });
      if (line !== undefined) progress.log(`[${strategy}] ${line}`);
    });
  }
  return new Promise((resolve, reject) => {
    let line: StrategyLine | undefined;
    child.on("message", (message: { type: string; done?: number; line?: StrategyLine }) => {
      if (message.type === "progress") progress.set(strategy, message.done ?? 0);
      if (message.type === "line") line = message.line;
    });
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      running.delete(child);
      if (code === 0 && line) return resolve(line);
      reject(
        new Error(`the ${strategy} run ${signal ? `was killed by ${signal}` : `exited with code ${code}`}`),
      );
    });
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    for (const child of running) child.kill();
    process.stderr.write(`[simulate] failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
