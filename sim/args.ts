import { parseArgs } from "node:util";
import { WORKLOAD_NAMES, type WorkloadName } from "./workloads/index.ts";

export const USAGE = `Usage: npm run simulate -- --workload <${WORKLOAD_NAMES.join("|")}> --days N [--hours H] [--seed S] [--json-only]

Runs the workload twice on a fresh in-process local stack on a virtual clock, with the design
documents' fixed plan (seed) and with Pacer's own (pacer), and prints one JSON line per strategy,
then a summary line, on stdout.

  --workload   ${WORKLOAD_NAMES.join(", ")}
  --days N     simulated days (may be fractional)
  --hours H    simulated hours instead of days (a shorter run, e.g. for tests)
  --seed S     the workload's random seed (integer) [default 1]
  --json-only  no progress bar, even on a terminal
  --strategy   run only seed or pacer
`;

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export interface SimulateArgs {
  readonly workload: WorkloadName;
  readonly hours: number;
  readonly seed: number;
  readonly jsonOnly: boolean;
  readonly strategies: readonly ("seed" | "pacer")[];
  readonly help: boolean;
}

/** The command line, checked; a UsageError says what is wrong. */
export function parseSimulateArgs(argv: readonly string[]): SimulateArgs {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help)
    return { workload: "zwift-club", hours: 24, seed: 1, jsonOnly: true, strategies: [], help: true };
  const workload = values.workload;
  if (workload === undefined) throw new UsageError("--workload is required");
  if (!(WORKLOAD_NAMES as string[]).includes(workload))
    throw new UsageError(`unknown workload "${workload}": one of ${WORKLOAD_NAMES.join(", ")}`);
  if (values.days !== undefined && values.hours !== undefined)
    throw new UsageError("give --days or --hours, not both");
  const hours =
    values.hours !== undefined
      ? positive(values.hours, "--hours")
      : positive(values.days ?? "1", "--days") * 24;
  const seed = Number(values.seed ?? "1");
  if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got ${values.seed}`);
  const strategy = values.strategy;
  if (strategy !== undefined && strategy !== "seed" && strategy !== "pacer")
    throw new UsageError(`--strategy must be seed or pacer, got ${strategy}`);
  return {
    workload: workload as WorkloadName,
    hours,
    seed,
    jsonOnly: values["json-only"] ?? false,
    strategies: strategy === undefined ? ["seed", "pacer"] : [strategy],
    help: false,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      workload: { type: "string" },
      days: { type: "string" },
      hours: { type: "string" },
      seed: { type: "string" },
      strategy: { type: "string" },
      "json-only": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
}

function positive(raw: string, flag: string): number {
  const value = Number(raw);
  if (!(value > 0) || !Number.isFinite(value))
    throw new UsageError(`${flag} must be a positive number, got ${raw}`);
  return value;
}
