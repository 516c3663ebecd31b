import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { JobMessageInput } from "#core/job.ts";
import type { ScheduleDef } from "#core/schedule-plan.ts";
import { parseScheduleExpression } from "../../../../local/aws/schedule-expression.ts";
import { ScheduleTimers, startScheduler } from "../../../../local/aws/scheduler.ts";
import { VirtualClock } from "../../../../local/aws/virtual-clock.ts";
import { createLog } from "../../../../local/log.ts";

const def = (name: string, expression: string): ScheduleDef => ({
  name,
  expression,
  provider: "openf1",
  syncType: name,
  tenantId: "default",
  connectionId: "c-0123456789abcdef0123",
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
        connectionId: "c-0123456789abcdef0123",
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

describe("ScheduleTimers", () => {
  const START = Date.parse("2030-05-01T10:00:00Z");
  const minutely = () => parseScheduleExpression("rate(1 minute)", START);
  const hourly = () => parseScheduleExpression("rate(1 hour)", START);

  it("fires a schedule set at run time from its next occurrence on", async () => {
    const timers = new ScheduleTimers(new VirtualClock(1), log);
    const fired: string[] = [];
    await vi.advanceTimersByTimeAsync(30_000);

    timers.set("late", minutely(), async (at) => {
      fired.push(new Date(at).toISOString());
    });
    await vi.advanceTimersByTimeAsync(2 * 60_000);

    expect(fired).toEqual(["2030-05-01T10:01:00.000Z", "2030-05-01T10:02:00.000Z"]);
    timers.stop();
  });

  it("replacing a schedule cancels its old timer and keeps its place", async () => {
    const timers = new ScheduleTimers(new VirtualClock(1), log);
    const fired: string[] = [];
    timers.set("a", minutely(), async () => {
      fired.push("old");
    });
    timers.set("b", hourly(), async () => {});

    timers.set("a", hourly(), async () => {
      fired.push("new");
    });
    await vi.advanceTimersByTimeAsync(60 * 60_000);

    expect(fired).toEqual(["new"]);
    expect(timers.upcoming().map((u) => u.name)).toEqual(["a", "b"]);
    timers.stop();
  });

  it("a firing in flight when its schedule is replaced does not re-arm the old schedule", async () => {
    const timers = new ScheduleTimers(new VirtualClock(1), log);
    const fired: string[] = [];
    let release = () => {};
    timers.set("a", minutely(), async () => {
      fired.push("old");
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    await vi.advanceTimersByTimeAsync(60_000);

    timers.set("a", hourly(), async () => {
      fired.push("new");
    });
    release();
    await vi.advanceTimersByTimeAsync(10 * 60_000);

    expect(fired).toEqual(["old"]);
    expect(timers.upcoming()).toEqual([{ name: "a", at: "2030-05-01T11:00:00.000Z" }]);
    timers.stop();
  });

  it("a deleted schedule fires no more and is no longer listed", async () => {
    const timers = new ScheduleTimers(new VirtualClock(1), log);
    let fired = 0;
    timers.set("a", minutely(), async () => {
      fired++;
    });
    await vi.advanceTimersByTimeAsync(60_000);

    expect(timers.delete("a")).toBe(true);
    await vi.advanceTimersByTimeAsync(10 * 60_000);

    expect(fired).toBe(1);
    expect(timers.upcoming()).toEqual([]);
    expect(timers.delete("a")).toBe(false);
  });

  it("a failing firing is logged and the schedule keeps firing", async () => {
    const warnings: string[] = [];
    const timers = new ScheduleTimers(new VirtualClock(1), { ...log, warn: (m) => warnings.push(m) });
    let calls = 0;
    timers.set("flaky", minutely(), async () => {
      calls++;
      throw new Error("queue unavailable");
    });

    await vi.advanceTimersByTimeAsync(2 * 60_000);

    expect(calls).toBe(2);
    expect(warnings).toHaveLength(2);
    timers.stop();
  });
});
