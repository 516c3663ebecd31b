import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  type SchedulerClient,
  ThrottlingException,
  type UpdateScheduleCommand,
} from "@aws-sdk/client-scheduler";
import { describe, expect, it } from "vitest";
import { EventBridgeSchedules } from "#adapters/eventbridge-schedules.ts";
import type { ScheduleDef } from "#core/schedule-plan.ts";

const CONNECTION = "c-0123456789abcdef0123";
const ROLE = "arn:aws:iam::123456789012:role/pacer-scheduler";
const DLQ = "arn:aws:sqs:eu-west-1:123456789012:pacer-scheduler-dlq";

const def = (syncType: string, overrides: Partial<ScheduleDef> = {}): ScheduleDef => ({
  name: `${CONNECTION}.${syncType}`,
  expression: "rate(5 minutes)",
  provider: "openf1",
  syncType,
  tenantId: "acme",
  connectionId: CONNECTION,
  priority: "normal",
  slots: 1,
  slotIntervalMs: 0,
  ...overrides,
});

type Sent = CreateScheduleCommand | UpdateScheduleCommand | DeleteScheduleCommand;

/** A SchedulerClient whose `send` records each command and answers with `reply` (a throw is the service's error). */
function stubClient(reply: (command: Sent) => unknown = () => ({})) {
  const sent: Sent[] = [];
  const client = {
    send: async (command: Sent) => {
      sent.push(command);
      return reply(command);
    },
  } as unknown as SchedulerClient;
  return { client, sent };
}

const schedules = (client: SchedulerClient, deadLetterArn?: string) =>
  new EventBridgeSchedules({
    client,
    groupName: "pacer-connections",
    roleArn: ROLE,
    deadLetterArn,
    queueArn: (provider, priority) => `arn:aws:sqs:eu-west-1:123456789012:pacer-${provider}-${priority}`,
  });

const notFound = () =>
  new ResourceNotFoundException({
    message: "Schedule x does not exist.",
    Message: "Schedule x does not exist.",
    $metadata: {},
  });

describe("EventBridgeSchedules.put", () => {
  it("creates an on-time UTC schedule that sends the job message to the queue of its priority", async () => {
    const { client, sent } = stubClient();

    await schedules(client, DLQ).put([def("sessions", { priority: "low", expression: "cron(0 3 * * ? *)" })]);

    expect(sent).toHaveLength(1);
    const command = sent[0];
    expect(command).toBeInstanceOf(CreateScheduleCommand);
    expect(command?.input).toEqual({
      Name: `${CONNECTION}.sessions`,
      GroupName: "pacer-connections",
      ScheduleExpression: "cron(0 3 * * ? *)",
      ScheduleExpressionTimezone: "UTC",
      FlexibleTimeWindow: { Mode: "OFF" },
      State: "ENABLED",
      Description: expect.stringMatching(/openf1\/sessions.*tenant acme/),
      Target: {
        Arn: "arn:aws:sqs:eu-west-1:123456789012:pacer-openf1-low",
        RoleArn: ROLE,
        Input: expect.any(String),
        RetryPolicy: { MaximumEventAgeInSeconds: 600, MaximumRetryAttempts: 5 },
        DeadLetterConfig: { Arn: DLQ },
      },
    });
    const input = (command as CreateScheduleCommand).input.Target?.Input ?? "";
    expect(JSON.parse(input)).toEqual({
      tenantId: "acme",
      connectionId: CONNECTION,
      provider: "openf1",
      syncType: "sessions",
      priority: "low",
      source: "schedule",
      scheduledAt: "<aws.scheduler.scheduled-time>",
      slot: 0,
    });
  });

  it("leaves the dead-letter config out when none is given", async () => {
    const { client, sent } = stubClient();

    await schedules(client).put([def("sessions")]);

    expect((sent[0] as CreateScheduleCommand).input.Target).not.toHaveProperty("DeadLetterConfig");
  });

  it("updates a schedule that already exists with the same input", async () => {
    const { client, sent } = stubClient((command) => {
      if (command instanceof CreateScheduleCommand)
        throw new ConflictException({
          message: "Schedule already exists.",
          Message: "Schedule already exists.",
          $metadata: {},
        });
      return {};
    });

    await schedules(client).put([def("sessions")]);

    expect(sent.map((c) => c.constructor.name)).toEqual(["CreateScheduleCommand", "UpdateScheduleCommand"]);
    expect(sent[1]?.input).toEqual(sent[0]?.input);
  });

  it("propagates any other error, without starting more schedules after it", async () => {
    const { client, sent } = stubClient(() => {
      throw new ThrottlingException({ message: "Rate exceeded", Message: "Rate exceeded", $metadata: {} });
    });
    const defs = Array.from({ length: 10 }, (_, i) => def(`type${i}`));

    await expect(schedules(client).put(defs)).rejects.toBeInstanceOf(ThrottlingException);
    expect(sent.length).toBeLessThan(defs.length);
  });

  it("has at most four calls in flight at once", async () => {
    let inFlight = 0;
    let most = 0;
    const { client } = stubClient(async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return {};
    });

    await schedules(client).put(Array.from({ length: 12 }, (_, i) => def(`type${i}`)));

    expect(most).toBe(4);
  });
});

describe("EventBridgeSchedules.remove", () => {
  it("deletes each schedule from Pacer's group", async () => {
    const { client, sent } = stubClient();

    await schedules(client).remove([`${CONNECTION}.sessions`, `${CONNECTION}.laps`]);

    expect(sent.every((c) => c instanceof DeleteScheduleCommand)).toBe(true);
    expect(sent.map((c) => c.input)).toEqual([
      { Name: `${CONNECTION}.sessions`, GroupName: "pacer-connections" },
      { Name: `${CONNECTION}.laps`, GroupName: "pacer-connections" },
    ]);
  });

  it("ignores a schedule that is already gone", async () => {
    const { client, sent } = stubClient((command) => {
      if (command.input.Name === `${CONNECTION}.gone`) throw notFound();
      return {};
    });

    await expect(
      schedules(client).remove([`${CONNECTION}.gone`, `${CONNECTION}.laps`]),
    ).resolves.toBeUndefined();
    expect(sent).toHaveLength(2);
  });

  it("propagates any other error", async () => {
    const { client } = stubClient(() => {
      throw new Error("socket hang up");
    });

    await expect(schedules(client).remove([`${CONNECTION}.laps`])).rejects.toThrow("socket hang up");
  });
});
