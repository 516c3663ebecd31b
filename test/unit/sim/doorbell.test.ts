import { describe, expect, it } from "vitest";
import { Doorbell } from "../../../local/aws/sqs-poller.ts";

describe("Doorbell", () => {
  it("wakes a waiting loop when it rings", async () => {
    const bell = new Doorbell();
    const woke = bell.wait(bell.rings, new AbortController().signal, 60_000).then(() => "woke");
    bell.ring();
    await expect(woke).resolves.toBe("woke");
  });

  it("does not let a ring between a loop's receive and its wait be lost", async () => {
    // Prepare: the loop notes the rings, receives nothing; a message is sent and rings meanwhile.
    const bell = new Doorbell();
    const before = bell.rings;
    bell.ring();

    // Act: the wait begins after the ring.
    const started = performance.now();
    await bell.wait(before, new AbortController().signal, 60_000);

    // Assess: it did not wait for the fallback.
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("looks anyway after its fallback, and at once when stopped", async () => {
    const bell = new Doorbell();
    await bell.wait(bell.rings, new AbortController().signal, 5);
    const stop = new AbortController();
    stop.abort();
    await bell.wait(bell.rings, stop.signal, 60_000);
  });
});
