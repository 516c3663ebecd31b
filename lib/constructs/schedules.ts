import { Aws, type CfnElement, Duration, Stack, Validations } from "aws-cdk-lib";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import {
  Schedule,
  ScheduleExpression,
  ScheduleGroup,
  ScheduleTargetInput,
  TimeWindow,
} from "aws-cdk-lib/aws-scheduler";
import {
  LambdaInvoke,
  type ScheduleTargetBaseProps,
  SqsSendMessage,
} from "aws-cdk-lib/aws-scheduler-targets";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { SCHEDULED_TIME_PLACEHOLDER, type ScheduleDef, scheduleMessage } from "#core/schedule-plan.ts";
import type { PacerQueues } from "./queues.ts";

export interface PacerSchedulesProps {
  /** From `schedulePlan(catalog, scheduledTenants)`. */
  readonly plan: readonly ScheduleDef[];
  readonly queues: PacerQueues;
  /** Invoked on `freshnessRate`. */
  readonly freshnessMonitor: IFunction;
  readonly freshnessRate: Duration;
  /** Invoked on `sweepRate`: re-sends lost jobs' messages. */
  readonly jobSweeper: IFunction;
  readonly sweepRate: Duration;
  /**
   * @default "pacer"
   */
  readonly groupName?: string;
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
 * EventBridge Scheduler: one schedule per ScheduleDef sending the job message to the queue of its
 * priority, one running the freshness monitor and one the lost-job sweep. Deliveries that still
 * fail go to a DLQ.
 */
export class PacerSchedules extends Construct {
  public readonly group: ScheduleGroup;
  public readonly deadLetterQueue: Queue;
  /** The sync schedules, by ScheduleDef name. */
  public readonly schedules: ReadonlyMap<string, Schedule>;

  constructor(scope: Construct, id: string, props: PacerSchedulesProps) {
    super(scope, id);
    this.group = new ScheduleGroup(this, "Group", { scheduleGroupName: props.groupName ?? "pacer" });
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

    // One role for every target; each target adds only its own queue (or function) and the DLQ.
    const role = new Role(this, "TargetRole", {
      assumedBy: new ServicePrincipal("scheduler.amazonaws.com", {
        conditions: { StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID } },
      }),
      description: "Lets Pacer's schedules send job messages and run the freshness monitor",
    });
    const delivery = {
      role,
      deadLetterQueue: this.deadLetterQueue,
      maxEventAge: props.maxEventAge ?? Duration.minutes(10),
      retryAttempts: props.retryAttempts ?? 5,
    };

    const schedules = new Map<string, Schedule>();
    for (const def of props.plan) {
      const queue = props.queues.forProvider(def.provider)[def.priority].queue;
      schedules.set(
        def.name,
        this.inGroup(
          new Schedule(this, def.name, {
            scheduleName: def.name,
            scheduleGroup: this.group,
            description: `Pacer: ${def.provider}/${def.syncType} for tenant ${def.tenantId} (${def.priority})`,
            schedule: ScheduleExpression.expression(def.expression),
            // Slots are timed to the firing; a flexible window would smear them.
            timeWindow: TimeWindow.off(),
            target: new SqsSendMessage(queue, {
              ...delivery,
              input: ScheduleTargetInput.fromText(
                JSON.stringify(scheduleMessage(def, SCHEDULED_TIME_PLACEHOLDER)),
              ),
            }),
          }),
        ),
      );
    }
    this.schedules = schedules;

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
