import type { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import { FUNCTIONS, type FunctionKey } from "#core/functions.ts";
import { invoke, type LocalFunction, loadHandler } from "../local/aws/lambda.ts";
import { Doorbell } from "../local/aws/sqs-poller.ts";
import { postConnection } from "../local/run/connections.ts";
import { jobUpdates } from "../local/run/job-tap.ts";
import { DEFAULT_TENANT, type LocalStack, startLocalStack } from "../local/stack.ts";
import { providerCalls } from "./calls.ts";
import { Driver, type PeriodicFunction, type Strategy } from "./driver.ts";
import { JobLog } from "./job-log.ts";
import { Periodic } from "./loop.ts";
import { Meter } from "./meter.ts";
import { DEFAULT_PERIOD_MS, NOT_PERIODIC, PERIODS_MS } from "./periods.ts";
import { PermitWaits } from "./permit-waits.ts";
import { overTargetReads } from "./read-age.ts";
import { Readers } from "./readers.ts";
import { type StrategyLine, strategyLine } from "./report.ts";
import { StreamDrain } from "./stream-drain.ts";
import type { VirtualTime } from "./virtual-time.ts";
import type { Workload } from "./workloads/types.ts";

export interface StrategyOptions {
  readonly strategy: Strategy;
  readonly workload: Workload;
  readonly days: number;
  readonly time: VirtualTime;
  readonly onProgress?: (done: number) => void;
}

/**
 * One strategy on one workload: a fresh stack in this process on the virtual clock, its
 * connections made through the API as a user would (the seed's with refreshOnRead off), then the
 * event loop to the workload's end, and its JSON line.
 */
export async function runStrategy(options: StrategyOptions): Promise<StrategyLine> {
  const { strategy, workload, time } = options;
  const wallStart = performance.now();
  const meter = new Meter();
  const doorbell = new Doorbell();
  const permitWaits = PermitWaits.install();
  const stack = await startLocalStack({
    quiet: true,
    connectFakes: false,
    // The seed's connection keeps its schedules, but nothing fires them: the seed plan does the work.
    scheduler: strategy === "pacer",
    simulation: { doorbell, fakeWorkloads: workload.fakeWorkloads, wrap: meter.wrap },
  });
  try {
    const { dynamoClient, sqsClient, managementClient } = await import("#adapters/aws-clients.ts");
    // In-process servers answer with the real date, and the SDK would "correct" its clock to it:
    // the WebSocket gateway then refuses the signature as more than 15 minutes off its (virtual) time.
    keepVirtualSigningTime(managementClient(stack.wsCallbackUrl));
    meter.meterDynamo(dynamoClient);
    meter.meterSqs(sqsClient, () => doorbell.ring());
    meter.meterSqs(stack.standInClients.sqs, () => doorbell.ring());

    const log = new JobLog();
    const drain = new StreamDrain(
      stack.standInClients.streams,
      stack.dataStreamArn,
      stack.functions.broadcaster,
      (records) => {
        for (const update of jobUpdates(records)) log.record(update.current);
      },
    );
    const connectionIds = await connect(stack, workload, strategy);
    meter.addRestRequest(workload.connections.length);
    const readers = new Readers({
      api: stack.api,
      ws: stack.ws,
      issueToken: () => stack.issueToken(DEFAULT_TENANT),
      meter,
      connectionIds,
      fakeUrls: Object.fromEntries(Object.entries(stack.fakes).map(([id, fake]) => [id, fake.url])),
    });
    const setup = await workload.setup?.({
      connectionIds,
      call: (method, path, body) => readers.call(method, path, body),
    });
    if (setup) readers.context = setup;
    const driver = new Driver({
      strategy,
      workload,
      stack,
      meter,
      doorbell,
      drain,
      readers,
      periodic: await periodicFunctions(stack, meter, workload.startMs),
      permitWaits: permitWaits.waits,
      tenantId: DEFAULT_TENANT,
      connectionIds,
      jumpTo: (at) => time.jumpTo(at),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    // Setup took real (so virtual) time; the day itself starts at the workload's start.
    await driver.settle();
    time.jumpTo(workload.startMs);
    await driver.run();
    const calls = providerCalls(stack.fakes);
    return strategyLine({
      workload: workload.name,
      strategy,
      days: options.days,
      startMs: workload.startMs,
      endMs: workload.endMs,
      calls,
      usage: meter.usage(),
      reads: readers.reads,
      manual: readers.manual,
      log,
      wallSeconds: (performance.now() - wallStart) / 1000,
      notes: {
        steps: driver.steps,
        permitJumps: driver.permitJumps,
        jobsEnded: log.jobsEnded,
        deadLettered: driver.deadLettered,
        failedJobs: log.failures(),
        unmatchedCalls: calls.unmatched,
        jobs: log.bySource(),
        wallSplitMs: driver.wallSplit,
        invocationsByFunction: meter.byFunction(),
        // Where a slow run's time went: per function and per DynamoDB call.
        ...(process.env.SIM_DEBUG
          ? {
              msByFunction: meter.msByFunction(),
              dynamoCalls: meter.dynamoCalls(),
              overTargetReads: overTargetReads(readers.reads, log),
            }
          : {}),
        dataRoute: readers.dataRoute
          ? "reads through GET /data/{provider}/{entityType}"
          : "GET /data is not in the tree yet: reads are dated from the job log, their REST request counted, not made",
        ...(strategy === "seed"
          ? { seedPlan: "the sim sends the plan's jobs; the connection has refreshOnRead: false" }
          : {}),
        workload: workload.description,
        ...(readers.problems.length > 0 ? { problems: readers.problems } : {}),
      },
    });
  } finally {
    await stack.stop();
    permitWaits.uninstall();
  }
}

/** Signs with `Date` as it is: no clock-skew correction from a server's real-time Date header. */
function keepVirtualSigningTime(client: ApiGatewayManagementApiClient): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      client.config.systemClockOffset = 0;
      return next(args);
    },
    { step: "initialize", name: "simVirtualSigningTime" },
  );
}

