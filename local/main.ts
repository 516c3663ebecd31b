import type { RunningStack } from "./cli/discovery.ts";
import { colourWanted } from "./cli/format.ts";
import { type CliOptions, parseCliArgs, USAGE, UsageError } from "./cli-args.ts";
import type { ChildJobIndex, DemoOutcome } from "./demo.ts";
import { consoleWriter } from "./run/console-lines.ts";
import type { LocalStack } from "./stack.ts";

/**
 * `npm run local`: a thin CLI around startLocalStack. stdout carries only the machine-readable
 * lines (PACER_READY, PACER_SUMMARY); everything else goes to stderr: the start-up steps, a line
 * per job state change, and the handlers' logs (readable on a terminal, JSON lines otherwise).
 *
 * Only the argument parser is imported up front: `--help` answers before the AWS SDK, the
 * catalog and the handlers are loaded.
 */
const printLine = process.stdout.write.bind(process.stdout);
const toStderr = process.stderr.write.bind(process.stderr);

/** A demo job that has not changed for this long (deferral waits aside) is stuck. */
const DEMO_STALL_MS = 30_000;
/** However its jobs progress, the demo ends within this (a loaded machine stretches it, not this much). */
const DEMO_CEILING_MS = 10 * 60_000;
/** How long the demo's end waits for the job lines of its last jobs (the stream lags the API). */
const CATCH_UP_MS = 3_000;

async function main(): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCliArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    printLine(USAGE);
    return 0;
  }
  routeConsole(options);
  const startedAt = new Date();

  const [
    { DEFAULT_TENANT, startLocalStack },
    { JavaMissingError },
    { createJobWatch, watchRateLimits },
    discovery,
    { ChildJobIndex },
  ] = await Promise.all([
    import("./stack.ts"),
    import("./aws/java.ts"),
    import("./run/job-watch.ts"),
    import("./cli/discovery.ts"),
    import("./demo/children.ts"),
  ]);
  const color = colourWanted(process.stderr, process.env);
  const writeLine = (line: string) => {
    process.stderr.write(`${line}\n`);
  };

  const jobs = createJobWatch({
    write: writeLine,
    defaultTenant: DEFAULT_TENANT,
    verbose: options.verbose,
    color,
    since: startedAt.getTime(),
  });
  // The demo reads its fan-out children's records: the stream is where their ids show.
  const children = new ChildJobIndex();
  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      port: options.port,
      speed: options.speed,
      timeScale: options.timeScale,
      verbose: options.verbose,
      metrics: options.metrics,
      scheduler: !options.once,
      freezeFeeds: options.once,
      // The demo connects the providers itself, through the API, as a user would.
      connectFakes: !options.once,
      onJobUpdate: (update) => {
        jobs.update(update);
        children.update(update);
      },
    });
  } catch (error) {
    if (error instanceof JavaMissingError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
      process.stderr.write(
        `Port ${options.port} or ${options.port + 1} is in use: pick others with --port N (0 = any free).\n`,
      );
      return 1;
    }
    throw error;
  }
  const stopWatchingRateLimits = watchRateLimits({ fakes: stack.fakes, write: writeLine, color });

  const ready = {
    api: stack.api,
    ws: stack.ws,
    token: stack.token,
    tenantId: DEFAULT_TENANT,
    dynamodb: stack.dynamoEndpoint,
    sqs: stack.sqsEndpoint,
    fakes: Object.fromEntries(Object.entries(stack.fakes).map(([id, fake]) => [id, fake.url])),
    speed: options.speed,
    timeScale: options.timeScale,
  };
  printLine(`PACER_READY ${JSON.stringify(ready)}\n`);

  if (options.once) {
    const { summary, jobIds } = await runDemo(stack, options, children);
    await jobs.caughtUp(jobIds, CATCH_UP_MS);
    const { demoLines } = await import("./demo.ts");
    for (const line of demoLines(summary)) writeLine(line);
    printLine(`PACER_SUMMARY ${JSON.stringify(summary)}\n`);
    stopWatchingRateLimits();
    await stack.stop();
    return summary.ok ? 0 : 1;
  }

  const forget = recordForOperatorCli(discovery, {
    ...ready,
    pid: process.pid,
    startedAt: startedAt.toISOString(),
  });
  process.once("exit", forget);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  process.stderr.write("[pacer-local] stopping (again to force)\n");
  const force = () => process.exit(130);
  process.once("SIGINT", force);
  process.once("SIGTERM", force);
  forget();
  stopWatchingRateLimits();
  await stack.stop();
  return 0;
}

