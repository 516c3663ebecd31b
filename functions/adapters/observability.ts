import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { MiddlewareObj } from "@middy/core";
import { METRICS_NAMESPACE, SERVICE_NAME } from "#core/metric-names.ts";

/** Powertools singletons: one logger, one metrics buffer, one tracer (when tracing is on) per process. */
export const logger = new Logger({ serviceName: SERVICE_NAME });
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

/**
 * Powertools Tracer's `captureLambdaHandler` (a list for middy's `use`), or none when `POWERTOOLS_TRACE_ENABLED` is
 * `false` (the local stack, the simulator). Loading the tracer loads the X-Ray SDK, whose import
 * switches on async hooks for the whole process (aws-xray-sdk-node#420): measured here, every
 * promise then costs ~15× as much. A process that traces nothing should not pay for it.
 */
export const tracing: MiddlewareObj[] = await loadTracing();

async function loadTracing(): Promise<MiddlewareObj[]> {
  if (process.env.POWERTOOLS_TRACE_ENABLED?.toLowerCase() === "false") return [];
  const [{ Tracer }, { captureLambdaHandler }] = await Promise.all([
    import("@aws-lambda-powertools/tracer"),
    import("@aws-lambda-powertools/tracer/middleware"),
  ]);
  return [captureLambdaHandler(new Tracer({ serviceName: SERVICE_NAME }))];
}
