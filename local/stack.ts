import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { catalog as defaultCatalog } from "#catalog/index.ts";
import type { Catalog } from "#catalog/types.ts";
import { TENANT_ID_PATTERN } from "#core/auth/verifier.ts";
import type { QueueUrls } from "#core/resources.ts";
import { schedulePlan } from "#core/schedule-plan.ts";
import { clientConfig, LOCAL_REGION } from "./aws-config.ts";
import { createDevAuth } from "./dev-auth.ts";
import { startDynamoDbLocal } from "./dynamodb-local.ts";
import { type FakeProviderStats, type RunningFake, startFakes } from "./fake-providers.ts";
import { type HandlerOverrides, loadFunctions } from "./functions.ts";
import { applyEnv, handlerEnv } from "./handler-env.ts";
import { invoke } from "./lambda.ts";
import { createLog } from "./log.ts";
import { createQueues } from "./queues.ts";
import { JWKS_PATH, startRestGateway } from "./rest-gateway.ts";
import { type LocalScheduler, startScheduler } from "./scheduler.ts";
import { startSqsEmulator } from "./sqs-emulator.ts";
import { type SqsPoller, startSqsPoller } from "./sqs-poller.ts";
import { type StreamPoller, startStreamPoller } from "./stream-poller.ts";
import { createTables, type TableNames } from "./tables.ts";
import { VirtualClock } from "./virtual-clock.ts";
import { startWsGateway } from "./ws-gateway.ts";

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
}

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
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
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
    const [dynamoResult, sqsResult, fakesResult] = await Promise.allSettled([
      startDynamoDbLocal(),
      startSqsEmulator(),
      startFakes(catalog, log, { freezeFeeds: options.freezeFeeds }),
    ]);
    if (dynamoResult.status === "fulfilled") stops.push(dynamoResult.value.stop);
    if (sqsResult.status === "fulfilled") stops.push(sqsResult.value.stop);
    if (fakesResult.status === "fulfilled") {
      for (const fake of Object.values(fakesResult.value)) stops.push(fake.stop);
    }
    const dynamo = settledValue(dynamoResult);
    const sqsEmulator = settledValue(sqsResult);
    const fakes = settledValue(fakesResult);
    log.info(`DynamoDB Local on ${dynamo.endpoint}, SQS (fauxqs) on ${sqsEmulator.endpoint}`);

    const dynamoClient = new DynamoDBClient(clientConfig(dynamo.endpoint));
    const sqs = new SQSClient(clientConfig(sqsEmulator.endpoint));
    const streams = new DynamoDBStreamsClient(clientConfig(dynamo.endpoint));
    stops.push(() => {
      dynamoClient.destroy();
      sqs.destroy();
      streams.destroy();
    });
    const [tables, queues] = await Promise.all([createTables(dynamoClient), createQueues(sqs, catalog)]);

    const scheduledTenants = options.scheduledTenants ?? scheduledTenantsFromEnv();
    const restoreEnv = applyEnv(
      handlerEnv({
        dynamoEndpoint: dynamo.endpoint,
        sqsEndpoint: sqsEmulator.endpoint,
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

    const fns = await loadFunctions(catalog, options.handlers ?? {});
    rest.attach({ api: fns.api, authorizer: fns.authorizer });
    ws.attach({ websocket: fns.websocket, authorizer: fns.authorizer });

    const workers: Record<string, SqsPoller> = {};
    for (const provider of catalog.providers) {
      const worker = fns.workers[provider.id];
      if (!worker) continue;
      workers[provider.id] = startSqsPoller({
        sqs,
        queues: queues.all.filter((queue) => queue.provider === provider.id),
        fn: worker,
        concurrency: options.workerConcurrency ?? 3,
        region: LOCAL_REGION,
        log,
      });
      stops.push(() => workers[provider.id]?.stop());
    }
    const dataStream = tables.streamArns.data;
    if (!dataStream) throw new Error("the data table has no stream");
    const stream = startStreamPoller({
      streams,
      streamArn: dataStream,
      fn: fns.broadcaster,
      region: LOCAL_REGION,
      log,
    });
    stops.push(stream.stop);

    const clock = new VirtualClock(options.speed ?? 1);
    let scheduler: LocalScheduler | undefined;
    if (options.scheduler ?? true) {
      const defs = schedulePlan(catalog, scheduledTenants);
      scheduler = startScheduler({
        defs,
        clock,
        log,
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
      invoke(fns.freshness, {}).catch((error) => log.warn("freshness monitor failed", error));
    }, clock.toRealMs(FRESHNESS_EVERY_MS));
    stops.push(() => clearInterval(freshness));

    const token = await auth.issueToken(DEFAULT_TENANT);
    log.info(`local stack up in ${Date.now() - startedAt} ms: API ${rest.url}, WebSocket ${ws.url}`);
    return {
      api: rest.url,
      ws: ws.url,
      wsCallbackUrl: ws.callbackUrl,
      token,
      tenantId: DEFAULT_TENANT,
      dynamoEndpoint: dynamo.endpoint,
      sqsEndpoint: sqsEmulator.endpoint,
      queues: queues.urls,
      tables: tables.names,
      fakes,
      clock,
      scheduler,
      issueToken: auth.issueToken,
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

function settledValue<T>(result: PromiseSettledResult<T>): T {
  if (result.status === "rejected") throw result.reason;
  return result.value;
}
