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
  /** By provider id. */
  readonly workers?: Readonly<Record<string, LambdaHandler>>;
}

/**
 * The repository's handlers read their environment once, at load, and Node caches modules per
 * process: a second stack (other ports, other queue URLs) would get the first one's copies, so
 * it is refused instead of silently misrouted.
 */
let repositoryHandlersLoaded = false;

export interface LocalFunctions {
  readonly api: LocalFunction;
  readonly authorizer: LocalFunction;
  readonly websocket: LocalFunction;
  readonly broadcaster: LocalFunction;
  readonly freshness: LocalFunction;
  readonly workers: Record<string, LocalFunction>;
}

/** The handlers, named and timed as the CDK deploys them; overrides replace single ones. */
export async function loadFunctions(catalog: Catalog, overrides: HandlerOverrides): Promise<LocalFunctions> {
  let usesRepository = false;
  const load = async (name: string, timeoutSeconds: number, path: string, override?: LambdaHandler) => {
    if (!override && repositoryHandlersLoaded) {
      throw new Error(`${path} was loaded by an earlier local stack: start one stack per process`);
    }
    usesRepository ||= !override;
    return {
      name: `pacer-local-${name}`,
      timeoutMs: timeoutSeconds * 1000,
      handler: override ?? (await loadHandler(path)),
    };
  };
  const workers: Record<string, LocalFunction> = {};
  for (const provider of catalog.providers) {
    workers[provider.id] = await load(
      `worker-${provider.id}`,
      WORKER_TIMEOUT_SECONDS,
      `functions/providers/${provider.id}/handler.ts`,
      overrides.workers?.[provider.id],
    );
  }
  const functions: LocalFunctions = {
    // API Gateway gives up on an integration after 29 s.
    api: await load("api", 29, "functions/handlers/api.ts", overrides.api),
    authorizer: await load("authorizer", 10, "functions/handlers/authorizer.ts", overrides.authorizer),
    websocket: await load("websocket", 29, "functions/handlers/websocket.ts", overrides.websocket),
    broadcaster: await load("broadcaster", 60, "functions/handlers/broadcaster.ts", overrides.broadcaster),
    freshness: await load("freshness", 60, "functions/handlers/freshness.ts", overrides.freshness),
    workers,
  };
  repositoryHandlersLoaded ||= usesRepository;
  return functions;
}
