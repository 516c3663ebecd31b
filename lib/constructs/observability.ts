import { Aws, type Duration } from "aws-cdk-lib";
import {
  Alarm,
  ComparisonOperator,
  type Dashboard,
  MathExpression,
  Metric,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { Function as LambdaFunction } from "aws-cdk-lib/aws-lambda";
import { FilterPattern, MetricFilter } from "aws-cdk-lib/aws-logs";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { Catalog, SyncTypeDef } from "#catalog/types.ts";
import { METRIC, METRICS_NAMESPACE } from "#core/metric-names.ts";
import { pacerDashboard } from "./dashboard.ts";
import { FIVE_MINUTES, pacerMetric } from "./pacer-metric.ts";
import type { PacerQueues } from "./queues.ts";

export interface MonitoredFunction {
  readonly label: string;
  readonly function: LambdaFunction;
  /**
   * The function fails invocations on purpose (a Lambda authorizer throws "Unauthorized" to
   * answer 401), so its alarm counts ERROR log lines instead of failed invocations.
   * @default false
   */
  readonly failsByDesign?: boolean;
}

export interface MonitoredQueue {
  readonly label: string;
  readonly queue: IQueue;
}

export interface PacerObservabilityProps {
  /** A freshness alarm per scheduled (provider, sync type): every sync type with a cadence. */
  readonly catalog: Catalog;
  readonly queues: PacerQueues;
  /** DLQs outside the job queues (Scheduler deliveries, stream batches). */
  readonly otherDeadLetterQueues: readonly MonitoredQueue[];
  readonly functions: readonly MonitoredFunction[];
  /** How often the freshness monitor publishes. */
  readonly freshnessMonitorPeriod: Duration;
  /** @default - no subscription */
  readonly alarmEmail?: string;
  /**
   * Share of a provider's finished jobs that may fail before its error-rate alarm fires.
   * @default 0.1
   */
  readonly errorRateThreshold?: number;
  /** @default "Pacer" */
  readonly dashboardName?: string;
}

/**
 * When a sync type counts as stale: twice its cadence, but never less than two freshness-monitor
 * periods. The monitor only looks every few minutes, so for a 30-second cadence "2 × cadence"
 * would be tighter than the monitor can ever see and the alarm would flap on sampling noise.
 * Returns seconds, or undefined for manual sync types (nothing to be fresh against) and windowed
 * ones (OpenF1's live data: idle between sessions by design, so "not succeeded for a while" is
 * no symptom there; their failures still raise the error-rate and dead-letter alarms).
 */
export function freshnessThresholdSeconds(
  syncType: SyncTypeDef,
  monitorPeriod: Duration,
): number | undefined {
  if (syncType.windowed === true) return undefined;
  const c = syncType.cadence;
  const everyMs = c.kind === "rate" ? c.everyMs : c.kind === "cron" ? c.approxEveryMs : undefined;
  if (everyMs === undefined) return undefined;
  return Math.max(2 * everyMs, 2 * monitorPeriod.toMilliseconds()) / 1000;
}

/**
 * One dashboard and the alarms that matter, all notifying one SNS topic. Missing data is treated
 * per alarm: where silence means "nothing happened" (DLQs, errors, 429s) it is fine; where
 * silence means "nothing is being checked" (freshness) it is an alarm.
 */
export class PacerObservability extends Construct {
  public readonly topic: Topic;
  public readonly dashboard: Dashboard;
  public readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: PacerObservabilityProps) {
    super(scope, id);
    const providers = props.catalog.providers.map((p) => p.id);

    this.topic = new Topic(this, "AlarmTopic", { displayName: "Pacer alarms", enforceSSL: true });
    // enforceSSL replaces the default topic policy, so CloudWatch needs saying explicitly, and
    // only this account's alarms (no confused deputy).
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["sns:Publish"],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID } },
      }),
    );
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    const action = new SnsAction(this.topic);
    const alarm = (a: Alarm): Alarm => {
      a.addAlarmAction(action);
      a.addOkAction(action);
      this.alarms.push(a);
      return a;
    };

    // A DLQ holding anything needs a human.
    const deadLetterQueues: MonitoredQueue[] = [
      ...props.queues.all().map((q) => ({ label: q.spec.dlqName, queue: q.deadLetterQueue })),
      ...props.otherDeadLetterQueues,
    ];
    for (const dlq of deadLetterQueues) {
      alarm(
        new Alarm(this, `Dlq-${dlq.label}`, {
          alarmDescription: `Pacer: messages are waiting in DLQ ${dlq.label}`,
          metric: dlq.queue.metricApproximateNumberOfMessagesVisible({
            period: FIVE_MINUTES,
            statistic: "Maximum",
          }),
          threshold: 0,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          // SQS stops reporting idle queues: silence means empty.
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    const errorRateThreshold = props.errorRateThreshold ?? 0.1;
    for (const provider of providers) {
      alarm(
        new Alarm(this, `ErrorRate-${provider}`, {
          alarmDescription: `Pacer: more than ${errorRateThreshold * 100}% of ${provider} jobs fail`,
          metric: new MathExpression({
            expression: "failed / (succeeded + failed)",
            usingMetrics: {
              failed: pacerMetric(METRIC.jobFailed, provider),
              succeeded: pacerMetric(METRIC.jobSucceeded, provider),
            },
            period: FIVE_MINUTES,
            label: `${provider} job error rate`,
          }),
          threshold: errorRateThreshold,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 3,
          datapointsToAlarm: 2,
          // No finished jobs in a period: no rate to judge (freshness covers "nothing runs").
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
      alarm(
        new Alarm(this, `Throttled-${provider}`, {
          alarmDescription: `Pacer: ${provider} answered 429; the catalog's limits may not match the provider's`,
          metric: pacerMetric(METRIC.providerThrottled, provider),
          threshold: 0,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          // Throttles are only emitted when they happen.
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
      // A job given up, or a message lost and found again: each one is a human's to look at.
      for (const [metric, what] of [
        [METRIC.retriesExhausted, "a job used up its retry budget and was dead-lettered"],
        [METRIC.throttledOut, "kept answering 429 until a job's retry budget ran out"],
        [METRIC.waitExhausted, "a job waited for permits past its sync type's maximum and failed"],
        [METRIC.jobsRequeued, "a job's message was lost; the sweep sent it again"],
      ] as const) {
        alarm(
          new Alarm(this, `${metric}-${provider}`, {
            alarmDescription: `Pacer: ${provider}: ${what}`,
            metric: pacerMetric(metric, provider),
            threshold: 0,
            comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluationPeriods: 1,
            treatMissingData: TreatMissingData.NOT_BREACHING,
          }),
        );
      }
      alarm(
        new Alarm(this, `PauseCapped-${provider}`, {
          alarmDescription: `Pacer: ${provider} asked for a pause longer than Pacer honours (a ban, or a broken Retry-After); Pacer resumed after the cap`,
          metric: pacerMetric(METRIC.pauseCapped, provider),
          threshold: 0,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    const scheduled = scheduledSyncTypes(props.catalog);
    for (const { provider, syncType } of scheduled) {
      const def = props.catalog.providers
        .find((p) => p.id === provider)
        ?.syncTypes.find((s) => s.id === syncType);
      const threshold = def && freshnessThresholdSeconds(def, props.freshnessMonitorPeriod);
      if (threshold === undefined) continue;
      alarm(
        new Alarm(this, `Freshness-${provider}-${syncType}`, {
          alarmDescription: `Pacer: ${provider}/${syncType} has not succeeded for over ${threshold} s`,
          metric: pacerMetric(METRIC.freshness, provider, {
            statistic: "Maximum",
            period: props.freshnessMonitorPeriod.plus(props.freshnessMonitorPeriod),
            dimensions: { syncType },
          }),
          threshold,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          // The monitor publishes nothing for a sync type that never succeeded, and nothing at all
          // when it is broken: both are stale data nobody is told about.
          treatMissingData: TreatMissingData.BREACHING,
        }),
      );
    }

    for (const fn of props.functions) {
      alarm(
        new Alarm(this, `LambdaErrors-${fn.label}`, {
          alarmDescription: fn.failsByDesign
            ? `Pacer: ${fn.label} Lambda logged errors`
            : `Pacer: ${fn.label} Lambda failed (unhandled errors)`,
          metric: fn.failsByDesign
            ? loggedErrorsMetric(this, fn)
            : fn.function.metricErrors({ period: FIVE_MINUTES, statistic: "Sum" }),
          threshold: 0,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          // An idle function reports nothing, which is no error.
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    this.dashboard = pacerDashboard(this, {
      name: props.dashboardName ?? "Pacer",
      providers,
      scheduled,
      jobQueues: props.queues.all(),
      deadLetterQueues,
      functions: props.functions,
      alarms: this.alarms,
    });
  }
}

/** ERROR lines in a function's Powertools (JSON) logs, as a metric. */
function loggedErrorsMetric(scope: Construct, fn: MonitoredFunction): Metric {
  const dimensions = { function: fn.label };
  new MetricFilter(scope, `LoggedErrors-${fn.label}`, {
    logGroup: fn.function.logGroup,
    filterPattern: FilterPattern.stringValue("$.level", "=", "ERROR"),
    metricNamespace: METRICS_NAMESPACE,
    metricName: "LoggedErrors",
    dimensions,
    metricValue: "1",
  });
  // MetricFilter.metric() leaves the dimensions out, which would watch a metric nobody emits.
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: "LoggedErrors",
    dimensionsMap: dimensions,
    period: FIVE_MINUTES,
    statistic: "Sum",
  });
}

/**
 * Every (provider, sync type) that runs on a cadence. Which connections run them is decided at
 * run time, so each gets its alarm and dashboard line up front.
 */
function scheduledSyncTypes(catalog: Catalog): { provider: string; syncType: string }[] {
  return catalog.providers.flatMap((provider) =>
    provider.syncTypes
      .filter((syncType) => syncType.cadence.kind !== "manual" && syncType.windowed !== true)
      .map((syncType) => ({ provider: provider.id, syncType: syncType.id })),
  );
}
