import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Context } from "aws-lambda";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "./aws-config.ts";

// biome-ignore lint/suspicious/noExplicitAny: each handler has its own event and result types.
export type LambdaHandler<E = any, R = any> = (event: E, context: Context) => Promise<R>;

/** A handler with the name and timeout Lambda would run it under. */
export interface LocalFunction<E = unknown, R = unknown> {
  readonly name: string;
  readonly timeoutMs: number;
  readonly handler: LambdaHandler<E, R>;
}

export class LambdaTimeoutError extends Error {
  override readonly name = "LambdaTimeoutError";
}

/** A Lambda-like context whose remaining time counts down from the function's timeout. */
export function lambdaContext(functionName: string, timeoutMs: number, now = Date.now): Context {
  const deadline = now() + timeoutMs;
  const awsRequestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: "1024",
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${awsRequestId.replaceAll("-", "")}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * Invokes like Lambda: a fresh context per call, and past the timeout the invocation counts as
 * failed (Lambda would freeze the sandbox; here the promise is only abandoned).
 */
export async function invoke<E, R>(fn: LocalFunction<E, R>, event: E): Promise<R> {
  const context = lambdaContext(fn.name, fn.timeoutMs);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new LambdaTimeoutError(`${fn.name} timed out after ${fn.timeoutMs} ms`)),
      fn.timeoutMs,
    );
  });
  try {
    return await Promise.race([fn.handler(event, context), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Repository root: handler paths such as `functions/handlers/api.ts` are relative to it. */
export const REPO_ROOT = resolve(import.meta.dirname, "..");

/**
 * Imports a handler module by its path in the repository. Call only after the handler
 * environment is set: modules read their configuration once, at load.
 */
export async function loadHandler(modulePath: string): Promise<LambdaHandler> {
  const module = (await import(pathToFileURL(resolve(REPO_ROOT, modulePath)).href)) as { handler?: unknown };
  if (typeof module.handler !== "function") throw new Error(`${modulePath} exports no handler function`);
  return module.handler as LambdaHandler;
}
