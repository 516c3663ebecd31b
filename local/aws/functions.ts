import type { Catalog } from "#catalog/types.ts";
import { WORKER_TIMEOUT_SECONDS } from "#core/resources.ts";
import { type LambdaHandler, type LocalFunction, loadHandler } from "./lambda.ts";

/** Handlers to run instead of the repository's, for tests of the stand-in itself. */
export interface HandlerOverrides {
  readonly api?: LambdaHandler;
  readonly authorizer?: LambdaHandler;
  readonly websocket?: LambdaHandler;
  readonly broadcaster?: LambdaHandler;
  readonly freshness?: LambdaHandler;
  readonly sweeper?: LambdaHandler;
  /** By provider id; every instance of the worker runs this one function. */
  readonly workers?: Readonly<Record<string, LambdaHandler>>;
}

/**
 * The repository's handlers read their environment once, at load, and Node caches modules per
 * process: a second stack (other ports, other queue URLs) would get the first one's copies, so
 * it is refused instead of silently misrouted.
 */
let repositoryHandlersLoaded = false;

/**
 * A worker as Lambda runs it under concurrent SQS pollers: one sandbox per concurrent invocation,
 * each with its own module-level state (Powertools batch processor, metrics buffer, clients' caches).
 */
export interface WorkerFunction {
  /** One per concurrent poller; each runs one invocation at a time. */
  readonly instances: readonly LocalFunction[];
  /**
   * A new sandbox, to replace a killed one: the killed invocation may still be running on its
   * sandbox's state, and a crashed Lambda sandbox is never reused either.
   */
  fresh(): Promise<LocalFunction>;
}

export interface LocalFunctions {
  readonly api: LocalFunction;
  readonly authorizer: LocalFunction;
  readonly websocket: LocalFunction;
  readonly broadcaster: LocalFunction;
  readonly freshness: LocalFunction;
  /** The lost-job sweep (functions/handlers/sweeper.ts). */
  readonly sweeper: LocalFunction;
  readonly workers: Record<string, WorkerFunction>;
}

export interface LoadFunctionsOptions {
  /** Instances per worker. @default 1 */
  readonly workerConcurrency?: number;
  /**
   * The workers' timeout. Lambda refuses an SQS trigger whose queue's visibility timeout is
   * shorter than the function's, so a shorter local visibility timeout shortens this too.
   * @default WORKER_TIMEOUT_SECONDS
   */
  readonly workerTimeoutSeconds?: number;
}

const SWEEPER_PATH = "functions/handlers/sweeper.ts";
/** Module instances loaded so far in this process: each new one gets the next number. */
let nextInstance = 1;

/** The handlers, named and timed as the CDK deploys them; overrides replace single ones. */
export async function loadFunctions(
  catalog: Catalog,
  overrides: HandlerOverrides,
  options: LoadFunctionsOptions = {},
): Promise<LocalFunctions> {
  let usesRepository = false;
  const load = async (
    name: string,
    timeoutSeconds: number,
    path: string,
    override?: LambdaHandler,
    instance?: number,
  ): Promise<LocalFunction> => {
    if (!override && repositoryHandlersLoaded) {
      throw new Error(`${path} was loaded by an earlier local stack: start one stack per process`);
    }
    usesRepository ||= !override;
    return {
      name: `pacer-local-${name}`,
      timeoutMs: timeoutSeconds * 1000,
      handler: override ?? (await loadHandler(path, instance)),
    };
  };
  const workers: Record<string, WorkerFunction> = {};
  for (const provider of catalog.providers) {
    const path = `functions/providers/${provider.id}/handler.ts`;
    const override = overrides.workers?.[provider.id];
    // The first instance is the module as any other importer sees it; the others are fresh copies.
    const timeout = options.workerTimeoutSeconds ?? WORKER_TIMEOUT_SECONDS;
    const first = await load(`worker-${provider.id}`, timeout, path, override);
    const another = async (): Promise<LocalFunction> =>
      override ? first : { ...first, handler: await loadHandler(path, nextInstance++) };
    const instances = [first];
    for (let i = 1; i < (options.workerConcurrency ?? 1); i++) instances.push(await another());
    workers[provider.id] = { instances, fresh: another };
  }
  const functions: LocalFunctions = {
    // API Gateway gives up on an integration after 29 s.
    api: await load("api", 29, "functions/handlers/api.ts", overrides.api),
    authorizer: await load("authorizer", 10, "functions/handlers/authorizer.ts", overrides.authorizer),
    websocket: await load("websocket", 29, "functions/handlers/websocket.ts", overrides.websocket),
    broadcaster: await load("broadcaster", 60, "functions/handlers/broadcaster.ts", overrides.broadcaster),
    freshness: await load("freshness", 60, "functions/handlers/freshness.ts", overrides.freshness),
    sweeper: await load("sweeper", 60, SWEEPER_PATH, overrides.sweeper),
    workers,
  };
  repositoryHandlersLoaded ||= usesRepository;
  return functions;
}