/** Each workload connection through `POST /connections`, over the fake's own credentials. */
async function connect(
  stack: LocalStack,
  workload: Workload,
  strategy: Strategy,
): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const spec of workload.connections) {
    const fake = stack.fakes[spec.provider];
    if (!fake)
      throw new Error(
        `no fake ${spec.provider} for the workload (is PACER_${spec.provider.toUpperCase()}_BASE_URL set?)`,
      );
    const body = {
      ...fake.connection,
      settings: {
        ...fake.connection.settings,
        ...spec.settings,
        ...(strategy === "seed" ? spec.seedSettings : {}),
      },
      ...(strategy === "seed" ? { refreshOnRead: false } : {}),
    };
    const answer = await postConnection(stack.api, stack.token, spec.provider, body);
    if (!answer.ok) throw new Error(`connecting ${spec.provider} failed: ${answer.status} ${answer.message}`);
    ids[spec.key] = answer.connectionId;
  }
  return ids;
}

/** Pacer's own clocks: the stack's periodic handlers, and any other clock FUNCTIONS names. */
async function periodicFunctions(
  stack: LocalStack,
  meter: Meter,
  startMs: number,
): Promise<PeriodicFunction[]> {
  const loaded: Partial<Record<string, LocalFunction>> = {
    freshness: stack.functions.freshness,
    sweeper: stack.functions.sweeper,
    raceClock: stack.functions.raceClock,
  };
  const clocks: PeriodicFunction[] = [];
  for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
    if (NOT_PERIODIC.has(key)) continue;
    const spec = FUNCTIONS[key];
    const fn =
      loaded[key] ??
      meter.wrap(
        {
          name: `pacer-local-${spec.name}`,
          timeoutMs: spec.timeoutSeconds * 1000,
          handler: await loadHandler(spec.entry),
        },
        spec,
      );
    const periodic = new Periodic(key, PERIODS_MS[key] ?? DEFAULT_PERIOD_MS, startMs);
    clocks.push({ periodic, fire: () => invoke(fn, {}).catch(() => undefined) });
  }
  return clocks;
}
