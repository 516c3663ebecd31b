import { afterEach, describe, expect, it } from "vitest";
import { installVirtualTime, type VirtualTime } from "../../../sim/virtual-time.ts";

let time: VirtualTime | undefined;
afterEach(() => {
  time?.uninstall();
  time = undefined;
});

describe("installVirtualTime", () => {
  it("runs Date at real speed from the virtual start, and jumps forward when told", () => {
    // Prepare: a real clock the test moves by hand.
    let real = 1_000;
    time = installVirtualTime(Date.UTC(2027, 2, 1), () => real);

    // Act
    real += 250;
    const running = Date.now();
    time.jumpTo(Date.UTC(2027, 2, 1, 6));
    real += 10;

    // Assess
    expect(running).toBe(Date.UTC(2027, 2, 1) + 250);
    expect(new Date().toISOString()).toBe("2027-03-01T06:00:00.010Z");
    expect(time.jumped()).toBe(6 * 3_600_000 - 250);
  });

  it("never goes back", () => {
    const real = 0;
    time = installVirtualTime(5_000_000, () => real);
    time.jumpTo(1_000);
    expect(Date.now()).toBe(5_000_000);
  });

  it("keeps real timers real: only Date is faked", async () => {
    time = installVirtualTime(Date.UTC(2030, 0, 1));
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
    expect(new Date().getUTCFullYear()).toBe(2030);
  });

  it("gives the real Date back", () => {
    time = installVirtualTime(Date.UTC(2030, 0, 1));
    time.uninstall();
    time = undefined;
    expect(new Date().getUTCFullYear()).toBeLessThan(2030);
  });
});
