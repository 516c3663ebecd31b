import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  ListSchedulesCommand,
  type SchedulerClient,
  UpdateScheduleCommand,
} from "@aws-sdk/client-scheduler";
import type { Priority } from "#catalog/types.ts";
import type { WindowSchedules } from "#core/live-windows.ts";
import { SCHEDULED_TIME_PLACEHOLDER, type ScheduleDef, scheduleMessage } from "#core/schedule-plan.ts";

export interface EventBridgeSchedulesOptions {
  /** Its own retries (throttling, 5xx) are the only ones: an error that outlasts them propagates. */
  readonly client: SchedulerClient;
  /** Pacer's group for connection schedules (it must exist). */
  readonly groupName: string;
  /** The role Scheduler assumes to send to the queues (and the DLQ). */
  readonly roleArn: string;
  /** Where deliveries that exhausted their retries go. @default none */
  readonly deadLetterArn?: string;
  /** The ARN of a provider's queue of a priority. */
  readonly queueArn: (provider: string, priority: Priority) => string;
  /** Scheduler calls in flight at once; Scheduler's API quotas are per second. @default 4 */
  readonly concurrency?: number;
}

/** What a handler's environment says of Pacer's schedules (the API's and the live-window workers'). */
export interface ScheduleTargets {
  readonly groupName: string;
  readonly roleArn: string;
  readonly deadLetterArn?: string | undefined;
  /** `PACER_QUEUES`: each provider's queue ARN by priority. */
  readonly queues: Readonly<Record<string, Readonly<Partial<Record<Priority, { readonly arn: string }>>>>>;
}

/** Connections' schedules sending to the queues the environment names. */
export function schedulesFor(client: SchedulerClient, targets: ScheduleTargets): EventBridgeSchedules {
  return new EventBridgeSchedules({
    client,
    groupName: targets.groupName,
    roleArn: targets.roleArn,
    ...(targets.deadLetterArn === undefined ? {} : { deadLetterArn: targets.deadLetterArn }),
    queueArn: (provider, priority) => {
      const arn = targets.queues[provider]?.[priority]?.arn;
      if (arn === undefined) throw new Error(`no ${priority} queue for ${provider} in PACER_QUEUES`);
      return arn;
    },
  });
}

/** Like the deployed static schedules (lib/constructs/schedules.ts): a slot delivered much later is stale. */
const RETRY_POLICY = { MaximumEventAgeInSeconds: 600, MaximumRetryAttempts: 5 } as const;

/**
 * Connections' schedules in EventBridge Scheduler (locally, its stand-in in
 * local/aws/scheduler-service.ts): one schedule per ScheduleDef, sending the job message to the
 * queue of its provider and priority at each occurrence, on time (no flexible window: the slots
 * of a sub-minute cadence are timed to the firing). Putting a schedule that exists updates it,
 * so put is idempotent; removing one that does not exist is not an error. A windowed def (a live
 * window's) fires only between its StartDate and EndDate, and Scheduler deletes it after.
 */
export class EventBridgeSchedules implements WindowSchedules {
  readonly #options: EventBridgeSchedulesOptions;

  constructor(options: EventBridgeSchedulesOptions) {
    this.#options = options;
  }

  async put(defs: readonly ScheduleDef[]): Promise<void> {
    await forEachLimited(defs, this.#concurrency, async (def) => {
      const input = this.scheduleInput(def);
      try {
        await this.#options.client.send(new CreateScheduleCommand(input));
      } catch (error) {
        if (!isNamed(error, "ConflictException")) throw error;
        await this.#options.client.send(new UpdateScheduleCommand(input));
      }
    });
  }

  async remove(names: readonly string[]): Promise<void> {
    await forEachLimited(names, this.#concurrency, async (name) => {
      try {
        await this.#options.client.send(
          new DeleteScheduleCommand({ Name: name, GroupName: this.#options.groupName }),
        );
      } catch (error) {
        if (!isNamed(error, "ResourceNotFoundException")) throw error;
      }
    });
  }

  async names(prefix: string): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.#options.client.send(
        new ListSchedulesCommand({
          GroupName: this.#options.groupName,
          NamePrefix: prefix,
          ...(token === undefined ? {} : { NextToken: token }),
        }),
      );
      for (const schedule of page.Schedules ?? []) if (schedule.Name) names.push(schedule.Name);
      token = page.NextToken;
    } while (token);
    return names;
  }

  /** What CreateSchedule (and UpdateSchedule, which replaces every field) carries for `def`. */
  scheduleInput(def: ScheduleDef): CreateScheduleCommandInput {
    const { groupName, roleArn, deadLetterArn, queueArn } = this.#options;
    return {
      Name: def.name,
      GroupName: groupName,
      ScheduleExpression: def.expression,
      // Office hours: the def's cron reads in its zone; everything else in UTC.
      ScheduleExpressionTimezone: def.timezone ?? "UTC",
      ...(def.window === undefined
        ? {}
        : {
            StartDate: new Date(def.window.startAt),
            EndDate: new Date(def.window.endAt),
            ActionAfterCompletion: "DELETE",
          }),
      FlexibleTimeWindow: { Mode: "OFF" },
      State: "ENABLED",
      Description: `Pacer: ${def.provider}/${def.syncType} for tenant ${def.tenantId}, connection ${def.connectionId} (${def.priority})`,
      Target: {
        Arn: queueArn(def.provider, def.priority),
        RoleArn: roleArn,
        Input: JSON.stringify(scheduleMessage(def, SCHEDULED_TIME_PLACEHOLDER)),
        RetryPolicy: RETRY_POLICY,
        ...(deadLetterArn === undefined ? {} : { DeadLetterConfig: { Arn: deadLetterArn } }),
      },
    };
  }

  get #concurrency(): number {
    return Math.max(1, this.#options.concurrency ?? 4);
  }
}

/** SDK errors by name: robust to two copies of the client package, and to test doubles. */
function isNamed(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}

/**
 * Runs `task` over `items`, at most `limit` at once. After a failure no new task starts; the
 * first error is thrown once those in flight have settled, so none is left running unseen.
 */
async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await task(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
}
