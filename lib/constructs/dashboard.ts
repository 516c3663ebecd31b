import { Duration } from "aws-cdk-lib";
import {
  type Alarm,
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  type IMetric,
  TextWidget,
} from "aws-cdk-lib/aws-cloudwatch";
import type { Construct } from "constructs";
import { METRIC } from "#core/metric-names.ts";
import type { MonitoredFunction, MonitoredQueue } from "./observability.ts";
import { pacerMetric } from "./pacer-metric.ts";
import type { PriorityQueue } from "./queues.ts";

export interface PacerDashboardInput {
  readonly name: string;
  readonly providers: readonly string[];
  /** Each scheduled (provider, sync type) once: a freshness line each. */
  readonly scheduled: readonly { readonly provider: string; readonly syncType: string }[];
  readonly jobQueues: readonly PriorityQueue[];
  readonly deadLetterQueues: readonly MonitoredQueue[];
  readonly functions: readonly MonitoredFunction[];
  readonly alarms: readonly Alarm[];
}

/** The one dashboard: per provider jobs, permits and 429s, latency, freshness; then queues, DLQs, functions and alarms. */
export function pacerDashboard(scope: Construct, input: PacerDashboardInput): Dashboard {
  const dashboard = new Dashboard(scope, "Dashboard", {
    dashboardName: input.name,
    defaultInterval: Duration.hours(6),
  });
  dashboard.addWidgets(
    new TextWidget({
      markdown:
        "# Pacer\nJobs, provider limits, freshness, queues and functions. Alarms notify the Pacer alarm topic.",
      width: 24,
      height: 2,
    }),
  );
  for (const provider of input.providers) {
    dashboard.addWidgets(
      graph(`${provider}: jobs`, [
        pacerMetric(METRIC.jobSucceeded, provider, { label: "succeeded" }),
        pacerMetric(METRIC.jobFailed, provider, { label: "failed" }),
        pacerMetric(METRIC.jobDeferred, provider, { label: "deferred" }),
        pacerMetric(METRIC.jobSkipped, provider, { label: "skipped" }),
      ]),
      graph(`${provider}: permits and 429s`, [
        pacerMetric(METRIC.permitsGranted, provider, { label: "permits granted" }),
        pacerMetric(METRIC.permitsRefused, provider, { label: "permits refused" }),
        pacerMetric(METRIC.providerThrottled, provider, { label: "429 / throttled" }),
      ]),
    );
    dashboard.addWidgets(
      graph(`${provider}: provider latency (ms)`, [
        pacerMetric(METRIC.providerLatency, provider, { statistic: "p50", label: "p50" }),
        pacerMetric(METRIC.providerLatency, provider, { statistic: "p99", label: "p99" }),
      ]),
      graph(
        `${provider}: freshness (s)`,
        input.scheduled
          .filter((s) => s.provider === provider)
          .map(({ syncType }) =>
            pacerMetric(METRIC.freshness, provider, {
              statistic: "Maximum",
              dimensions: { syncType },
              label: syncType,
            }),
          ),
      ),
    );
  }
  dashboard.addWidgets(
    graph(
      "Queue depth (visible messages)",
      input.jobQueues.map((q) =>
        q.queue.metricApproximateNumberOfMessagesVisible({ statistic: "Maximum", label: q.spec.name }),
      ),
    ),
    graph(
      "Age of oldest message (s)",
      input.jobQueues.map((q) =>
        q.queue.metricApproximateAgeOfOldestMessage({ statistic: "Maximum", label: q.spec.name }),
      ),
    ),
  );
  dashboard.addWidgets(
    graph(
      "DLQ depth",
      input.deadLetterQueues.map((d) =>
        d.queue.metricApproximateNumberOfMessagesVisible({ statistic: "Maximum", label: d.label }),
      ),
    ),
    graph(
      "Lambda errors",
      input.functions
        .filter((f) => !f.failsByDesign)
        .map((f) => f.function.metricErrors({ statistic: "Sum", label: f.label })),
    ),
  );
  dashboard.addWidgets(
    new AlarmStatusWidget({ title: "Alarms", alarms: [...input.alarms], width: 24, height: 6 }),
  );
  return dashboard;
}

function graph(title: string, left: IMetric[]): GraphWidget {
  return new GraphWidget({ title, left, width: 12, height: 6 });
}
