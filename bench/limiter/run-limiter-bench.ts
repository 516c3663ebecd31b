import { CreateTableCommand, DynamoDB, UpdateTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import { TABLES } from "#core/resources.ts";
import { clientConfig } from "../../local/aws/aws-config.ts";
import { type DynamoDbLocal, startDynamoDbLocal } from "../../local/aws/dynamodb-local.ts";
import { createTableInput } from "../../local/aws/tables.ts";
import { sleep } from "../../local/sleep.ts";
import { LIMITER_USAGE, type LimiterBenchOptions, parseLimiterArgs, UsageError } from "./cli.ts";
import type { LimiterName } from "./limiters.ts";
import type { WorkerProcessConfig } from "./protocol.ts";
import { type RunLine, runLine, summarize } from "./report.ts";
import { type Scenario, workersOfProcess } from "./scenarios.ts";
import { type StrictProvider, startStrictProvider } from "./strict-provider.ts";
import { runWorkerProcesses } from "./worker-processes.ts";

/** Quiet time between two limiter runs, so one run's stragglers and JVM work do not leak into the next. */
const SPACING_MS = 1_000;
/** Upper bound of the uniform jitter a worker adds to every `retryAfterMs`. */
const JITTER_MS = 20;
const TENANT = "bench-tenant";

const log = (line: string) => process.stderr.write(`[bench limiter] ${line}\n`);
const emit = (record: object) => process.stdout.write(`${JSON.stringify(record)}\n`);

/**
 * `bench limiter`: Pacer's DynamoLimiter, rate-limiter-flexible's RateLimiterDynamo and a naive
 * DynamoDB token bucket, each in turn driven by the same worker processes against the same strict
 * provider and the same DynamoDB Local. Prints one JSON line per scenario and limiter, then a
 * summary line. Resolves to the process exit code.
 */
export async function runLimiterBench(args: readonly string[]): Promise<number> {
  let options: LimiterBenchOptions;
  try {
    options = parseLimiterArgs(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n${LIMITER_USAGE}\n`);
    return 2;
  }
  const startedAt = Date.now();
  log("starting DynamoDB Local and the strict provider");
  const dynamoLocal = await startDynamoDbLocal();
  let provider: StrictProvider | undefined;
  const admin = new DynamoDB(clientConfig(dynamoLocal.endpoint));
  try {
    provider = await startStrictProvider();
    const lines: RunLine[] = [];
    let first = true;
    for (const scenario of options.scenarios) {
      for (const limiter of options.limiters) {
        if (!first) await sleep(SPACING_MS);
        first = false;
        const line = await runOne(scenario, limiter, options.seconds, { admin, dynamoLocal, provider });
        lines.push(line);
        emit(line);
      }
    }
    emit(
      summarize(lines, {
        spacingMs: SPACING_MS,
        durationMs: options.seconds * 1_000,
        totalMs: Date.now() - startedAt,
      }),
    );
    return 0;
  } finally {
    admin.destroy();
    await provider?.stop();
    await dynamoLocal.stop();
  }
}

interface Infrastructure {
  readonly admin: DynamoDB;
  readonly dynamoLocal: DynamoDbLocal;
  readonly provider: StrictProvider;
}

async function runOne(
  scenario: Scenario,
  limiter: LimiterName,
  seconds: number,
  { admin, dynamoLocal, provider }: Infrastructure,
): Promise<RunLine> {
  const runId = `${scenario.name}-${limiter}`;
  // A fresh table per run: no limiter sees another's state.
  const tableName = `bench-${runId}`;
  await createLimiterTable(admin, limiter, tableName);
  const callUrl = provider.beginRun(runId, scenario.limits);
  const configs: WorkerProcessConfig[] = Array.from({ length: scenario.processes }, (_, i) => ({
    limiter,
    dynamoEndpoint: dynamoLocal.endpoint,
    tableName,
    provider: `bench-${scenario.name}`,
    tenantId: TENANT,
    limits: scenario.limits,
    workers: workersOfProcess(scenario, i),
    callUrl: `${callUrl}?tenant=${TENANT}`,
    jitterMs: JITTER_MS,
  }));
  log(`${runId}: ${scenario.workers.length} workers in ${scenario.processes} processes for ${seconds} s`);
  let result: Awaited<ReturnType<typeof runWorkerProcesses>>;
  try {
    result = await runWorkerProcesses(configs, seconds * 1_000, log);
  } catch (error) {
    provider.endRun(runId);
    throw error;
  }
  const tally = provider.endRun(runId);
  for (const sample of new Set(result.reports.flatMap((report) => report.errorSamples))) {
    log(`${runId}: error: ${sample}`);
  }
  const line = runLine({
    scenario,
    limiter,
    reports: result.reports,
    provider: tally,
    deadline: result.timing.deadline,
  });
  const seenByProvider = tally.accepted + tally.rejected;
  if (seenByProvider !== line.granted) {
    log(`${runId}: workers made ${line.granted} calls but the provider saw ${seenByProvider}`);
  }
  return line;
}

/** Pacer and the token bucket use Pacer's limiter table spec; rate-limiter-flexible its own schema. */
async function createLimiterTable(admin: DynamoDB, limiter: LimiterName, tableName: string): Promise<void> {
  if (limiter === "rate-limiter-flexible") {
    await admin.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "key", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "key", KeyType: "HASH" }],
      }),
    );
    await enableTtl(admin, tableName, "expire");
    return;
  }
  await admin.send(new CreateTableCommand(createTableInput(TABLES.limiter, tableName)));
  await enableTtl(admin, tableName, TABLES.limiter.ttlAttribute);
}

async function enableTtl(admin: DynamoDB, tableName: string, attribute: string): Promise<void> {
  await admin.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { Enabled: true, AttributeName: attribute },
    }),
  );
}
