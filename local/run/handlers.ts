import type { Catalog } from "#catalog/types.ts";
import { requiredEnv } from "#core/env.ts";
import { FUNCTIONS, type FunctionSpec, workerSpec } from "#core/functions.ts";
import { WORKER_TIMEOUT_SECONDS } from "#core/resources.ts";
import { type HandlerOverrides, type LocalFunctions, loadFunctions } from "../aws/functions.ts";
import { applyEnv, handlerEnv } from "../aws/handler-env.ts";
import { type LocalFunction, loadHandler } from "../aws/lambda.ts";
import { JWKS_PATH, type RestGateway } from "../gateways/rest-gateway.ts";
import type { WsGateway } from "../gateways/ws-gateway.ts";
import type { LocalLog } from "../log.ts";
import type { AwsStandIns } from "./aws-stand-ins.ts";
import type { Teardown } from "./teardown.ts";

export interface HandlersOptions {
  readonly catalog: Catalog;
  readonly standIns: AwsStandIns;
  readonly rest: RestGateway;
  readonly ws: WsGateway;
  /** The Scheduler stand-in's endpoint. */
  readonly schedulerEndpoint: string;
  /** The stand-in's secrets file. */
  readonly secretsFile: string;
  readonly workerConcurrency: number;
  /** The handlers' limit windows divided by this. @default 1 */
  readonly timeScale?: number;
  readonly visibilityTimeoutSeconds?: number;
  readonly overrides?: HandlerOverrides;
  readonly verbose?: boolean;
  readonly quiet?: boolean;
  /** EMF metric lines from the handlers even when not verbose. */
  readonly metrics?: boolean;
  /**
   * Wraps every function as it is loaded, before the gateways and pollers get it (the simulator
   * meters invocations and their duration × the spec's memory). @default as loaded
   */
  readonly wrap?: FunctionWrapper;
  /** Variables over the stand-in's own (the simulator's wider limiter margin). */
  readonly envOverrides?: Readonly<Record<string, string>>;
  readonly log: LocalLog;
}

/** Wraps one function; `spec` is what the CDK deploys it from (its memory size, say). */
export type FunctionWrapper = (fn: LocalFunction, spec: FunctionSpec) => LocalFunction;

/** The handlers, and what the stand-in's timers need to know of them. */
export interface RunFunctions extends LocalFunctions {
  /** The race clock (functions/handlers/race-clock.ts). */
  readonly raceClock: LocalFunction;
  /** The limit windows' divisor the handlers run under: the race clock's timer follows it. */
  readonly timeScale: number;
}

/**
 * The handlers, loaded as Lambda runs them (the environment the CDK would give them, pointed at
 * the stand-ins) and attached to the gateways, which then answer with them.
 */
export async function loadHandlers(options: HandlersOptions, teardown: Teardown): Promise<RunFunctions> {
  const { standIns, rest, ws } = options;
  const startedAt = Date.now();
  const env = {
    ...handlerEnv({
      dynamoEndpoint: standIns.dynamoEndpoint,
      sqsEndpoint: standIns.sqsEndpoint,
      tables: standIns.tables.names,
      queues: standIns.queues.urls,
      jwksUrl: `${rest.url}${JWKS_PATH}`,
      wsCallbackUrl: ws.callbackUrl,
      schedulerEndpoint: options.schedulerEndpoint,
      secretsFile: options.secretsFile,
      limitTimeScale: options.timeScale ?? 1,
      providerEnv: Object.assign({}, ...Object.values(standIns.fakes).map((fake) => fake.env)),
      verbose: options.verbose ?? false,
      quiet: options.quiet ?? false,
    }),
    // Powertools' own switch: what CloudWatch would receive, one JSON line per flush.
    ...(options.metrics ? { POWERTOOLS_METRICS_DISABLED: "false" } : {}),
    ...options.envOverrides,
  };
  teardown.add(applyEnv(env));

  const loaded = await loadFunctions(options.catalog, options.overrides ?? {}, {
    workerConcurrency: options.workerConcurrency,
    workerTimeoutSeconds: workerTimeoutFor(options.visibilityTimeoutSeconds),
  });
  const fns = options.wrap ? wrapFunctions(loaded, options.catalog, options.wrap) : loaded;
  const loadedRaceClock = await loadRaceClock();
  const raceClock = options.wrap ? options.wrap(loadedRaceClock, FUNCTIONS.raceClock) : loadedRaceClock;
  rest.attach({ api: fns.api, authorizer: fns.authorizer });
  ws.attach({ websocket: fns.websocket, authorizer: fns.authorizer });
  const workers = Object.keys(fns.workers).map((id) => `worker-${id} ×${options.workerConcurrency}`);
  options.log.info(
    `handlers loaded: api, authorizer, websocket, broadcaster, freshness, sweeper, race-clock, ` +
      `${workers.join(", ")} (${Date.now() - startedAt} ms)`,
  );
  return { ...fns, raceClock, timeScale: options.timeScale ?? 1 };
}

/** Every function, each worker instance and each fresh sandbox too, through `wrap`. */
function wrapFunctions(fns: LocalFunctions, catalog: Catalog, wrap: FunctionWrapper): LocalFunctions {
  const workers: LocalFunctions["workers"] = {};
  for (const [id, worker] of Object.entries(fns.workers)) {
    const provider = catalog.providers.find((p) => p.id === id);
    if (!provider) throw new Error(`no catalog provider ${id} for its worker`);
    const spec = workerSpec(provider);
    workers[id] = {
      instances: worker.instances.map((fn) => wrap(fn, spec)),
      fresh: async () => wrap(await worker.fresh(), spec),
    };
  }
  return {
    api: wrap(fns.api, FUNCTIONS.api),
    authorizer: wrap(fns.authorizer, FUNCTIONS.authorizer),
    websocket: wrap(fns.websocket, FUNCTIONS.websocket),
    broadcaster: wrap(fns.broadcaster, FUNCTIONS.broadcaster),
    freshness: wrap(fns.freshness, FUNCTIONS.freshness),
    sweeper: wrap(fns.sweeper, FUNCTIONS.sweeper),
    workers,
  };
}

/** The race clock from the spec the CDK deploys, its environment checked as loadFunctions does. */
async function loadRaceClock(): Promise<LocalFunction> {
  const spec = FUNCTIONS.raceClock;
  const missing = requiredEnv(spec.env).filter((name) => !process.env[name]);
  if (missing.length > 0) {
    throw new Error(
      `${spec.name}: the local environment lacks ${missing.join(", ")} (see local/aws/handler-env.ts)`,
    );
  }
  return {
    name: `pacer-local-${spec.name}`,
    timeoutMs: spec.timeoutSeconds * 1000,
    handler: await loadHandler(spec.entry),
  };
}

/**
 * The workers' timeout under a shortened visibility timeout. Lambda refuses an SQS trigger whose
 * queue's visibility timeout is shorter than the function's; equal is allowed but not safe: the
 * message comes back the moment the invocation holding it dies, or — since the invocation starts a
 * little after the receive — while it can still write, and a second delivery then runs the same
 * job beside it (the chaos suite saw a provider called after the job had ended). Deployed, the
 * queue waits six times the timeout; here a fifth of the visibility timeout is left over.
 */
export function workerTimeoutFor(visibilityTimeoutSeconds: number | undefined): number {
  if (visibilityTimeoutSeconds === undefined) return WORKER_TIMEOUT_SECONDS;
  return Math.min(WORKER_TIMEOUT_SECONDS, visibilityTimeoutSeconds * 0.8);
}
