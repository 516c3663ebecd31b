import { catalog } from "#catalog/index.ts";
import { JavaMissingError } from "./aws/java.ts";
import { parseCliArgs, USAGE, UsageError } from "./cli-args.ts";
import { runDemo } from "./demo.ts";
import { createLog } from "./log.ts";
import { DEFAULT_TENANT, type LocalStack, startLocalStack } from "./stack.ts";

/**
 * `npm run local`: a thin CLI around startLocalStack. stdout carries only the machine-readable
 * lines (PACER_READY, PACER_SUMMARY); everything else, the handlers' logs included, goes to stderr.
 */
const printLine = process.stdout.write.bind(process.stdout);
process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;

const DEMO_PROVIDER = "openf1";
/** A demo job that has not changed for this long (deferral waits aside) is stuck. */
const DEMO_STALL_MS = 30_000;
/** However its jobs progress, the demo ends within this (a loaded machine stretches it, not this much). */
const DEMO_CEILING_MS = 10 * 60_000;

async function main(): Promise<number> {
  let options: ReturnType<typeof parseCliArgs>;
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

  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      port: options.port,
      speed: options.speed,
      verbose: options.verbose,
      scheduler: !options.once,
      freezeFeeds: options.once,
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

  const ready = {
    api: stack.api,
    ws: stack.ws,
    token: stack.token,
    tenantId: DEFAULT_TENANT,
    dynamodb: stack.dynamoEndpoint,
    sqs: stack.sqsEndpoint,
    fakes: Object.fromEntries(Object.entries(stack.fakes).map(([id, fake]) => [id, fake.url])),
    speed: options.speed,
  };
  printLine(`PACER_READY ${JSON.stringify(ready)}\n`);

  if (options.once) {
    const provider = catalog.providers.find((p) => p.id === DEMO_PROVIDER);
    if (!provider) throw new Error(`the catalog has no ${DEMO_PROVIDER}`);
    const summary = await runDemo({
      api: stack.api,
      token: stack.token,
      provider: provider.id,
      syncTypes: provider.syncTypes.map((s) => s.id),
      fake429s: () => stack.fakes[DEMO_PROVIDER]?.stats().rateLimited ?? 0,
      stallMs: DEMO_STALL_MS,
      ceilingMs: DEMO_CEILING_MS,
      log: createLog({ verbose: options.verbose }),
    });
    printLine(`PACER_SUMMARY ${JSON.stringify(summary)}\n`);
    await stack.stop();
    return summary.ok ? 0 : 1;
  }

  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  process.stderr.write("[pacer-local] stopping (again to force)\n");
  const force = () => process.exit(130);
  process.once("SIGINT", force);
  process.once("SIGTERM", force);
  await stack.stop();
  return 0;
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
