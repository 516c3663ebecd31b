import type { Catalog } from "#catalog/types.ts";
import { requiredEnv } from "#core/env.ts";
import { FUNCTIONS, type FunctionSpec, workerSpec } from "#core/functions.ts";
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
   * @default the worker spec's
   */
  readonly workerTimeoutSeconds?: number;
}

/** Module instances loaded so far in this process: each new one gets the next number. */
let nextInstance = 1;

/**
 * The handlers, from the same specs the CDK deploys (core/functions.ts): name, entry, timeout.
 * The environment must already hold what each spec requires; overrides replace single handlers.
 */
export async function loadFunctions(
  catalog: Catalog,
  overrides: HandlerOverrides,
  options: LoadFunctionsOptions = {},
): Promise<LocalFunctions> {
  let usesRepository = false;
  const load = async (spec: FunctionSpec, override?: LambdaHandler, timeoutSeconds = spec.timeoutSeconds) => {
    if (!override && repositoryHandlersLoaded) {
      throw new Error(`${spec.entry} was loaded by an earlier local stack: start one stack per process`);
    }
    if (!override) requireSpecEnv(spec);
    usesRepository ||= !override;
    return {
      name: `pacer-local-${spec.name}`,
      timeoutMs: timeoutSeconds * 1000,
      handler: override ?? (await loadHandler(spec.entry)),
    } satisfies LocalFunction;
  };
  const workers: Record<string, WorkerFunction> = {};
  for (const provider of catalog.providers) {
    const spec = workerSpec(provider);
    const override = overrides.workers?.[provider.id];
    // The first instance is the module as any other importer sees it; the others are fresh copies.
    const first = await load(spec, override, options.workerTimeoutSeconds);
    const another = async (): Promise<LocalFunction> =>
      override ? first : { ...first, handler: await loadHandler(spec.entry, nextInstance++) };
    const instances = [first];
    for (let i = 1; i < (options.workerConcurrency ?? 1); i++) instances.push(await another());
    workers[provider.id] = { instances, fresh: another };
  }
  const functions: LocalFunctions = {
    api: await load(FUNCTIONS.api, overrides.api),
    authorizer: await load(FUNCTIONS.authorizer, overrides.authorizer),
    websocket: await load(FUNCTIONS.websocket, overrides.websocket),
    broadcaster: await load(FUNCTIONS.broadcaster, overrides.broadcaster),
    freshness: await load(FUNCTIONS.freshness, overrides.freshness),
    sweeper: await load(FUNCTIONS.sweeper, overrides.sweeper),
    workers,
  };
  repositoryHandlersLoaded ||= usesRepository;
  return functions;
}

/** The stand-in's own check of what the CDK checks at synth: every variable the spec requires is set. */
function requireSpecEnv(spec: FunctionSpec): void {
  const missing = requiredEnv(spec.env).filter((name) => !process.env[name]);
  if (missing.length > 0) {
    throw new Error(
      `${spec.name}: the local environment lacks ${missing.join(", ")} (see local/aws/handler-env.ts)`,
    );
  }
}
