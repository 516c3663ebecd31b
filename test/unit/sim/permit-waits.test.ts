import { afterEach, describe, expect, it } from "vitest";
import { takePermit } from "../../../functions/core/limiter/take-permit.ts";
import { runInInvocation } from "../../../local/aws/invocation.ts";
import { PermitWaits } from "../../../sim/permit-waits.ts";
import { installVirtualTime, type VirtualTime } from "../../../sim/virtual-time.ts";

let time: VirtualTime | undefined;
afterEach(() => {
  time?.uninstall();
  time = undefined;
});

const invocation = (requestId: string) => ({
  functionName: "worker",
  requestId,
  signal: new AbortController().signal,
});

/** Real timers the test controls: armed ones are listed, none fires by itself. */
function manualTimers() {
  const armed = new Map<number, { fire: () => void; ms: number }>();
  let next = 1;
  return {
    armed,
    set: (fire: () => void, ms: number) => {
      const id = next++;
      armed.set(id, { fire, ms });
      return id as unknown as ReturnType<typeof setTimeout>;
    },
    clear: (timer: ReturnType<typeof setTimeout>) => void armed.delete(timer as unknown as number),
  };
}

describe("PermitWaits", () => {
  it("knows when every invocation in flight only waits for a permit, and the earliest wake-up", async () => {
    // Prepare: two invocations waiting for permits 2 s and 5 s ahead.
    time = installVirtualTime(1_000_000, () => 0);
    const timers = manualTimers();
    const waits = new PermitWaits(timers.set, timers.clear, () => true);
    await runInInvocation(invocation("a"), async () => void waits.schedule(() => undefined, 2_000));
    await runInInvocation(invocation("b"), async () => void waits.schedule(() => undefined, 5_000));

    // Assess
    expect(waits.allWaiting(new Set(["a", "b"]))).toBe(true);
    expect(waits.allWaiting(new Set(["a", "b", "c"]))).toBe(false);
    expect(waits.allWaiting(new Set())).toBe(false);
    expect(waits.nextWake()).toBe(1_002_000);
  });

  it("after a jump wakes who is due and re-arms the rest for what remains of their waits", async () => {
    time = installVirtualTime(1_000_000, () => 0);
    const timers = manualTimers();
    const waits = new PermitWaits(timers.set, timers.clear, () => true);
    const woke: string[] = [];
    await runInInvocation(invocation("a"), async () => void waits.schedule(() => woke.push("a"), 2_000));
    await runInInvocation(invocation("b"), async () => void waits.schedule(() => woke.push("b"), 5_000));

    // Act: the clock jumps to the first wake-up.
    time.jumpTo(1_002_000);
    waits.rearm(Date.now());
    await Promise.resolve();

    // Assess
    expect(woke).toEqual(["a"]);
    expect([...timers.armed.values()].map((t) => t.ms)).toEqual([3_000]);
    expect(waits.allWaiting(new Set(["b"]))).toBe(true);
  });

  it("leaves other timers alone: outside invocations, or not a permit wait", async () => {
    const timers = manualTimers();
    const permitWaits = new PermitWaits(timers.set, timers.clear, () => false);
    expect(permitWaits.schedule(() => undefined, 1_000)).toBeUndefined();
    const any = new PermitWaits(timers.set, timers.clear, () => true);
    expect(any.schedule(() => undefined, 1_000)).toBeUndefined();
    await runInInvocation(invocation("a"), async () => {
      expect(permitWaits.schedule(() => undefined, 1_000)).toBeUndefined();
    });
    expect(timers.armed.size).toBe(0);
  });

  it("recognises the limiter's own permit wait by its call site, and no other timer", async () => {
    // Prepare: the real setTimeout routed through PermitWaits; a limiter granting a permit 40 ms ahead.
    const { waits, uninstall } = PermitWaits.install();
    const limiter = {
      acquire: async () => ({ granted: true as const, waitMs: 40, validForMs: 60_000, at: Date.now() + 40 }),
      confirm: async () => true,
    };
    const request = { provider: "p", limits: [], scopeKey: "k", permits: 1, priority: "normal" as const };
    try {
      await runInInvocation(invocation("a"), async () => {
        // Act: another timer first, then the permit wait.
        const other = setTimeout(() => undefined, 5_000);
        const otherSeen = waits.nextWake();
        clearTimeout(other);
        const taken = takePermit(limiter, request, { maxWaitMs: 5_000 });
        await new Promise((resolve) => setImmediate(resolve));
        const permitSeen = waits.nextWake();

        // Assess
        expect(otherSeen).toBeUndefined();
        expect(permitSeen).toBeGreaterThan(0);
        expect(waits.allWaiting(new Set(["a"]))).toBe(true);
        expect((await taken).granted).toBe(true);
      });
    } finally {
      uninstall();
    }
  });
});
