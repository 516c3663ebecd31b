import { currentInvocation } from "../../local/aws/invocation.ts";

/** What the handlers' DynamoDB calls suffer, per SDK attempt (the SDK's own retries see each one). */
export type SdkFaultMode =
  | { readonly kind: "none" }
  /** A `rate` share of attempts answered ProvisionedThroughputExceededException. */
  | { readonly kind: "throttle"; readonly rate: number }
  /**
   * A `rate` share of attempts time out after `afterMs`; half of those only after DynamoDB has
   * applied them (the answer, not the request, is lost), the case that tests conditional writes.
   */
  | { readonly kind: "timeout"; readonly rate: number; readonly afterMs: number };

export interface SdkFaults {
  set(mode: SdkFaultMode): void;
  /** Faults injected so far, and calls refused because their invocation had been killed. */
  stats(): { readonly injected: number; readonly refusedAfterKill: number };
}

const WORKER_PREFIX = "pacer-local-worker-";

// biome-ignore lint/suspicious/noExplicitAny: middleware sees every command's input and output.
type Next = (args: any) => Promise<any>;
interface Stack {
  addRelativeTo(
    middleware: (next: Next) => Next,
    options: { relation: "after"; toMiddleware: string; name: string; override: boolean },
  ): void;
}

/**
 * Adds middleware to the SDK clients the handlers share (functions/adapters/aws-clients.ts, one
 * instance per process, every worker sandbox included). On both clients it refuses any call from
 * an invocation that was killed or timed out: a dead sandbox writes and sends nothing more. On the
 * DynamoDB client it injects the current fault mode into worker invocations' calls; the API and
 * the stand-in's own clients are left alone, so triggering and observing stay reliable.
 *
 * It sits after the SDK's retry middleware, so each attempt is judged afresh and the SDK retries
 * an injected throttle or timeout as it would a real one.
 */
export async function installSdkFaults(): Promise<SdkFaults> {
  // Imported late: by now the handlers loaded it with the stand-in's environment in place.
  const { dynamoClient, sqsClient } = await import("#adapters/aws-clients.ts");
  let mode: SdkFaultMode = { kind: "none" };
  const stats = { injected: 0, refusedAfterKill: 0 };

  const guard = (next: Next): Next => {
    return async (args) => {
      if (currentInvocation()?.signal.aborted) {
        stats.refusedAfterKill++;
        throw Object.assign(new Error("chaos: this invocation was killed; a dead sandbox sends nothing"), {
          name: "InvocationKilled",
          $fault: "client",
        });
      }
      return next(args);
    };
  };
  const faults = (next: Next): Next => {
    const guarded = guard(next);
    return async (args) => {
      const current = mode;
      const worker = currentInvocation()?.functionName.startsWith(WORKER_PREFIX) ?? false;
      if (current.kind === "none" || !worker || Math.random() >= current.rate) return guarded(args);
      stats.injected++;
      if (current.kind === "throttle") throw throttled();
      if (Math.random() < 0.5) await guarded(args);
      else await new Promise((resolve) => setTimeout(resolve, current.afterMs));
      throw timedOut();
    };
  };
  const options = (name: string) =>
    ({ relation: "after", toMiddleware: "retryMiddleware", name, override: true }) as const;
  (dynamoClient.middlewareStack as unknown as Stack).addRelativeTo(faults, options("chaosDynamoFaults"));
  (sqsClient.middlewareStack as unknown as Stack).addRelativeTo(guard, options("chaosKilledGuard"));

  return {
    set: (next) => {
      mode = next;
    },
    stats: () => ({ ...stats }),
  };
}

function throttled(): Error {
  return Object.assign(
    new Error("The level of configured provisioned throughput for the table was exceeded (chaos)"),
    { name: "ProvisionedThroughputExceededException", $fault: "client", $metadata: { httpStatusCode: 400 } },
  );
}

function timedOut(): Error {
  return Object.assign(new Error("Connection timed out after the request was sent (chaos)"), {
    name: "TimeoutError",
    $metadata: {},
  });
}
