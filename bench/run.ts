/**
 * Pacer's benchmarks: `tsx bench/run.ts <name> [options]` (`npm run bench -- <name>`).
 * Results go to stdout, one JSON object per line, the last line a summary; logs go to stderr.
 */
import { runLimiterBench } from "./limiter/run-limiter-bench.ts";

const BENCHMARKS: Readonly<Record<string, (args: readonly string[]) => Promise<number>>> = {
  limiter: runLimiterBench,
};

const USAGE = `usage: tsx bench/run.ts <benchmark> [options]
benchmarks: ${Object.keys(BENCHMARKS).join(", ")}
  limiter   Pacer's DynamoDB limiter against rate-limiter-flexible and a naive token bucket`;

const [name, ...args] = process.argv.slice(2);
const benchmark = name === undefined ? undefined : BENCHMARKS[name];
if (benchmark === undefined) {
  process.stderr.write(
    `${name === undefined ? "no benchmark given" : `unknown benchmark: ${name}`}\n${USAGE}\n`,
  );
  process.exitCode = 2;
} else {
  try {
    process.exitCode = await benchmark(args);
  } catch (error) {
    process.stderr.write(
      `benchmark ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  }
}
