import { describe, expect, it } from "vitest";
import { parseScheduleExpression } from "../../../local/aws/schedule-expression.ts";
import { ScheduleTimers } from "../../../local/aws/scheduler.ts";
import { VirtualClock } from "../../../local/aws/virtual-clock.ts";
import { createLog } from "../../../local/log.ts";

const log = createLog({ quiet: true });
const START = Date.UTC(2030, 4, 1, 10);
const MINUTE = 60_000;

describe("a driven clock's schedules", () => {
  it("arm no timer: they say when they are next due, and fire only when told", async () => {
    // Prepare: two rate schedules on a driven clock.
    const clock = VirtualClock.driven();
    const timers = new ScheduleTimers(clock, log);
    const fired: string[] = [];
    timers.set(
      "every-5",
      parseScheduleExpression("rate(5 minutes)", START),
      async (at) => {
        fired.push(`5@${(at - START) / MINUTE}`);
      },
      START,
    );
    timers.set(
      "every-3",
      parseScheduleExpression("rate(3 minutes)", START),
      async (at) => {
        fired.push(`3@${(at - START) / MINUTE}`);
      },
      START,
    );

    // Act
    const next = clock.nextOccurrence();
    const none = await clock.fireDue(START + 2 * MINUTE);
    const due = await clock.fireDue(START + 6 * MINUTE);

    // Assess: in time order, each occurrence once, the next one armed.
    expect(next).toBe(START + 3 * MINUTE);
    expect(none).toBe(0);
    expect(due).toBe(3);
    expect(fired).toEqual(["3@3", "5@5", "3@6"]);
    expect(clock.nextOccurrence()).toBe(START + 9 * MINUTE);
    timers.stop();
  });

  it("forget a stopped scheduler, and a deleted schedule", async () => {
    const clock = VirtualClock.driven();
    const timers = new ScheduleTimers(clock, log);
    timers.set("gone", parseScheduleExpression("rate(1 minute)", START), async () => undefined, START);
    timers.delete("gone");
    expect(clock.nextOccurrence()).toBeUndefined();

    timers.set("kept", parseScheduleExpression("rate(1 minute)", START), async () => undefined, START);
    timers.stop();
    expect(clock.nextOccurrence()).toBeUndefined();
  });

  it("leave an ordinary clock's schedules on their timers", () => {
    const clock = new VirtualClock(1);
    const timers = new ScheduleTimers(clock, log);
    timers.set("timed", parseScheduleExpression("rate(1 hour)", Date.now()), async () => undefined);
    expect(clock.driven).toBe(false);
    expect(clock.nextOccurrence()).toBeUndefined();
    expect(timers.nextAt("timed")).toBeGreaterThan(Date.now());
    timers.stop();
  });
});
