import {
  CreateScheduleCommand,
  GetScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ValidationException,
} from "@aws-sdk/client-scheduler";
import { afterEach, describe, expect, it } from "vitest";
import { EventBridgeSchedules } from "#adapters/eventbridge-schedules.ts";
import type { ScheduleDef } from "#core/schedule-plan.ts";
import { type SchedulerService, startSchedulerService } from "../../../local/aws/scheduler-service.ts";
import { VirtualClock } from "../../../local/aws/virtual-clock.ts";
import { createLog } from "../../../local/log.ts";
import { eventually } from "../support/eventually.ts";

/**
 * The Scheduler stand-in honours what live windows rely on: StartDate, EndDate,
 * `ActionAfterCompletion: DELETE`, one-time `at()` expressions and time zones.
 */

const GROUP = "pacer-connections";
const ROLE = "arn:aws:iam::000000000000:role/pacer-scheduler";
const QUEUE = "arn:aws:sqs:us-east-1:000000000000:pacer-openf1-normal";
const CONNECTION = "c-00000000000000000001";
const MINUTE = 60_000;

interface Delivery {
  readonly name: string;
  readonly scheduledAtMs: number;
}

let service: SchedulerService | undefined;
let client: SchedulerClient | undefined;

afterEach(async () => {
  client?.destroy();
  await service?.stop();
  service = undefined;
  client = undefined;
});

/** A stand-in on `clock`, its SDK client, the adapter over it and what it delivered. */
async function standIn(clock: VirtualClock) {
  const delivered: Delivery[] = [];
  service = await startSchedulerService({
    clock,
    groups: [GROUP],
    deliver: async (_arn, input) => {
      const message = JSON.parse(input) as { syncType: string; scheduledAt: string };
      delivered.push({ name: message.syncType, scheduledAtMs: Date.parse(message.scheduledAt) });
    },
    log: createLog({ quiet: true }),
  });
  client = new SchedulerClient({
    endpoint: service.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  const schedules = new EventBridgeSchedules({
    client,
    groupName: GROUP,
    roleArn: ROLE,
    queueArn: () => QUEUE,
  });
  return { service, client, schedules, delivered };
}

const windowDef = (syncType: string, startMs: number, endMs: number): ScheduleDef => ({
  name: `${CONNECTION}.${syncType}.w${startMs}`,
  expression: "rate(1 minute)",
  provider: "openf1",
  syncType,
  tenantId: "acme",
  connectionId: CONNECTION,
  priority: "normal",
  slots: 1,
  slotIntervalMs: 0,
  window: { startAt: new Date(startMs).toISOString(), endAt: new Date(endMs).toISOString() },
});

describe("the Scheduler stand-in's windows", () => {
  it("fires a windowed schedule only between its StartDate and EndDate, then deletes it", async () => {
    // Prepare: a virtual minute every 100 ms; a window opening in 3 minutes for 3 minutes.
    const clock = new VirtualClock(600);
    const { client, schedules, delivered } = await standIn(clock);
    const startMs = Math.ceil(clock.now() / 1000) * 1000 + 3 * MINUTE;
    const endMs = startMs + 3 * MINUTE;
    const def = windowDef("weather", startMs, endMs);

    // Act
    await schedules.put([def]);
    const stored = await client.send(new GetScheduleCommand({ Name: def.name, GroupName: GROUP }));
    await eventually(
      () =>
        client.send(new GetScheduleCommand({ Name: def.name, GroupName: GROUP })).then(
          () => false,
          (e) => e,
        ),
      (error) => error instanceof ResourceNotFoundException,
    );

    // Assess: stored with its dates; fired at each minute strictly inside the window, and gone
    // after the last of them (as Scheduler deletes a schedule after its last invocation).
    expect(stored).toMatchObject({
      StartDate: new Date(startMs),
      EndDate: new Date(endMs),
      ActionAfterCompletion: "DELETE",
    });
    expect(delivered.map((d) => d.scheduledAtMs - startMs)).toEqual([MINUTE, 2 * MINUTE]);
  });

  it("fires nothing before a window opens, and says when it will", async () => {
    // Prepare
    const clock = new VirtualClock(600);
    const { service, schedules, delivered } = await standIn(clock);
    const startMs = Math.ceil(clock.now() / 1000) * 1000 + 60 * MINUTE;

    // Act: about 5 virtual minutes pass after the put.
    await schedules.put([windowDef("race_control", startMs, startMs + 2 * 60 * MINUTE)]);
    const putAt = clock.now();
    await eventually(
      () => clock.now(),
      (now) => now >= putAt + 5 * MINUTE,
    );

    // Assess
    expect(delivered).toEqual([]);
    expect(service.upcoming().map((u) => u.at)).toEqual([new Date(startMs + MINUTE).toISOString()]);
  });

  it("fires a one-time at() schedule once, read in its time zone, and deletes it after", async () => {
    // Prepare: two virtual minutes from now, written as Tokyo's wall-clock time (UTC+9, no DST).
    const clock = new VirtualClock(600);
    const { client, delivered } = await standIn(clock);
    const fireMs = Math.ceil(clock.now() / MINUTE) * MINUTE + 2 * MINUTE;
    const tokyo = new Date(fireMs + 9 * 60 * MINUTE).toISOString().slice(0, 19);

    // Act
    await client.send(
      new CreateScheduleCommand({
        Name: `${CONNECTION}.once`,
        GroupName: GROUP,
        ScheduleExpression: `at(${tokyo})`,
        ScheduleExpressionTimezone: "Asia/Tokyo",
        FlexibleTimeWindow: { Mode: "OFF" },
        ActionAfterCompletion: "DELETE",
        Target: {
          Arn: QUEUE,
          RoleArn: ROLE,
          Input: JSON.stringify({ syncType: "once", scheduledAt: "<aws.scheduler.scheduled-time>" }),
        },
      }),
    );
    await eventually(
      () =>
        client.send(new GetScheduleCommand({ Name: `${CONNECTION}.once`, GroupName: GROUP })).then(
          () => false,
          (e) => e,
        ),
      (error) => error instanceof ResourceNotFoundException,
    );

    // Assess
    expect(delivered).toEqual([{ name: "once", scheduledAtMs: fireMs }]);
  });

  it("refuses a recurring schedule whose StartDate is more than 5 minutes past, as Scheduler does", async () => {
    // Prepare: the real-time clock, which the handlers share.
    const clock = new VirtualClock(1);
    const { schedules } = await standIn(clock);
    const startMs = clock.now() - 10 * MINUTE;

    // Act
    const attempt = schedules.put([windowDef("weather", startMs, startMs + 60 * MINUTE)]);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ValidationException);
    await expect(attempt).rejects.toThrow(/5 minutes/);
  });
});
