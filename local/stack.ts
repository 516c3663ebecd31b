import type { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { catalog as defaultCatalog } from "#catalog/index.ts";
import type { Catalog } from "#catalog/types.ts";
import { ENV } from "#core/env.ts";
import { NO_TIME_SCALE, scaledCatalog } from "#core/limit-time-scale.ts";
import type { QueueUrls } from "#core/resources.ts";
import type { HandlerOverrides } from "./aws/functions.ts";
import { invoke } from "./aws/lambda.ts";
import type { SchedulerService } from "./aws/scheduler-service.ts";
import type { Doorbell, SqsPoller } from "./aws/sqs-poller.ts";
import type { StreamPoller } from "./aws/stream-poller.ts";
import type { TableNames } from "./aws/tables.ts";
import { VirtualClock } from "./aws/virtual-clock.ts";
import type { FakeProviderStats, RunningFake } from "./fakes/index.ts";
import { createDevAuth } from "./gateways/dev-auth.ts";
import { startRestGateway } from "./gateways/rest-gateway.ts";
import { startWsGateway } from "./gateways/ws-gateway.ts";
import type { DependencyHealth } from "./health.ts";
import { createLog } from "./log.ts";
import { startAwsStandIns } from "./run/aws-stand-ins.ts";
import { connectFakes, prepareSecrets } from "./run/connections.ts";
import { faultControls, type LocalService } from "./run/faults.ts";
import { type FunctionWrapper, loadHandlers, type RunFunctions } from "./run/handlers.ts";
import { watchHealth } from "./run/health-watch.ts";
import { type JobUpdate, jobUpdates } from "./run/job-tap.ts";
import { startPollers } from "./run/pollers.ts";
import { SWEEP_EVERY_MS, startLocalScheduler, startSchedules } from "./run/schedules.ts";
import { Teardown } from "./run/teardown.ts";

export interface LocalStackOptions {
  /** The API's port; the WebSocket API takes the next one. 0 (default): free ports. */
  readonly port?: number;
  /** How much faster than real time the scheduler's clock runs. @default 1 */
  readonly speed?: number;
  /**
   * Every limit window divided by this, in the handlers (`PACER_LIMIT_TIME_SCALE`) and in the
   * fakes alike, so an hour-long limit can be exercised in a test. Schedules are not affected
   * (that is `speed`). @default 1
   */
  readonly timeScale?: number;
  /** Deliver schedules' firings (schedules are created either way). @default true */
  readonly scheduler?: boolean;
  /** Fake providers publish no new live rows after start-up (the demo's two runs see the same data). @default false */
  readonly freezeFeeds?: boolean;
  /**
   * Connect the default tenant to every fake through `POST /connections` once the stack is up,
   * as a user would after deploying (their schedules then run). @default true
   */
  readonly connectFakes?: boolean;
  /** Concurrent SQS pollers per provider. @default 3 */
  readonly workerConcurrency?: number;
  readonly verbose?: boolean;
  /** Only warnings in the log: for tests. */
  readonly quiet?: boolean;
  /** The handlers' EMF metric lines, also when not verbose. @default verbose */
  readonly metrics?: boolean;
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
  /**
   * Called with every write to a job record, in the order the data table's stream carries them
   * (what `npm run local` turns into its job lines). A write may come twice after an outage.
   */
  readonly onJobUpdate?: (update: JobUpdate) => void;
  /**
   * The workload simulator's mode (sim/): a driven clock (schedules fire only through
   * `clock.fireDue`), the fakes in this process (so they follow its faked `Date`) with the
   * workload's data, idle SQS loops that wait for `doorbell`, no stream poller and no timers (the
   * simulator reads the stream and runs the periodic functions between its steps), and every
   * function passed through `wrap`. @default the ordinary stand-in
   */
  readonly simulation?: SimulationOptions;
}

export interface SimulationOptions {
  readonly doorbell: Doorbell;
  /** Per provider id, its fake's workload (FakeServerOptions.workload). */
  readonly fakeWorkloads: Readonly<Record<string, unknown>>;
  readonly wrap?: FunctionWrapper;
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
  /** EventBridge Scheduler's stand-in: the schedules connections created, and their next firings. */
  readonly scheduler: SchedulerService;
  /** The default tenant's connection id per provider, when the stack connected the fakes. */
  readonly connections: Readonly<Record<string, string>>;
  /** The handlers as loaded (wrapped, in simulation): the simulator runs the periodic ones itself. */
  readonly functions: RunFunctions;
  /** Whether any SQS poll loop is receiving or running a batch right now. */
  workersBusy(): boolean;
  /** Whether any SQS poll loop is asking SQS for messages right now. */
  workersReceiving(): boolean;
  /** The data table's stream (the simulator reads it between its steps). */
  readonly dataStreamArn: string;
  /** The stand-in's own clients: the pollers' and the scheduler's SQS client, and the streams reader. */
  readonly standInClients: { readonly sqs: SQSClient; readonly streams: DynamoDBStreamsClient };
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
    readonly stream: ReturnType<StreamPoller["stats"]> | undefined;
    readonly fakes: Record<string, FakeProviderStats>;
  };
  stop(): Promise<void>;
}

export type { HandlerOverrides, JobUpdate, LocalService };

export const DEFAULT_TENANT = "default";

/**
 * The limiter's safety margin in simulation: two stacks, their fakes and their JVMs share this
 * machine's two cores, and an in-process fake starved for longer than the stand-in's 150 ms stamps
 * a call late enough to see a 429 the deployed system never would. Against minute-long windows the
 * wider margin costs nothing measurable.
 */
const SIMULATION_LIMIT_MARGIN_MS = 400;

let running = false;

