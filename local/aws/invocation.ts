import { AsyncLocalStorage } from "node:async_hooks";

/**
 * The invocation a piece of code runs in, as the sandbox running it would know it. Its signal
 * aborts when the invocation is over for good without having returned: it timed out, or its
 * sandbox was killed (SqsPoller.killInFlight). A dead sandbox sends nothing more, so fault
 * middleware refuses whatever an aborted invocation still tries.
 */
export interface Invocation {
  readonly functionName: string;
  readonly requestId: string;
  readonly signal: AbortSignal;
}

const storage = new AsyncLocalStorage<Invocation>();

/** The invocation the caller runs in; undefined outside any (the stand-in's own work). */
export function currentInvocation(): Invocation | undefined {
  return storage.getStore();
}

/** Runs `fn` as `invocation`: every callback and promise it starts sees it in currentInvocation(). */
export function runInInvocation<T>(invocation: Invocation, fn: () => Promise<T>): Promise<T> {
  return storage.run(invocation, fn);
}

/** Raised by invoke() for an invocation whose sandbox was killed before it returned. */
export class InvocationKilledError extends Error {
  override readonly name = "InvocationKilledError";
}
