import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { JobMessageInput } from "#core/job.ts";
import type { ScheduleDef } from "#core/schedule-plan.ts";
import { startScheduler } from "../../../../local/aws/scheduler.ts";
import { VirtualClock } from "../../../../local/aws/virtual-clock.ts";
import { createLog } from "../../../../local/log.ts";

const def = (name: string, expression: string): ScheduleDef => ({
  name,
  expression,
  provider: "openf1",
  syncType: name,
  tenantId: "default",
  priority: "normal",
  slots: 1,
  slotIntervalMs: 0,
});

let sent: { name: string; message: JobMessageInput }[];
const send = async (d: ScheduleDef, message: JobMessageInput) => {
  sent.push({ name: d.name, message });
};
const log = createLog({ quiet: true });

beforeEach(() => {
  vi.useFakeTimers({ now: new Date("2030-05-01T10:00:00Z") });
  sent = [];
});

afterEach(() => {
  vi.useRealTimers();
});

describe("startScheduler", () => {
  it("fires nothing at start-up, and a rate schedule one rate later", async () => {
    const scheduler = startScheduler({
      defs: [def("hourly", "rate(1 hour)")],
      clock: new VirtualClock(1),
      send,
      log,
    });

    await vi.advanceTimersByTimeAsync(59 * 60_000);
    expect(sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(60_000);

    expect(sent).toEqual([
      {
        name: "hourly",
        message: expect.objectContaining({
          source: "schedule",
          scheduledAt: "2030-05-01T11:00:00.000Z",
          slot: 0,
        }),
      },
    ]);
    scheduler.stop();
  });

  it("sends the same message body the deployed schedule does, with the firing's time", async () => {
    const scheduler = startScheduler({
      defs: [def("daily", "cron(15 0 * * ? *)")],
      clock: new VirtualClock(1),
      send,
      log,
    });

    await vi.advanceTimersByTimeAsync(14 * 3_600_000 + 15 * 60_000);

    expect(sent.map((s) => s.message)).toEqual([
      {
        tenantId: "default",
        provider: "openf1",
        syncType: "daily",
        priority: "normal",
        source: "schedule",
        scheduledAt: "2030-05-02T00:15:00.000Z",
        slot: 0,
      },
    ]);
    scheduler.stop();
  });

  it("runs the schedule clock speed times faster than real time", async () => {
    const scheduler = startScheduler({
      defs: [def("minutely", "rate(1 minute)")],
      clock: new VirtualClock(60, () => Date.now()),
      send,
      log,
    });

    await vi.advanceTimersByTimeAsync(10_000);

    expect(sent.map((s) => s.message.scheduledAt)).toEqual(
      Array.from({ length: 10 }, (_, i) =>
        new Date(Date.parse("2030-05-01T10:01:00Z") + i * 60_000).toISOString(),
      ),
    );
    scheduler.stop();
  });

  it("fires no more after stop()", async () => {
    const scheduler = startScheduler({
      defs: [def("minutely", "rate(1 minute)")],
      clock: new VirtualClock(1),
      send,
      log,
    });
    await vi.advanceTimersByTimeAsync(60_000);

    scheduler.stop();
    await vi.advanceTimersByTimeAsync(10 * 60_000);

    expect(sent).toHaveLength(1);
  });

  it("reports each schedule's next firing", () => {
    const scheduler = startScheduler({
      defs: [def("hourly", "rate(1 hour)")],
      clock: new VirtualClock(1),
      send,
      log,
    });

    expect(scheduler.upcoming()).toEqual([{ name: "hourly", at: "2030-05-01T11:00:00.000Z" }]);
    scheduler.stop();
  });
});
