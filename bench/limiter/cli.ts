import { LIMITER_NAMES, type LimiterName } from "./limiters.ts";
import { SCENARIOS, type Scenario } from "./scenarios.ts";

export interface LimiterBenchOptions {
  /** Length of each limiter run. */
  readonly seconds: number;
  readonly scenarios: readonly Scenario[];
  readonly limiters: readonly LimiterName[];
}

export const LIMITER_USAGE = `usage: bench limiter [--seconds N] [--scenario NAME[,NAME…]] [--limiter NAME[,NAME…]]
  --seconds   length of each limiter run (default 12)
  --scenario  ${SCENARIOS.map((s) => s.name).join(", ")} (default: all)
  --limiter   ${LIMITER_NAMES.join(", ")} (default: all)`;

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export const DEFAULT_SECONDS = 12;

/** Parses the arguments after `limiter`; throws UsageError on anything it does not know. */
export function parseLimiterArgs(args: readonly string[]): LimiterBenchOptions {
  let seconds = DEFAULT_SECONDS;
  let scenarios: readonly Scenario[] = SCENARIOS;
  let limiters: readonly LimiterName[] = LIMITER_NAMES;
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = args[i + 1];
    if (value === undefined || value.startsWith("--")) throw new UsageError(`${flag} needs a value`);
    i++;
    if (flag === "--seconds") {
      seconds = Number(value);
      if (!(Number.isFinite(seconds) && seconds > 0))
        throw new UsageError(`--seconds: not a positive number: ${value}`);
    } else if (flag === "--scenario") {
      scenarios = pick(value, SCENARIOS, (s) => s.name, "--scenario");
    } else if (flag === "--limiter") {
      limiters = pick(value, LIMITER_NAMES, (name) => name, "--limiter");
    } else {
      throw new UsageError(`unknown option ${flag}`);
    }
  }
  return { seconds, scenarios, limiters };
}

function pick<T>(list: string, known: readonly T[], nameOf: (item: T) => string, flag: string): T[] {
  return list.split(",").map((name) => {
    const found = known.find((item) => nameOf(item) === name);
    if (found === undefined) throw new UsageError(`${flag}: unknown name ${name}`);
    return found;
  });
}
