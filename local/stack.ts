import { DescribeTableCommand, DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { ListQueuesCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { catalog as defaultCatalog } from "#catalog/index.ts";
import type { Catalog } from "#catalog/types.ts";
import { TENANT_ID_PATTERN } from "#core/auth/verifier.ts";
import {
  type QueueUrls,
  TABLES,
  type TableKey,
  type TableSpec,
  WORKER_TIMEOUT_SECONDS,
} from "#core/resources.ts";
import { schedulePlan } from "#core/schedule-plan.ts";
import { clientConfig, LOCAL_REGION } from "./aws/aws-config.ts";
import { type DynamoDbLocal, startDynamoDbLocal } from "./aws/dynamodb-local.ts";
import { type HandlerOverrides, loadFunctions } from "./aws/functions.ts";
import { applyEnv, handlerEnv } from "./aws/handler-env.ts";
import { invoke } from "./aws/lambda.ts";
import { createQueues } from "./aws/queues.ts";
import { type LocalScheduler, startScheduler } from "./aws/scheduler.ts";
import { type SqsEmulator, startSqsEmulator } from "./aws/sqs-emulator.ts";
import { type SqsPoller, startSqsPoller } from "./aws/sqs-poller.ts";
import { type StreamPoller, startStreamPoller } from "./aws/stream-poller.ts";
import { type CreatedTables, createTables, localTableName, type TableNames } from "./aws/tables.ts";
import { VirtualClock } from "./aws/virtual-clock.ts";
import { type FakeProviderStats, type RunningFake, startFakes } from "./fakes/index.ts";
import { createDevAuth } from "./gateways/dev-auth.ts";
import { JWKS_PATH, startRestGateway } from "./gateways/rest-gateway.ts";
import { startWsGateway } from "./gateways/ws-gateway.ts";
import { type Dependency, type DependencyHealth, startHealthMonitor } from "./health.ts";
import { createLog } from "./log.ts";

export interface LocalStackOptions {
  /** The API's port; the WebSocket API takes the next one. 0 (default): free ports. */
  readonly port?: number;
  /** How much faster than real time the scheduler's clock runs. @default 1 */
  readonly speed?: number;
  /** Start the scheduler. @default true */
  readonly scheduler?: boolean;
  /** Fake providers publish no new live rows after start-up (the demo's two runs see the same data). @default false */
  readonly freezeFeeds?: boolean;
  /** Tenants with schedules. @default PACER_SCHEDULED_TENANTS, else ["default"] */
  readonly scheduledTenants?: readonly string[];
  /** Concurrent SQS pollers per provider. @default 3 */
  readonly workerConcurrency?: number;
  readonly verbose?: boolean;
  /** Only warnings in the log: for tests. */
  readonly quiet?: boolean;
  readonly catalog?: Catalog;
  /** Handlers to run instead of the repository's (tests of the stand-in itself). */
  readonly handlers?: HandlerOverrides;
  /**
   * Keep DynamoDB Local's database in this directory, so its data survives restart("dynamodb")
   * (and a later stack on the same directory). @default in memory
   */
  readonly dynamoDataDir?: string;
  /**
   * Every local queue's visibility timeout instead of the deployed one, so that a killed batch
   * comes back within a test. The workers' timeout is cut to it, as Lambda requires.
   * @default each queue spec's
   */
  readonly visibilityTimeoutSeconds?: number;
  /** Real ms between runs of the stale-job sweep (when the repository has one); 0: never. @default 60000 */
  readonly sweepEveryMs?: number;
}

export type LocalService = "dynamodb" | "sqs";

export interface LocalStack {
  /** REST API base URL, `http://127.0.0.1:<port>`. */
  readonly api: string;
  /** WebSocket URL, `ws://127.0.0.1:<port>`. */
  readonly ws: string;
  /** The `@connections` endpoint (`PACER_WS_CALLBACK_URL`). */
  readonly wsCallbackUrl: string;
  /** Dev token for `tenantId`. */
  readonly token: string;
  readonly tenantId: string;
  readonly dynamoEndpoint: string;
  readonly sqsEndpoint: string;
  readonly queues: QueueUrls;
  readonly tables: TableNames;
  readonly fakes: Readonly<Record<string, RunningFake>>;
  readonly clock: VirtualClock;
  readonly scheduler: LocalScheduler | undefined;
  issueToken(tenantId: string): Promise<string>;
  /**
   * Kills the worker invocations in flight (of one provider, or all) as crashed sandboxes: their
   * messages stay on the queue and come back after the visibility timeout, and whatever the dead
   * invocations still try runs with an aborted currentInvocation().signal. Returns how many.
   */
  killWorkers(provider?: string): number;
  /**
   * Stops and starts DynamoDB Local or the SQS emulator on the same port. DynamoDB keeps its data
   * only with `dynamoDataDir`; SQS loses every message (its queues are created again). Pollers
   * ride through the outage and resume.
   */
  restart(service: LocalService): Promise<void>;
  /** Runs the lost-job sweep once. */
  sweep(): Promise<void>;
  /** Whether DynamoDB Local, the SQS emulator and each fake (key `fake:<id>`) are up. */
  health(): Record<string, DependencyHealth>;
  /** What the pollers did so far, and each fake's counters. */
  stats(): {
    readonly workers: Record<string, ReturnType<SqsPoller["stats"]>>;
    readonly stream: ReturnType<StreamPoller["stats"]>;
    readonly fakes: Record<string, FakeProviderStats>;
  };
  stop(): Promise<void>;
}

export type { HandlerOverrides };

export const DEFAULT_TENANT = "default";
const FRESHNESS_EVERY_MS = 5 * 60_000;
const SWEEP_EVERY_MS = 60_000;
const PROBE_TIMEOUT_MS = 3_000;

let running = false;

/**
 * Starts the whole local stand-in in this process: DynamoDB Local with the tables, fauxqs with the
 * queues, fake providers, the REST and WebSocket gateways, the SQS and stream pollers, the
 * scheduler and the freshness timer, all wired to the repository's handlers.
 *
 * One stack per process: handlers read their environment once, when first imported.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  if (running) throw new Error("a local stack is already running in this process");
  running = true;
  const log = createLog(options);
  const catalog = options.catalog ?? defaultCatalog;
  const startedAt = Date.now();
  // Stopping closes the gateways first (no new requests), then everything else in reverse start
  // order: pollers drain their batches before the queues and the database go away.
  const gateways: (() => Promise<void>)[] = [];
  const stops: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const stop of [...gateways.splice(0), ...stops.reverse()]) {
      try {
        await stop();
      } catch (error) {
        log.warn("stopping the local stack", error);
      }
    }
    stops.length = 0;
    running = false;
  };

  try {
    // The gateways bind first, so a taken --port fails before the JVM is even started.
    const auth = await createDevAuth();
    const rest = await startRestGateway(options.port ?? 0, auth, log);
    gateways.push(rest.close);
    const ws = await startWsGateway(options.port ? options.port + 1 : 0, log);
    gateways.push(ws.close);

    // The JVM is the slow part: the rest starts meanwhile. All settle before any failure is
    // raised, so whatever did start is stopped again.
    const dataDir = options.dynamoDataDir;
    const [dynamoResult, sqsResult, fakesResult] = await Promise.allSettled([
      startDynamoDbLocal({ dataDir }),
      startSqsEmulator(),
      startFakes(catalog, log, { freezeFeeds: options.freezeFeeds }),
    ]);
    // Restarts replace these two; the stops reach whichever runs then.
    let dynamo: DynamoDbLocal | undefined = settledOrUndefined(dynamoResult);
    let sqsEmulator: SqsEmulator | undefined = settledOrUndefined(sqsResult);
    stops.push(() => dynamo?.stop());
    stops.push(() => sqsEmulator?.stop());
    if (fakesResult.status === "fulfilled") {
      for (const fake of Object.values(fakesResult.value)) stops.push(fake.stop);
    }
    const dynamoEndpoint = settledValue(dynamoResult).endpoint;
    const sqsEndpoint = settledValue(sqsResult).endpoint;
    const fakes = settledValue(fakesResult);
    log.info(
      `DynamoDB Local on ${dynamoEndpoint}${dataDir ? ` (data in ${dataDir})` : ""}, SQS (fauxqs) on ${sqsEndpoint}`,
    );
    log.debug(
      `processes: DynamoDB Local ${dynamo?.pid}` +
        Object.entries(fakes)
          .map(([id, fake]) => `, fake ${id} ${fake.pid}`)
          .join(""),
    );

    const dynamoClient = new DynamoDBClient(clientConfig(dynamoEndpoint));
    const sqs = new SQSClient(clientConfig(sqsEndpoint));
    const streams = new DynamoDBStreamsClient(clientConfig(dynamoEndpoint));
    stops.push(() => {
      dynamoClient.destroy();
      sqs.destroy();
      streams.destroy();
    });
    const queueOptions = { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds };
    const [tables, queues] = await Promise.all([
      ensureTables(dynamoClient),
      createQueues(sqs, catalog, queueOptions),
    ]);

    const watched = dependencies(dynamoEndpoint, sqsEndpoint, fakes);
    const health = startHealthMonitor({ dependencies: watched.dependencies, log });
    stops.push(() => {
      health.stop();
      watched.close();
    });
    for (const [id, fake] of Object.entries(fakes)) {
      fake.onUnexpectedExit((description) => health.markDown(`fake:${id}`, `its process ${description}`));
    }
    // The pollers' and timers' warnings during a reported outage of the emulators would only repeat it.
    const quietLog = health.quiet(log, ["dynamodb", "sqs"]);

    const scheduledTenants = options.scheduledTenants ?? scheduledTenantsFromEnv();
    const restoreEnv = applyEnv(
      handlerEnv({
        dynamoEndpoint,
        sqsEndpoint,
        tables: tables.names,
        queues: queues.urls,
        jwksUrl: `${rest.url}${JWKS_PATH}`,
        wsCallbackUrl: ws.callbackUrl,
        scheduledTenants,
        providerEnv: Object.assign({}, ...Object.values(fakes).map((fake) => fake.env)),
        verbose: options.verbose ?? false,
        quiet: options.quiet ?? false,
      }),
    );
    stops.push(restoreEnv);

    const workerConcurrency = options.workerConcurrency ?? 3;
    const fns = await loadFunctions(catalog, options.handlers ?? {}, {
      workerConcurrency,
      workerTimeoutSeconds: Math.min(WORKER_TIMEOUT_SECONDS, options.visibilityTimeoutSeconds ?? Infinity),
    });
    rest.attach({ api: fns.api, authorizer: fns.authorizer });
    ws.attach({ websocket: fns.websocket, authorizer: fns.authorizer });

    const workers: Record<string, SqsPoller> = {};
    for (const provider of catalog.providers) {
      const worker = fns.workers[provider.id];
      if (!worker) continue;
      workers[provider.id] = startSqsPoller({
        sqs,
        queues: queues.all.filter((queue) => queue.provider === provider.id),
        instances: worker.instances,
        replace: worker.fresh,
        region: LOCAL_REGION,
        log: quietLog,
      });
      stops.push(() => workers[provider.id]?.stop());
    }
    const startStream = (streamArns: CreatedTables["streamArns"]) => {
      const dataStream = streamArns.data;
      if (!dataStream) throw new Error("the data table has no stream");
      return startStreamPoller({
        streams,
        streamArn: dataStream,
        fn: fns.broadcaster,
        region: LOCAL_REGION,
        log: quietLog,
      });
    };
    let streamArns = tables.streamArns;
    let stream = startStream(streamArns);
    stops.push(() => stream.stop());

    const clock = new VirtualClock(options.speed ?? 1);
    let scheduler: LocalScheduler | undefined;
    if (options.scheduler ?? true) {
      const defs = schedulePlan(catalog, scheduledTenants);
      scheduler = startScheduler({
        defs,
        clock,
        log: quietLog,
        send: async (def, message) => {
          const url = queues.urls[def.provider]?.[def.priority].url;
          if (!url) throw new Error(`no ${def.priority} queue for ${def.provider}`);
          await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: JSON.stringify(message) }));
        },
      });
      stops.push(() => scheduler?.stop());
      log.info(`scheduler: ${defs.length} schedules at ${clock.speed}x`);
    }
    const freshness = setInterval(() => {
      invoke(fns.freshness, {}).catch((error) => quietLog.warn("freshness monitor failed", error));
    }, clock.toRealMs(FRESHNESS_EVERY_MS));
    stops.push(() => clearInterval(freshness));

    const sweeper = fns.sweeper;
    const sweep = async () => {
      await invoke(sweeper, {});
    };
    const sweepEveryMs = options.sweepEveryMs ?? SWEEP_EVERY_MS;
    if (sweepEveryMs > 0) {
      let sweeping = false;
      const timer = setInterval(() => {
        // A slow sweep (a large backlog) must not overlap the next.
        if (sweeping) return;
        sweeping = true;
        sweep()
          .catch((error) => quietLog.warn("stale-job sweep failed", error))
          .finally(() => {
            sweeping = false;
          });
      }, sweepEveryMs);
      stops.push(() => clearInterval(timer));
    }

    // One restart at a time: two at once would race for the same ports.
    let restarting: Promise<void> = Promise.resolve();
    const restartNow = async (service: LocalService) => {
      const started = Date.now();
      if (service === "dynamodb") {
        await health.during("dynamodb", async () => {
          const port = dynamo?.port;
          await dynamo?.stop();
          dynamo = undefined;
          dynamo = await startDynamoDbLocal({ port, dataDir });
          // In memory, the tables are gone: create them again, with new streams to follow.
          const again = await ensureTables(dynamoClient);
          if (again.streamArns.data !== streamArns.data) {
            await stream.stop();
            streamArns = again.streamArns;
            stream = startStream(streamArns);
          }
        });
      } else {
        await health.during("sqs", async () => {
          const port = sqsEmulator?.port;
          await sqsEmulator?.stop();
          sqsEmulator = undefined;
          sqsEmulator = await startSqsEmulator(port);
          const again = await createQueues(sqs, catalog, queueOptions);
          if (JSON.stringify(again.urls) !== JSON.stringify(queues.urls)) {
            throw new Error("the queue URLs changed across the SQS emulator's restart");
          }
        });
      }
      log.info(`${service} restarted on the same port in ${Date.now() - started} ms`);
    };

    const token = await auth.issueToken(DEFAULT_TENANT);
    log.info(`local stack up in ${Date.now() - startedAt} ms: API ${rest.url}, WebSocket ${ws.url}`);
    return {
      api: rest.url,
      ws: ws.url,
      wsCallbackUrl: ws.callbackUrl,
      token,
      tenantId: DEFAULT_TENANT,
      dynamoEndpoint,
      sqsEndpoint,
      queues: queues.urls,
      tables: tables.names,
      fakes,
      clock,
      scheduler,
      issueToken: auth.issueToken,
      killWorkers: (provider) =>
        Object.entries(workers)
          .filter(([id]) => provider === undefined || id === provider)
          .reduce((killed, [, poller]) => killed + poller.killInFlight(), 0),
      restart: (service) => {
        const next = restarting.then(() => restartNow(service));
        restarting = next.catch(() => undefined);
        return next;
      },
      sweep,
      health: () => health.status(),
      stats: () => ({
        workers: Object.fromEntries(Object.entries(workers).map(([id, poller]) => [id, poller.stats()])),
        stream: stream.stats(),
        fakes: Object.fromEntries(Object.entries(fakes).map(([id, fake]) => [id, fake.stats()])),
      }),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** What the health monitor watches, and what each outage stops. */
function dependencies(
  dynamoEndpoint: string,
  sqsEndpoint: string,
  fakes: Readonly<Record<string, RunningFake>>,
): { dependencies: Record<string, Dependency>; close(): void } {
  const probeDynamo = new DynamoDBClient({ ...clientConfig(dynamoEndpoint), maxAttempts: 1 });
  const probeSqs = new SQSClient({ ...clientConfig(sqsEndpoint), maxAttempts: 1 });
  const timeout = () => ({ abortSignal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  const watched: Record<string, Dependency> = {
    dynamodb: {
      name: `DynamoDB Local (${dynamoEndpoint})`,
      affects:
        "job records, the limiter and entity writes: worker batches fail and are retried, the API " +
        "answers errors, and WebSocket updates pause",
      probe: async () => {
        await probeDynamo.send(new ListTablesCommand({ Limit: 1 }), timeout());
      },
    },
    sqs: {
      name: `the SQS emulator (${sqsEndpoint})`,
      affects: "the job queues: POST /sync and the scheduler cannot enqueue, workers receive nothing",
      probe: async () => {
        await probeSqs.send(new ListQueuesCommand({ MaxResults: 1 }), timeout());
      },
    },
    ...Object.fromEntries(
      Object.entries(fakes).map(([id, fake]) => [
        `fake:${id}`,
        {
          name: `the fake ${id} provider (pid ${fake.pid}, ${fake.url})`,
          affects: `every ${id} call: its jobs fail their attempts and end in the DLQ; restart the stand-in`,
        },
      ]),
    ),
  };
  return {
    dependencies: watched,
    close: () => {
      probeDynamo.destroy();
      probeSqs.destroy();
    },
  };
}

/**
 * The tables, created; or, in a database kept from an earlier run (`dynamoDataDir`) or surviving
 * a restart, the ones it already has.
 */
async function ensureTables(dynamo: DynamoDBClient): Promise<CreatedTables> {
  const specs = Object.entries(TABLES) as [TableKey, TableSpec][];
  const existing = new Set((await dynamo.send(new ListTablesCommand({}))).TableNames ?? []);
  const present = specs.filter(([, spec]) => existing.has(localTableName(spec)));
  if (present.length === 0) return createTables(dynamo);
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
  return { names, streamArns };
}

/** `PACER_SCHEDULED_TENANTS`: a JSON array of tenant ids; `["default"]` when unset. */
function scheduledTenantsFromEnv(): string[] {
  const raw = process.env.PACER_SCHEDULED_TENANTS;
  if (!raw) return [DEFAULT_TENANT];
  let tenants: unknown;
  try {
    tenants = JSON.parse(raw);
  } catch {
    tenants = undefined;
  }
  if (!Array.isArray(tenants) || !tenants.every((t) => typeof t === "string" && TENANT_ID_PATTERN.test(t))) {
    throw new Error(
      `PACER_SCHEDULED_TENANTS must be a JSON array of tenant ids, e.g. ["default"]; got ${raw}`,
    );
  }
  return tenants;
}

function settledOrUndefined<T>(result: PromiseSettledResult<T>): T | undefined {
  return result.status === "fulfilled" ? result.value : undefined;
}

function settledValue<T>(result: PromiseSettledResult<T>): T {
  if (result.status === "rejected") throw result.reason;
  return result.value;
}
