import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ListSchedulesCommand,
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

describe("EventBridgeSchedules with live windows and time zones", () => {
  it("gives a windowed schedule its StartDate and EndDate and has Scheduler delete it after", async () => {
    // Prepare
    const { client, sent } = stubClient();
    const window = { startAt: "2026-05-10T14:55:00.000Z", endAt: "2026-05-10T17:30:00.000Z" };

    // Act
    await schedules(client).put([
      def("weather", {
        name: `${CONNECTION}.weather.20260510T145500Z`,
        expression: "rate(1 minute)",
        window,
      }),
    ]);

    // Assess
    expect((sent[0] as CreateScheduleCommand).input).toMatchObject({
      Name: `${CONNECTION}.weather.20260510T145500Z`,
      ScheduleExpression: "rate(1 minute)",
      StartDate: new Date("2026-05-10T14:55:00Z"),
      EndDate: new Date("2026-05-10T17:30:00Z"),
      ActionAfterCompletion: "DELETE",
    });
  });

  it("keeps an around-the-clock schedule without dates, never deleted by Scheduler", async () => {
    const { client, sent } = stubClient();

    await schedules(client).put([def("sessions")]);

    const input = (sent[0] as CreateScheduleCommand).input;
    expect(input).not.toHaveProperty("StartDate");
    expect(input).not.toHaveProperty("EndDate");
    expect(input).not.toHaveProperty("ActionAfterCompletion");
  });

  it("reads the expression in the def's time zone, UTC when it names none", async () => {
    const { client, sent } = stubClient();
    const officeHours = def("sessions", {
      expression: "cron(0 9-17 ? * MON-FRI *)",
      timezone: "Europe/Amsterdam",
    });

    await schedules(client).put([officeHours, def("meetings")]);

    expect(sent.map((c) => (c as CreateScheduleCommand).input.ScheduleExpressionTimezone)).toEqual([
      "Europe/Amsterdam",
      "UTC",
    ]);
  });

  it("lists the names starting with a prefix in Pacer's group, over every page", async () => {
    // Prepare: two pages.
    const { client, sent } = stubClient((command: unknown) => {
      if (!(command instanceof ListSchedulesCommand)) return {};
      return command.input.NextToken === undefined
        ? { Schedules: [{ Name: `${CONNECTION}.weather.20260510T145500Z` }], NextToken: "page-2" }
        : { Schedules: [{ Name: `${CONNECTION}.race_control.20260510T145500Z` }] };
    });

    // Act
    const names = await schedules(client).names(`${CONNECTION}.`);

    // Assess
    expect(names).toEqual([
      `${CONNECTION}.weather.20260510T145500Z`,
      `${CONNECTION}.race_control.20260510T145500Z`,
    ]);
    expect(sent.map((c) => c.input)).toEqual([
      { GroupName: "pacer-connections", NamePrefix: `${CONNECTION}.` },
      { GroupName: "pacer-connections", NamePrefix: `${CONNECTION}.`, NextToken: "page-2" },
    ]);
  });
});
