/**
 * A worker process of the limiter benchmark (forked by run-limiter.ts with `--import tsx`). It
 * receives its configuration over IPC, builds its own DynamoDB client and limiter (as a Lambda
 * would), reports ready, runs its worker loops from the common start until the deadline, sends
 * its report and exits.
 */
import { DynamoDB } from "@aws-sdk/client-dynamodb";
import { clientConfig } from "../../local/aws/aws-config.ts";
import { sleep } from "../../local/sleep.ts";
import { CapacityMeter } from "./capacity-meter.ts";
import { createBenchLimiter } from "./limiters.ts";
import type { ChildMessage, ParentMessage, ProcessReport, WorkerProcessConfig } from "./protocol.ts";
import { maxWaitFor } from "./scenarios.ts";
import { emptyStats, type LoopStats, runWorkerLoop } from "./worker-loop.ts";

const MAX_ERROR_SAMPLES = 5;
/** Loops end on their own by the deadline; this only bounds a DynamoDB or HTTP call that hangs. */
const STRAGGLER_GRACE_MS = 5_000;
const PROVIDER_TIMEOUT_MS = 5_000;

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) throw new Error("worker-process.ts must be forked with an IPC channel");
    process.send(message, undefined, {}, () => resolve());
  });
}

async function prepare(config: WorkerProcessConfig) {
  const dynamo = new DynamoDB(clientConfig(config.dynamoEndpoint));
  const meter = new CapacityMeter();
  meter.attach(dynamo);
  const limiter = await createBenchLimiter(config.limiter, dynamo, config);
  // Warm the connections, so the first ask of the run does not pay for TCP set-up.
  await dynamo.describeTable({ TableName: config.tableName });
  await fetch(new URL("/health", config.callUrl)).then((response) => response.arrayBuffer());
  return { dynamo, meter, limiter };
}

async function run(
  config: WorkerProcessConfig,
  prepared: Awaited<ReturnType<typeof prepare>>,
  startAt: number,
  deadline: number,
): Promise<ProcessReport> {
  const errorSamples: string[] = [];
  const onError = (error: unknown) => {
    if (errorSamples.length < MAX_ERROR_SAMPLES)
      errorSamples.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  };
  await sleep(Math.max(0, startAt - Date.now()));
  const stats = config.workers.map(() => emptyStats());
  const loops = config.workers.map((role, i) =>
    runWorkerLoop(
      role,
      maxWaitFor(role.priority, config.limits),
      {
        limiter: prepared.limiter,
        callProvider: async () => {
          const response = await fetch(config.callUrl, { signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS) });
          await response.arrayBuffer();
          return response.status;
        },
        clock: Date.now,
        sleep: (ms) => sleep(ms),
        random: Math.random,
        jitterMs: config.jitterMs,
        deadline,
        onError,
      },
      stats[i] as LoopStats,
    ),
  );
  const finished = await Promise.race([
    Promise.all(loops).then(() => true),
    sleep(Math.max(0, deadline - Date.now()) + STRAGGLER_GRACE_MS).then(() => false),
  ]);
  if (!finished) onError(new Error(`worker loops still busy ${STRAGGLER_GRACE_MS} ms after the deadline`));
  return {
    calls: stats.flatMap((s) => s.calls),
    refusals: sum(stats.map((s) => s.refusals)),
    stalePermits: sum(stats.map((s) => s.stalePermits)),
    errors: sum(stats.map((s) => s.errors)),
    errorSamples,
    writes: prepared.meter.tally(),
  };
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

let config: WorkerProcessConfig | undefined;
let prepared: Promise<Awaited<ReturnType<typeof prepare>>> | undefined;

process.on("message", (message: ParentMessage) => {
  void (async () => {
    try {
      if (message.type === "config") {
        config = message.config;
        prepared = prepare(config);
        await prepared;
        await send({ type: "ready" });
      } else if (message.type === "start") {
        if (!config || !prepared) throw new Error("start before config");
        const report = await run(config, await prepared, message.startAt, message.deadline);
        (await prepared).dynamo.destroy();
        await send({ type: "report", report });
        process.exit(0);
      }
    } catch (error) {
      await send({
        type: "failed",
        message: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
      process.exit(1);
    }
  })();
});