/**
 * Starts the whole local stand-in in this process: DynamoDB Local with the tables, fauxqs with the
 * queues, fake providers, the REST and WebSocket gateways, the SQS and stream pollers, the
 * scheduler and the freshness timer, all wired to the repository's handlers. Each step is logged
 * (`info`) as it completes.
 *
 * One stack per process: handlers read their environment once, when first imported.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  if (running) throw new Error("a local stack is already running in this process");
  running = true;
  const log = createLog(options);
  const catalog = options.catalog ?? defaultCatalog;
  const startedAt = Date.now();
  const teardown = new Teardown(log);
  const stop = async () => {
    await teardown.run();
    running = false;
  };

  try {
    // The gateways bind first, so a taken --port fails before the JVM is even started.
    const auth = await createDevAuth();
    const rest = await startRestGateway(options.port ?? 0, auth, log);
    teardown.gateway(rest.close);
    const ws = await startWsGateway(options.port ? options.port + 1 : 0, log);
    teardown.gateway(ws.close);
    log.info(
      `ports taken: REST API ${rest.url}, WebSocket ${ws.url} (they answer once the handlers are loaded)`,
    );

    const standIns = await startAwsStandIns(
      {
        catalog,
        dynamoDataDir: options.dynamoDataDir,
        freezeFeeds: options.freezeFeeds,
        timeScale: options.timeScale,
        visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
        ...(options.simulation ? { fakesInProcess: { workloads: options.simulation.fakeWorkloads } } : {}),
        log,
      },
      teardown,
    );
    if (options.timeScale !== undefined && options.timeScale !== NO_TIME_SCALE) {
      const windows = scaledCatalog(catalog, options.timeScale).providers.map(
        (p) => `${p.id} ${p.limits.map((l) => `${l.calls} per ${l.perMs} ms`).join(", ")}`,
      );
      log.info(
        `limit windows divided by ${options.timeScale}, Pacer's and the fakes': ${windows.join("; ")}`,
      );
    }
    const health = watchHealth(standIns, log, teardown);
    // The pollers' and timers' warnings during a reported outage of the emulators would only repeat it.
    const quietLog = health.quiet(log, ["dynamodb", "sqs"]);

    const simulation = options.simulation;
    const clock = simulation ? VirtualClock.driven() : new VirtualClock(options.speed ?? 1);
    const scheduler = await startLocalScheduler(
      { standIns, clock, deliver: options.scheduler ?? true, log: quietLog },
      teardown,
    );
    const secrets = await prepareSecrets(teardown);
    const workerConcurrency = options.workerConcurrency ?? 3;
    const fns = await loadHandlers(
      {
        catalog,
        standIns,
        rest,
        ws,
        schedulerEndpoint: scheduler.endpoint,
        secretsFile: secrets.file,
        workerConcurrency,
        timeScale: options.timeScale,
        visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
        overrides: options.handlers,
        verbose: options.verbose,
        quiet: options.quiet,
        metrics: options.metrics,
        ...(simulation?.wrap ? { wrap: simulation.wrap } : {}),
        ...(simulation ? { envOverrides: { [ENV.limitMarginMs]: String(SIMULATION_LIMIT_MARGIN_MS) } } : {}),
        log,
      },
      teardown,
    );
    const onJobUpdate = options.onJobUpdate;
    const pollers = startPollers(
      {
        catalog,
        standIns,
        fns,
        log: quietLog,
        ...(onJobUpdate
          ? {
              onStreamRecords: (records) => {
                for (const update of jobUpdates(records)) onJobUpdate(update);
              },
            }
          : {}),
        ...(simulation ? { driven: { doorbell: simulation.doorbell } } : {}),
      },
      teardown,
    );
    const sweepOnce = async () => {
      await invoke(fns.sweeper, {});
    };
    const schedules = simulation
      ? { sweep: sweepOnce }
      : startSchedules(
          { fns, clock, sweepEveryMs: options.sweepEveryMs ?? SWEEP_EVERY_MS, log: quietLog },
          teardown,
        );
    const dataStreamArn = standIns.tables.streamArns.data;
    if (!dataStreamArn) throw new Error("the data table has no stream");
    const faults = faultControls(standIns, pollers, health, log);

    const token = await auth.issueToken(DEFAULT_TENANT);
    const connections =
      (options.connectFakes ?? true) ? await connectFakes(rest.url, token, standIns.fakes, log) : {};
    log.info(`local stack up in ${Date.now() - startedAt} ms: API ${rest.url}, WebSocket ${ws.url}`);
    return {
      api: rest.url,
      ws: ws.url,
      wsCallbackUrl: ws.callbackUrl,
      token,
      tenantId: DEFAULT_TENANT,
      dynamoEndpoint: standIns.dynamoEndpoint,
      sqsEndpoint: standIns.sqsEndpoint,
      queues: standIns.queues.urls,
      tables: standIns.tables.names,
      fakes: standIns.fakes,
      clock,
      scheduler,
      connections,
      functions: fns,
      workersBusy: () => Object.values(pollers.workers).some((poller) => poller.busy()),
      workersReceiving: () => Object.values(pollers.workers).some((poller) => poller.receiving()),
      dataStreamArn,
      standInClients: { sqs: standIns.sqs, streams: standIns.streams },
      issueToken: auth.issueToken,
      killWorkers: faults.killWorkers,
      restart: faults.restart,
      sweep: schedules.sweep,
      health: () => health.status(),
      stats: () => ({
        workers: Object.fromEntries(
          Object.entries(pollers.workers).map(([id, poller]) => [id, poller.stats()]),
        ),
        stream: pollers.stream()?.stats(),
        fakes: Object.fromEntries(Object.entries(standIns.fakes).map(([id, fake]) => [id, fake.stats()])),
      }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