/**
 * The handlers write to stdout and stderr as on Lambda: both go to stderr, rendered for a person
 * on a terminal (see run/console-lines.ts); the PACER_ lines keep stdout to themselves.
 */
function routeConsole(options: CliOptions): void {
  const write = consoleWriter(toStderr, {
    pretty: process.stderr.isTTY === true,
    color: colourWanted(process.stderr, process.env),
    metrics: options.metrics || options.verbose,
  });
  process.stdout.write = write;
  process.stderr.write = write;
}

/** `--once`: the demo, on every provider's fake: OpenF1 and ZwiftRacing as the default tenant, the race as its own. */
async function runDemo(
  stack: LocalStack,
  options: CliOptions,
  children: ChildJobIndex,
): Promise<DemoOutcome> {
  const [{ catalog }, demo, { createLog }] = await Promise.all([
    import("#catalog/index.ts"),
    import("./demo.ts"),
    import("./log.ts"),
  ]);
  const openf1 = catalog.providers.find((p) => p.id === "openf1");
  if (!openf1) throw new Error("the catalog has no openf1");
  const { openf1: openf1Fake, zwiftracing: zwiftracingFake } = stack.fakes;
  // The race runs as a tenant of its own, minted by the stand-in as `POST /dev/token` would.
  const raceFakes = Object.fromEntries(
    ["runsignup", "raceroster", "chronotrack"].flatMap((id) => {
      const fake = stack.fakes[id];
      return fake ? [[id, { connection: fake.connection, url: fake.url }]] : [];
    }),
  );
  return demo.runDemo({
    api: stack.api,
    token: stack.token,
    timeScale: options.timeScale,
    ...(openf1Fake && {
      openf1: {
        connection: openf1Fake.connection,
        stats: () => openf1Fake.stats(),
        syncTypes: openf1.syncTypes.map((s) => s.id),
      },
    }),
    ...(zwiftracingFake && {
      // Its stats carry `repeated` too (typed as every fake's): the demo reads it when present.
      zwiftracing: { connection: zwiftracingFake.connection, stats: () => zwiftracingFake.stats() },
    }),
    race: {
      tenantId: demo.RACE_DEMO_TENANT,
      token: await stack.issueToken(demo.RACE_DEMO_TENANT),
      fakes: raceFakes,
    },
    childJobIds: children.childrenOf,
    stallMs: DEMO_STALL_MS,
    ceilingMs: DEMO_CEILING_MS,
    log: createLog({ verbose: options.verbose }),
  });
}

/**
 * Records the running stack where `npx pacer` looks for it; returns what removes the record. A
 * record that cannot be written costs the operator CLI its discovery, not the stack its run.
 */
function recordForOperatorCli(
  { recordRunningStack, localStatePath }: typeof import("./cli/discovery.ts"),
  running: RunningStack,
): () => void {
  try {
    const forget = recordRunningStack(running);
    process.stderr.write(`[pacer-local] recorded for npx pacer in ${localStatePath()}\n`);
    return forget;
  } catch (error) {
    process.stderr.write(
      `[pacer-local] WARN could not record the stack for npx pacer: ${(error as Error).message}\n`,
    );
    return () => undefined;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `[pacer-local] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
