/**
 * One strategy in a process of its own (the handlers read their environment once per process, so
 * each strategy gets a fresh stack in a fresh process). Started by sim/main.ts with its options
 * as JSON; speaks over IPC: → `{type:"progress",done}` now and then, → `{type:"line",line}` once.
 * `Date` is faked before anything else is imported, so every module sees virtual time.
 */
import { z } from "zod";
import { installVirtualTime } from "./virtual-time.ts";
import { WORKLOAD_NAMES } from "./workloads/index.ts";

const RunOptions = z.object({
  workload: z.enum(WORKLOAD_NAMES as [string, ...string[]]),
  strategy: z.enum(["seed", "pacer"]),
  hours: z.number().positive(),
  seed: z.number().int(),
});
export type RunOptions = z.infer<typeof RunOptions>;

/** Virtual time the stack gets to start and connect before the workload's day begins. */
const SETUP_LEAD_MS = 10 * 60_000;
/** Real ms between progress messages. */
const PROGRESS_EVERY_MS = 250;

async function main(): Promise<void> {
  const options = RunOptions.parse(JSON.parse(process.argv[2] ?? "{}"));
  const { buildWorkload } = await import("./workloads/index.ts");
  const workload = buildWorkload(options.workload as Parameters<typeof buildWorkload>[0], options);
  const time = installVirtualTime(workload.startMs - SETUP_LEAD_MS);
  const { runStrategy } = await import("./strategy.ts");
  let lastProgress = 0;
  const line = await runStrategy({
    strategy: options.strategy,
    workload,
    days: options.hours / 24,
    time,
    onProgress: (done) => {
      const now = performance.now();
      if (now - lastProgress < PROGRESS_EVERY_MS) return;
      lastProgress = now;
      process.send?.({ type: "progress", done });
    },
  });
  // Delivered before exiting: process.exit() would drop a message still being sent.
  await new Promise<void>((resolve) =>
    process.send ? process.send({ type: "line", line }, () => resolve()) : resolve(),
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `[simulate] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
