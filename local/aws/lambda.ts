import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Context } from "aws-lambda";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "./aws-config.ts";
import { InvocationKilledError, runInInvocation } from "./invocation.ts";

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

export interface InvokeOptions {
  /** Aborting it kills the invocation as a crashed sandbox: invoke() rejects with InvocationKilledError. */
  readonly kill?: AbortSignal;
}

/**
 * Invokes like Lambda: a fresh context per call, run as an Invocation (see currentInvocation),
 * and past the timeout the invocation counts as failed. Lambda would freeze the sandbox; here the
 * promise is only abandoned, and the invocation's signal aborts so that what it still tries can
 * be refused.
 */
export async function invoke<E, R>(
  fn: LocalFunction<E, R>,
  event: E,
  options: InvokeOptions = {},
): Promise<R> {
  const context = lambdaContext(fn.name, fn.timeoutMs);
  const ended = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onKill: (() => void) | undefined;
  const dead = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ended.abort();
      reject(new LambdaTimeoutError(`${fn.name} timed out after ${fn.timeoutMs} ms`));
    }, fn.timeoutMs);
    onKill = () => {
      ended.abort();
      reject(new InvocationKilledError(`${fn.name} (${context.awsRequestId}) was killed`));
    };
    if (options.kill?.aborted) onKill();
    else options.kill?.addEventListener("abort", onKill, { once: true });
  });
  const invocation = { functionName: fn.name, requestId: context.awsRequestId, signal: ended.signal };
  try {
    return await Promise.race([runInInvocation(invocation, () => fn.handler(event, context)), dead]);
  } finally {
    clearTimeout(timer);
    if (onKill) options.kill?.removeEventListener("abort", onKill);
  }
}

/** Repository root: handler paths such as `functions/handlers/api.ts` are relative to it. */
export const REPO_ROOT = resolve(import.meta.dirname, "../..");

/**
 * Imports a handler module by its path in the repository. Call only after the handler
 * environment is set: modules read their configuration once, at load. A distinct `instance` loads
 * the module afresh (its own module-level state, as another Lambda sandbox would have it) while
 * the modules it imports stay shared.
 */
export async function loadHandler(modulePath: string, instance?: number): Promise<LambdaHandler> {
  const url = pathToFileURL(resolve(REPO_ROOT, modulePath));
  if (instance !== undefined) url.searchParams.set("instance", String(instance));
  const module = (await import(url.href)) as { handler?: unknown };
  if (typeof module.handler !== "function") throw new Error(`${modulePath} exports no handler function`);
  return module.handler as LambdaHandler;
}
