import { execFile } from "node:child_process";
import { DescribeTableCommand, DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { Catalog } from "#catalog/types.ts";
import { TABLES, type TableKey, type TableSpec } from "#core/resources.ts";
import { clientConfig } from "../aws/aws-config.ts";
import { type DynamoDbLocal, startDynamoDbLocal } from "../aws/dynamodb-local.ts";
import { type CreatedQueues, createQueues } from "../aws/queues.ts";
import { type SqsEmulator, startSqsEmulator } from "../aws/sqs-emulator.ts";
import { type CreatedTables, createTables, localTableName, type TableNames } from "../aws/tables.ts";
import { type RunningFake, startFakes } from "../fakes/index.ts";
import type { LocalLog } from "../log.ts";
import type { Teardown } from "./teardown.ts";

export interface AwsStandInsOptions {
  readonly catalog: Catalog;
  /** DynamoDB Local keeps its database here (survives a restart). @default in memory */
  readonly dynamoDataDir?: string;
  readonly freezeFeeds?: boolean;
  /** The fakes' limit windows divided by this. @default 1 */
  readonly timeScale?: number;
  readonly visibilityTimeoutSeconds?: number;
  /** Serve the fakes in this process, each with its workload (the simulator). @default a process each, demo data */
  readonly fakesInProcess?: { readonly workloads: Readonly<Record<string, unknown>> };
  readonly log: LocalLog;
}

/** DynamoDB Local with Pacer's tables, the SQS emulator with its queues, and the fake providers. */
export interface AwsStandIns {
  readonly dynamoEndpoint: string;
  readonly sqsEndpoint: string;
  readonly fakes: Readonly<Record<string, RunningFake>>;
  readonly dynamo: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly streams: DynamoDBStreamsClient;
  /** As created at start-up; restartDynamo() tells what they are after a restart. */
  readonly tables: CreatedTables;
  readonly queues: CreatedQueues;
  /**
   * Stops and starts DynamoDB Local on the same port. Resolves to its tables then: the same ones
   * with `dynamoDataDir`, new empty ones (with new streams) in memory.
   */
  restartDynamo(): Promise<CreatedTables>;
  /** Stops and starts the SQS emulator on the same port and creates the queues again, at the same URLs. */
  restartSqs(): Promise<void>;
}

/**
 * Starts the stand-ins for AWS's stateful services, each step told as it completes. The JVM is
 * the slow part: the SQS emulator and the fakes start meanwhile, and all settle before any
 * failure is raised, so whatever did start is stopped again (through `teardown`).
 */
export async function startAwsStandIns(
  options: AwsStandInsOptions,
  teardown: Teardown,
): Promise<AwsStandIns> {
  const { log, catalog, dynamoDataDir: dataDir } = options;
  const startedAt = Date.now();
  const took = () => `${Date.now() - startedAt} ms`;

  // Told only: when Java is missing, startDynamoDbLocal refuses with the install instructions.
  void javaVersion().then((version) => {
    if (version) log.info(`Java ${version} found`);
  });
  const [dynamoResult, sqsResult, fakesResult] = await Promise.allSettled([
    startDynamoDbLocal({ dataDir }).then((dynamo) => {
      log.info(
        `DynamoDB Local up on ${dynamo.endpoint} (${dataDir ? `data in ${dataDir}` : "in memory"}, ${took()})`,
      );
      log.debug(`DynamoDB Local: JVM pid ${dynamo.pid}`);
      return dynamo;
    }),
    startSqsEmulator().then((sqs) => {
      log.info(`SQS (fauxqs) up on ${sqs.endpoint} (${took()})`);
      return sqs;
    }),
    startFakes(catalog, log, {
      freezeFeeds: options.freezeFeeds,
      timeScale: options.timeScale,
      ...(options.fakesInProcess ? { inProcess: true, workloads: options.fakesInProcess.workloads } : {}),
    }).then((fakes) => {
      for (const [id, fake] of Object.entries(fakes)) {
        log.info(`fake ${id} provider up on ${fake.url} (pid ${fake.pid}, ${took()})`);
      }
      return fakes;
    }),
  ]);
  // Restarts replace these two; the stops reach whichever runs then.
  let dynamoLocal: DynamoDbLocal | undefined = settledOrUndefined(dynamoResult);
  let sqsEmulator: SqsEmulator | undefined = settledOrUndefined(sqsResult);
  teardown.add(() => dynamoLocal?.stop());
  teardown.add(() => sqsEmulator?.stop());
  if (fakesResult.status === "fulfilled") {
    for (const fake of Object.values(fakesResult.value)) teardown.add(fake.stop);
  }
  const dynamoEndpoint = settledValue(dynamoResult).endpoint;
  const sqsEndpoint = settledValue(sqsResult).endpoint;
  const fakes = settledValue(fakesResult);

  const dynamo = new DynamoDBClient(clientConfig(dynamoEndpoint));
  const sqs = new SQSClient(clientConfig(sqsEndpoint));
  const streams = new DynamoDBStreamsClient(clientConfig(dynamoEndpoint));
  teardown.add(() => {
    dynamo.destroy();
    sqs.destroy();
    streams.destroy();
  });
  const queueOptions = { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds };
  const [tables, queues] = await Promise.all([
    ensureTables(dynamo).then((ensured) => {
      const names = Object.values(ensured.tables.names).join(", ");
      log.info(`tables ${ensured.created ? "created" : `kept from ${dataDir}`}: ${names}`);
      return ensured.tables;
    }),
    createQueues(sqs, catalog, queueOptions).then((created) => {
      const providers = Object.keys(created.urls);
      log.info(`queues created: high, normal and low, each with a DLQ, for ${providers.join(", ")}`);
      return created;
    }),
  ]);

  return {
    dynamoEndpoint,
    sqsEndpoint,
    fakes,
    dynamo,
    sqs,
    streams,
    tables,
    queues,
    restartDynamo: async () => {
      const port = dynamoLocal?.port;
      await dynamoLocal?.stop();
      dynamoLocal = undefined;
      dynamoLocal = await startDynamoDbLocal({ port, dataDir });
      // In memory, the tables are gone: they are created again.
      return (await ensureTables(dynamo)).tables;
    },
    restartSqs: async () => {
      const port = sqsEmulator?.port;
      await sqsEmulator?.stop();
      sqsEmulator = undefined;
      sqsEmulator = await startSqsEmulator(port);
      const again = await createQueues(sqs, catalog, queueOptions);
      if (JSON.stringify(again.urls) !== JSON.stringify(queues.urls)) {
        throw new Error("the queue URLs changed across the SQS emulator's restart");
      }
    },
  };
}

/**
 * The tables, created; or, in a database kept from an earlier run (`dynamoDataDir`) or surviving
 * a restart, the ones it already has.
 */
async function ensureTables(dynamo: DynamoDBClient): Promise<{ tables: CreatedTables; created: boolean }> {
  const specs = Object.entries(TABLES) as [TableKey, TableSpec][];
  const existing = new Set((await dynamo.send(new ListTablesCommand({}))).TableNames ?? []);
  const present = specs.filter(([, spec]) => existing.has(localTableName(spec)));
  if (present.length === 0) return { tables: await createTables(dynamo), created: true };
  if (present.length < specs.length) {
    throw new Error(
      "DynamoDB Local's kept database has only some of Pacer's tables: delete its data directory",
    );
  }
  const names = {} as TableNames;
  const streamArns: CreatedTables["streamArns"] = {};
  for (const [key, spec] of specs) {
    names[key] = localTableName(spec);
    if (!spec.stream) continue;
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: names[key] }));
    if (Table?.LatestStreamArn) streamArns[key] = Table.LatestStreamArn;
  }
  return { tables: { names, streamArns }, created: false };
}

/** The version `java -version` reports (e.g. `17.0.15`), or undefined when there is none to run. */
function javaVersion(): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile("java", ["-version"], { timeout: 10_000 }, (error, stdout, stderr) => {
      if (error) return resolve(undefined);
      resolve(/version "([^"]+)"/.exec(`${stderr}\n${stdout}`)?.[1]);
    });
  });
}

function settledOrUndefined<T>(result: PromiseSettledResult<T>): T | undefined {
  return result.status === "fulfilled" ? result.value : undefined;
}

function settledValue<T>(result: PromiseSettledResult<T>): T {
  if (result.status === "rejected") throw result.reason;
  return result.value;
}
