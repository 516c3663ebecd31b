import {
  GetScheduleCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ValidationException,
} from "@aws-sdk/client-scheduler";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EventBridgeSchedules } from "#adapters/eventbridge-schedules.ts";
import type { ScheduleDef } from "#core/schedule-plan.ts";
import { type SchedulerService, startSchedulerService } from "../../../local/aws/scheduler-service.ts";
import { VirtualClock } from "../../../local/aws/virtual-clock.ts";
import { createLog } from "../../../local/log.ts";
import { eventually } from "../support/eventually.ts";

const GROUP = "pacer-connections";
const ROLE = "arn:aws:iam::000000000000:role/pacer-scheduler";
const DLQ = "arn:aws:sqs:us-east-1:000000000000:pacer-scheduler-dlq";
const CONNECTION = "c-00000000000000000001";
const queueArn = (provider: string, priority: string) =>
  `arn:aws:sqs:us-east-1:000000000000:pacer-${provider}-${priority}`;

const def = (syncType: string, expression: string): ScheduleDef => ({
  name: `${CONNECTION}.${syncType}`,
  expression,
  provider: "openf1",
  syncType,
  tenantId: "acme",
  connectionId: CONNECTION,
  priority: "normal",
  slots: 1,
  slotIntervalMs: 0,
});

interface Delivery {
  readonly arn: string;
  readonly message: { syncType: string; scheduledAt: string };
}

let service: SchedulerService;
let client: SchedulerClient;
let schedules: EventBridgeSchedules;
let delivered: Delivery[];

const deliveredFor = (syncType: string) => delivered.filter((d) => d.message.syncType === syncType);
const getSchedule = (name: string) => client.send(new GetScheduleCommand({ Name: name, GroupName: GROUP }));

beforeEach(async () => {
  delivered = [];
  service = await startSchedulerService({
    // A virtual minute every 100 ms of real time.
    clock: new VirtualClock(600),
    groups: [GROUP],
    deliver: async (arn, input) => {
      delivered.push({ arn, message: JSON.parse(input) });
    },
    log: createLog({ quiet: true }),
  });
  client = new SchedulerClient({
    endpoint: service.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  schedules = new EventBridgeSchedules({
    client,
    groupName: GROUP,
    roleArn: ROLE,
    deadLetterArn: DLQ,
    queueArn,
  });
});

afterEach(async () => {
  client.destroy();
  await service.stop();
});

describe("the Scheduler stand-in behind EventBridgeSchedules", () => {
  it("serves a put schedule back through GetSchedule as it was created", async () => {
    await schedules.put([def("sessions", "cron(0 3 * * ? *)")]);

    const schedule = await getSchedule(`${CONNECTION}.sessions`);

    expect(schedule).toMatchObject({
      Name: `${CONNECTION}.sessions`,
      GroupName: GROUP,
      Arn: `arn:aws:scheduler:us-east-1:000000000000:schedule/${GROUP}/${CONNECTION}.sessions`,
      ScheduleExpression: "cron(0 3 * * ? *)",
      ScheduleExpressionTimezone: "UTC",
      State: "ENABLED",
      FlexibleTimeWindow: { Mode: "OFF" },
      Target: {
        Arn: queueArn("openf1", "normal"),
        RoleArn: ROLE,
        DeadLetterConfig: { Arn: DLQ },
        RetryPolicy: { MaximumEventAgeInSeconds: 600, MaximumRetryAttempts: 5 },
      },
    });
    expect(JSON.parse(schedule.Target?.Input ?? "")).toMatchObject({
      connectionId: CONNECTION,
      scheduledAt: "<aws.scheduler.scheduled-time>",
    });
    expect(schedule.CreationDate).toBeInstanceOf(Date);
  });

  it("updates a schedule put twice, leaving one schedule with the second definition", async () => {
    await schedules.put([def("sessions", "rate(1 hour)")]);

    await schedules.put([def("sessions", "rate(2 hours)")]);

    const listed = await client.send(new ListSchedulesCommand({ GroupName: GROUP }));
    expect(listed.Schedules?.map((s) => s.Name)).toEqual([`${CONNECTION}.sessions`]);
    expect((await getSchedule(`${CONNECTION}.sessions`)).ScheduleExpression).toBe("rate(2 hours)");
  });

  it("fires a rate(1 minute) schedule on the virtual clock with the scheduled time filled in", async () => {
    await schedules.put([def("laps", "rate(1 minute)")]);

    const firings = await eventually(
      () => deliveredFor("laps"),
      (d) => d.length >= 2,
    );

    expect(firings.length).toBeGreaterThanOrEqual(2);
    expect(firings[0]?.arn).toBe(queueArn("openf1", "normal"));
    const [first, second] = firings.map((f) => f.message.scheduledAt);
    expect(first).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Date.parse(second ?? "") - Date.parse(first ?? "")).toBe(60_000);
  });

  it("stops firing a removed schedule, and GetSchedule no longer finds it", async () => {
    await schedules.put([def("laps", "rate(1 minute)"), def("weather", "rate(1 minute)")]);
    await eventually(
      () => deliveredFor("laps"),
      (d) => d.length >= 1,
    );

    await schedules.remove([`${CONNECTION}.laps`]);
    const lapsAtRemoval = deliveredFor("laps").length;
    const weatherAtRemoval = deliveredFor("weather").length;
    // Three more firings of the schedule that stays: three virtual minutes have passed.
    await eventually(
      () => deliveredFor("weather"),
      (d) => d.length >= weatherAtRemoval + 3,
    );

    expect(deliveredFor("weather").length).toBeGreaterThanOrEqual(weatherAtRemoval + 3);
    expect(deliveredFor("laps")).toHaveLength(lapsAtRemoval);
    await expect(getSchedule(`${CONNECTION}.laps`)).rejects.toBeInstanceOf(ResourceNotFoundException);
    expect(service.upcoming().map((u) => u.name)).toEqual([`${CONNECTION}.weather`]);
  });

  it("removing a schedule that does not exist is not an error", async () => {
    await expect(schedules.remove([`${CONNECTION}.never`])).resolves.toBeUndefined();
  });

  it("refuses an expression Scheduler cannot parse with a ValidationException", async () => {
    const attempt = schedules.put([def("laps", "rate(often)")]);

    await expect(attempt).rejects.toBeInstanceOf(ValidationException);
    await expect(attempt).rejects.toThrow(/rate\(often\)/);
    await expect(getSchedule(`${CONNECTION}.laps`)).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it("refuses a schedule name outside Scheduler's pattern with a ValidationException", async () => {
    const attempt = schedules.put([{ ...def("laps", "rate(1 minute)"), name: "acme/laps" }]);

    await expect(attempt).rejects.toBeInstanceOf(ValidationException);
  });

  it("refuses a schedule in a group that does not exist", async () => {
    const elsewhere = new EventBridgeSchedules({
      client,
      groupName: "no-such-group",
      roleArn: ROLE,
      queueArn,
    });

    await expect(elsewhere.put([def("laps", "rate(1 minute)")])).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });
});
