import { CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import type { Construct } from "constructs";
import type { Catalog } from "#catalog/types.ts";
import type { PacerConfig } from "../config.ts";
import { ApiGatewayAccount } from "../constructs/api-gateway-account.ts";
import { type AuthorizerSettings, PacerAuthorizer } from "../constructs/auth.ts";
import { FRESHNESS_MONITOR_PERIOD, FreshnessMonitor } from "../constructs/freshness-monitor.ts";
import { JOB_SWEEP_PERIOD, JobSweeper } from "../constructs/job-sweeper.ts";
import { PacerObservability } from "../constructs/observability.ts";
import type { PacerQueues } from "../constructs/queues.ts";
import { RACE_CLOCK_PERIOD, RaceClock } from "../constructs/race-clock.ts";
import { PacerRestApi } from "../constructs/rest-api.ts";
import { PacerSchedules } from "../constructs/schedules.ts";
import type { PacerTableSet } from "../constructs/tables.ts";
import { PacerWebSocketApi } from "../constructs/websocket-api.ts";
import { PacerWorkers } from "../constructs/workers.ts";

export interface PacerStatelessStackProps extends StackProps {
  readonly config: PacerConfig;
  readonly catalog: Catalog;
  readonly tables: PacerTableSet;
  readonly queues: PacerQueues;
  readonly authSettings: AuthorizerSettings;
  /** The stateful stack's `{"key"}` secret keying credential fingerprints; only the REST API reads it. */
  readonly fingerprintKey: ISecret;
}

/** Functions, APIs, schedules and observability: everything that can be replaced without loss. */
export class PacerStatelessStack extends Stack {
  public readonly workers: PacerWorkers;
  public readonly authorizer: PacerAuthorizer;
  public readonly restApi: PacerRestApi;
  public readonly webSocketApi: PacerWebSocketApi;
  public readonly freshness: FreshnessMonitor;
  public readonly sweeper: JobSweeper;
  public readonly raceClock: RaceClock;
  public readonly schedules: PacerSchedules;
  public readonly observability: PacerObservability;

  constructor(scope: Construct, id: string, props: PacerStatelessStackProps) {
    super(scope, id, props);
    const { config, catalog, tables, queues } = props;
    const logRetention = config.logRetention;
    // Unique to this deployment, so two Pacer stacks in one account never touch each other's secrets.
    const secretPrefix = `pacer/${this.stackName}/connections/`;

    this.workers = new PacerWorkers(this, "Workers", {
      catalog,
      tables,
      queues,
      jobRetentionDays: config.jobRetentionDays,
      historyRetentionDays: config.historyRetentionDays,
      providerBaseUrls: config.providerBaseUrls,
      secretPrefix,
      providerRedirectHosts: config.providerRedirectHosts,
      retry: config.retry,
      logRetention,
    });

    this.authorizer = new PacerAuthorizer(this, "Authorizer", { settings: props.authSettings, logRetention });
    const authorizer = this.authorizer.function;
    const apiGatewayAccount = new ApiGatewayAccount(this, "ApiGatewayAccount");
    this.webSocketApi = new PacerWebSocketApi(this, "WebSocketApi", {
      authorizer,
      tables,
      queues,
      throttle: config.apiThrottle,
      apiGatewayAccount,
      logRetention,
    });

    this.freshness = new FreshnessMonitor(this, "FreshnessMonitor", { tables, logRetention });
    this.sweeper = new JobSweeper(this, "JobSweeper", {
      catalog,
      tables,
      queues,
      jobRetentionDays: config.jobRetentionDays,
      logRetention,
    });
    this.raceClock = new RaceClock(this, "RaceClock", {
      tables,
      queues,
      jobRetentionDays: config.jobRetentionDays,
      logRetention,
    });
    this.schedules = new PacerSchedules(this, "Schedules", {
      queues,
      freshnessMonitor: this.freshness.function,
      freshnessRate: FRESHNESS_MONITOR_PERIOD,
      jobSweeper: this.sweeper.function,
      sweepRate: JOB_SWEEP_PERIOD,
      raceClock: this.raceClock.function,
      raceClockRate: RACE_CLOCK_PERIOD,
    });
    this.workers.manageLiveWindows(this.schedules);

    this.restApi = new PacerRestApi(this, "RestApi", {
      authorizer,
      tables,
      queues,
      jobRetentionDays: config.jobRetentionDays,
      connections: {
        secretPrefix,
        fingerprintKey: props.fingerprintKey,
        scheduleGroupName: this.schedules.connectionsGroupName,
        scheduleTargetRole: this.schedules.connectionTargetRole,
        scheduleDeadLetterQueue: this.schedules.deadLetterQueue,
      },
      throttle: config.apiThrottle,
      apiGatewayAccount,
      webAclArn: config.webAclArn,
      logRetention,
    });

    this.observability = new PacerObservability(this, "Observability", {
      catalog,
      queues,
      otherDeadLetterQueues: [
        { label: "scheduler-deliveries-dlq", queue: this.schedules.deadLetterQueue },
        { label: "broadcaster-dlq", queue: this.webSocketApi.broadcastDeadLetterQueue },
      ],
      functions: [
        ...[...this.workers.functions].map(([provider, fn]) => ({
          label: `worker-${provider}`,
          function: fn,
        })),
        { label: "api", function: this.restApi.handler },
        { label: "authorizer", function: authorizer, failsByDesign: true },
        { label: "websocket", function: this.webSocketApi.handler },
        { label: "broadcaster", function: this.webSocketApi.broadcaster },
        { label: "freshness", function: this.freshness.function },
        { label: "sweeper", function: this.sweeper.function },
        { label: "race-clock", function: this.raceClock.function },
      ],
      freshnessMonitorPeriod: FRESHNESS_MONITOR_PERIOD,
      alarmEmail: config.alarmEmail,
    });

    new CfnOutput(this, "RestApiUrl", { value: this.restApi.api.url, description: "REST API base URL" });
    new CfnOutput(this, "WebSocketUrl", {
      value: this.webSocketApi.url,
      description: "WebSocket URL (add ?token=)",
    });
    new CfnOutput(this, "AlarmTopicArn", { value: this.observability.topic.topicArn });
  }
}
