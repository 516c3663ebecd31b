import { Duration } from "aws-cdk-lib";
import { Metric } from "aws-cdk-lib/aws-cloudwatch";
import { METRICS_NAMESPACE, SERVICE_NAME } from "#core/metric-names.ts";

export const FIVE_MINUTES = Duration.minutes(5);

/** Pacer's metric (EMF from Powertools) for one provider, optionally narrowed further. */
export function pacerMetric(
  metricName: string,
  provider: string,
  options: {
    statistic?: string;
    label?: string;
    period?: Duration;
    dimensions?: Record<string, string>;
  } = {},
): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: SERVICE_NAME, provider, ...options.dimensions },
    statistic: options.statistic ?? "Sum",
    period: options.period ?? FIVE_MINUTES,
    // A label would turn an alarm's metric into a metric-math query; only graphs get one.
    label: options.label,
  });
}
