import { Aws, type CfnElement, Duration, Stack, Validations } from "aws-cdk-lib";
import { PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import {
  Schedule,
  ScheduleExpression,
  ScheduleGroup,
  ScheduleTargetInput,
  TimeWindow,
} from "aws-cdk-lib/aws-scheduler";
import { LambdaInvoke, type ScheduleTargetBaseProps } from "aws-cdk-lib/aws-scheduler-targets";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { ENV } from "#core/env.ts";
import { groupSchedulesArn } from "./connection-access.ts";
import type { PacerFunction } from "./pacer-function.ts";
import type { PacerQueues } from "./queues.ts";

export interface PacerSchedulesProps {
  /** Connections' schedules send to these (every provider, every priority). */
  readonly queues: PacerQueues;
  /** Invoked on `freshnessRate`. */
  readonly freshnessMonitor: IFunction;
  readonly freshnessRate: Duration;
  /** Invoked on `sweepRate`: re-sends lost jobs' messages. */
  readonly jobSweeper: IFunction;
  readonly sweepRate: Duration;
  /** Invoked on `raceClockRate`: queues the results pulls of running race events. */
  readonly raceClock: IFunction;
  readonly raceClockRate: Duration;
  /**
   * The group of Pacer's own fixed schedules (freshness monitor, job sweep, race clock).
   * @default "pacer"
   */
  readonly groupName?: string;
  /**
   * The group the REST API creates connections' sync schedules in at run time; it may touch no
   * other group.
   * @default "pacer-connections"
   */
  readonly connectionsGroupName?: string;
  /**
   * How long Scheduler keeps retrying a delivery that failed (SQS or Lambda unavailable) before
   * it goes to the DLQ. A slot delivered much later than its time is a stale job anyway.
   * @default Duration.minutes(10)
   */
  readonly maxEventAge?: Duration;
  /** @default 5 */
  readonly retryAttempts?: number;
}

/**
 * EventBridge Scheduler: Pacer's own schedules (the freshness monitor, the lost-job sweep and the
 * race clock) in
 * one group, and the group, target role and delivery DLQ that connections' sync schedules use.
 * Those are created and removed at run time with their connections (functions/adapters/
 * eventbridge-schedules.ts), never by a deploy; so are the live windows' (OpenF1's real-time
 * tier), which the workers put after each calendar sync and Scheduler deletes after each window.
 */
export class PacerSchedules extends Construct {
  public readonly group: ScheduleGroup;
  /**
   * Where connections' schedules live; the REST API (and, for live windows, the workers granted
   * `grantWindowSchedules`) may create and delete schedules here only.
   */
  public readonly connectionsGroup: ScheduleGroup;
  /** Its name, known at synth (IAM resources and the API's env name it, not a token). */
  public readonly connectionsGroupName: string;
  /** The role Scheduler assumes to deliver a connection schedule's job message to its queue. */
  public readonly connectionTargetRole: Role;
  /** Deliveries that exhausted their retries, of every schedule. */
  public readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: PacerSchedulesProps) {
    super(scope, id);
    this.group = new ScheduleGroup(this, "Group", { scheduleGroupName: props.groupName ?? "pacer" });
    this.connectionsGroupName = props.connectionsGroupName ?? "pacer-connections";
    this.connectionsGroup = new ScheduleGroup(this, "ConnectionsGroup", {
      scheduleGroupName: this.connectionsGroupName,
    });
    this.deadLetterQueue = new Queue(this, "DeliveryDlq", {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: "AwsSolutions-SQS3",
      reason:
        "This queue is itself a DLQ: Scheduler's dead-letter target for deliveries that exhausted their retries.",
    });

    this.connectionTargetRole = new Role(this, "ConnectionTargetRole", {
      assumedBy: schedulerPrincipal(),
      description: "Lets connections' schedules send job messages to Pacer's job queues",
    });
    // Any connection may schedule any provider at any priority; DLQs are the workers' alone.
    props.queues.grantSend(this.connectionTargetRole, props.queues.providers, { deadLetter: false });
    this.deadLetterQueue.grantSendMessages(this.connectionTargetRole);

    // One role for the fixed targets; each adds only its own function and the DLQ.
    const role = new Role(this, "TargetRole", {
      assumedBy: schedulerPrincipal(),
      description: "Lets Pacer's schedules run the freshness monitor, the lost-job sweep and the race clock",
    });
    const delivery = {
      role,
      deadLetterQueue: this.deadLetterQueue,
      maxEventAge: props.maxEventAge ?? Duration.minutes(10),
      retryAttempts: props.retryAttempts ?? 5,
    };

    this.everyRate(
      "FreshnessMonitor",
      "pacer-freshness-monitor",
      props.freshnessMonitor,
      props.freshnessRate,
      {
        delivery,
        description: "Pacer: reports FreshnessSeconds per scheduled sync type",
      },
    );
    this.everyRate("JobSweeper", "pacer-job-sweeper", props.jobSweeper, props.sweepRate, {
      delivery,
      description: "Pacer: sends again the messages of jobs that lost theirs",
    });
    this.everyRate("RaceClock", "pacer-race-clock", props.raceClock, props.raceClockRate, {
      delivery,
      description: "Pacer: queues the results pulls of running race events",
    });
  }

  /**
   * Lets `fn` (the worker of a provider with windowed sync types) keep its connections' live-window
   * schedules in the connections group: create, update and delete them there, list the group's
   * names (ListSchedules has no resource-level permissions), and hand Scheduler the connections'
   * target role only. Its environment names the group, the role and the delivery DLQ.
   */
  grantWindowSchedules(fn: PacerFunction): void {
    fn.addEnvironment(ENV.scheduleGroup, this.connectionsGroupName);
    fn.addEnvironment(ENV.schedulerRoleArn, this.connectionTargetRole.roleArn);
    fn.addEnvironment(ENV.scheduleDlqArn, this.deadLetterQueue.queueArn);
    const schedules = groupSchedulesArn(fn, this.connectionsGroupName);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ["scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule"],
        resources: [schedules],
      }),
    );
    fn.addToRolePolicy(new PolicyStatement({ actions: ["scheduler:ListSchedules"], resources: ["*"] }));
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ["iam:PassRole"],
        resources: [this.connectionTargetRole.roleArn],
        conditions: { StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" } },
      }),
    );
    Validations.of(fn.executionRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagSpelling(Stack.of(fn).resolve(schedules))}]`,
      reason: `Live-window schedules are named at run time (<connectionId>.<syncType>.<windowStart>): the wildcard covers only the schedules of Pacer's own group "${this.connectionsGroupName}", no other group's.`,
    });
    Validations.of(fn.executionRole).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "Besides X-Ray, the worker lists its connections' live-window schedules with scheduler:ListSchedules, which supports no resource-level permissions (it reveals names, never inputs); every write is scoped to the connections group.",
    });
  }

  /** A schedule invoking a function on a rate, with the shared role and DLQ. */
  private everyRate(
    id: string,
    name: string,
    fn: IFunction,
    rate: Duration,
    options: { delivery: ScheduleTargetBaseProps & { role: Role }; description: string },
  ): void {
    this.inGroup(
      new Schedule(this, id, {
        scheduleName: name,
        scheduleGroup: this.group,
        description: options.description,
        schedule: ScheduleExpression.rate(rate),
        timeWindow: TimeWindow.off(),
        target: new LambdaInvoke(fn, { ...options.delivery, input: ScheduleTargetInput.fromObject({}) }),
      }),
    );
    const logicalId = Stack.of(this).getLogicalId(fn.node.defaultChild as CfnElement);
    Validations.of(options.delivery.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
      reason: `The Scheduler Lambda target grants invoke on ${id}'s versions and aliases (<arn>:*); it is still this one function.`,
    });
  }

  /** The group is named, not referenced, in each schedule: without this CloudFormation may race it. */
  private inGroup(schedule: Schedule): Schedule {
    schedule.node.addDependency(this.group);
    return schedule;
  }
}

/** cdk-nag's spelling of a resolved ARN: strings as they are, `Ref`s as `<Name>`, joins joined. */
function nagSpelling(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "object" && value !== null && "Ref" in value)
    return `<${String((value as { Ref: string }).Ref)}>`;
  if (typeof value === "object" && value !== null && "Fn::Join" in value) {
    const [separator, parts] = (value as { "Fn::Join": [string, unknown[]] })["Fn::Join"];
    return parts.map(nagSpelling).join(separator);
  }
  throw new Error(`cannot name ${JSON.stringify(value)} for cdk-nag`);
}

/** Scheduler, and only on behalf of this account's schedules (no confused deputy). */
function schedulerPrincipal(): ServicePrincipal {
  return new ServicePrincipal("scheduler.amazonaws.com", {
    conditions: { StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID } },
  });
}
