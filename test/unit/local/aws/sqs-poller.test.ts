import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSEvent } from "aws-lambda";
import { afterEach, describe, expect, it } from "vitest";
import { currentInvocation } from "../../../../local/aws/invocation.ts";
import type { LocalFunction } from "../../../../local/aws/lambda.ts";
import type { LocalQueue } from "../../../../local/aws/queues.ts";
import { type SqsPoller, startSqsPoller } from "../../../../local/aws/sqs-poller.ts";
import type { LocalLog } from "../../../../local/log.ts";

const QUEUE: LocalQueue = {
  provider: "p",
  priority: "high",
  name: "q",
  url: "http://sqs.local/q",
  arn: "arn:aws:sqs:us-east-1:000000000000:q",
  dlqUrl: "http://sqs.local/q-dlq",
  dlqArn: "arn:aws:sqs:us-east-1:000000000000:q-dlq",
};

/** One queue as ReceiveMessage and DeleteMessageBatch see it; received messages stay in flight until deleted or released. */
class FakeQueue {
  readonly visible: Message[] = [];
  readonly inFlight = new Map<string, Message>();
  readonly deleted: string[] = [];
  receives = 0;
  readonly failedAt: number[] = [];
  failReceives = false;

  send(...bodies: string[]) {
    for (const body of bodies) {
      const id = `m${this.visible.length + this.inFlight.size + this.deleted.length}`;
      this.visible.push({ MessageId: id, ReceiptHandle: id, Body: body });
    }
  }

  /** The visibility timeout passed: what was received and not deleted is back. */
  release() {
    this.visible.push(...this.inFlight.values());
    this.inFlight.clear();
  }

  client(): SQSClient {
    return {
      send: async (command: unknown) => {
        if (command instanceof ReceiveMessageCommand) {
          this.receives++;
          if (this.failReceives) {
            this.failedAt.push(Date.now());
            throw new Error("connect ECONNREFUSED");
          }
          const batch = this.visible.splice(0, command.input.MaxNumberOfMessages ?? 1);
          for (const message of batch) this.inFlight.set(message.ReceiptHandle as string, message);
          return { Messages: batch };
        }
        if (command instanceof DeleteMessageBatchCommand) {
          for (const entry of command.input.Entries ?? []) {
            const message = this.inFlight.get(entry.ReceiptHandle as string);
            this.inFlight.delete(entry.ReceiptHandle as string);
            if (message?.MessageId) this.deleted.push(message.MessageId);
          }
          return { Failed: [] };
        }
        throw new Error("unexpected command");
      },
    } as unknown as SQSClient;
  }
}

function recordingLog() {
  const warnings: string[] = [];
  const log: LocalLog = { info: () => {}, debug: () => {}, notice: () => {}, warn: (m) => warnings.push(m) };
  return { log, warnings };
}

const fn = (
  name: string,
  handler: (event: SQSEvent) => Promise<unknown>,
): LocalFunction<SQSEvent, unknown> => ({
  name,
  timeoutMs: 10_000,
  handler,
});

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

let poller: SqsPoller | undefined;

afterEach(async () => {
  await poller?.stop();
  poller = undefined;
});

describe("startSqsPoller", () => {
  it("runs each concurrent poll loop on its own instance, one invocation at a time", async () => {
    const queue = new FakeQueue();
    queue.send(...Array.from({ length: 30 }, (_, i) => `job-${i}`));
    const running = new Map<string, number>();
    const overlaps: string[] = [];
    const used = new Set<string>();
    const instance = (name: string) =>
      fn(name, async () => {
        used.add(name);
        running.set(name, (running.get(name) ?? 0) + 1);
        if ((running.get(name) ?? 0) > 1) overlaps.push(name);
        await new Promise((resolve) => setTimeout(resolve, 20));
        running.set(name, (running.get(name) ?? 0) - 1);
      });

    poller = startSqsPoller({
      sqs: queue.client(),
      queues: [QUEUE],
      instances: [instance("a"), instance("b"), instance("c")],
      region: "us-east-1",
      log: recordingLog().log,
    });
    await until(() => queue.deleted.length === 30);

    expect(overlaps).toEqual([]);
    expect([...used].sort()).toEqual(["a", "b", "c"]);
  });

  it("kills a batch in flight: its messages stay on the queue, its invocation's signal aborts, a fresh instance takes over", async () => {
    const queue = new FakeQueue();
    queue.send("hang");
    const signals: AbortSignal[] = [];
    const handledBy: string[] = [];
    const hangs = fn("first", async () => {
      const signal = currentInvocation()?.signal;
      if (!signal) throw new Error("no invocation context");
      signals.push(signal);
      handledBy.push("first");
      await new Promise(() => {}); // a sandbox that never returns until killed
    });
    const fresh = fn("fresh", async () => {
      handledBy.push("fresh");
    });

    poller = startSqsPoller({
      sqs: queue.client(),
      queues: [QUEUE],
      instances: [hangs],
      replace: async () => fresh,
      region: "us-east-1",
      log: recordingLog().log,
    });
    await until(() => signals.length === 1);
    const killed = poller.killInFlight();

    expect(killed).toBe(1);
    expect(signals[0]?.aborted).toBe(true);
    expect(queue.deleted).toEqual([]);
    expect(poller.killInFlight()).toBe(0);

    queue.release();
    await until(() => queue.deleted.length === 1);
    expect(handledBy).toEqual(["first", "fresh"]);
    expect(poller.stats()).toMatchObject({ batches: 2, messages: 2, killed: 1, failed: 0 });
  });

  it("backs off while receives fail, warns once, and resumes when SQS answers again", async () => {
    const queue = new FakeQueue();
    queue.failReceives = true;
    const { log, warnings } = recordingLog();
    const handled: string[] = [];

    poller = startSqsPoller({
      sqs: queue.client(),
      queues: [QUEUE],
      instances: [fn("w", async (event) => void handled.push(...event.Records.map((r) => r.body)))],
      region: "us-east-1",
      log,
      retryBackoffMs: { min: 20, max: 80 },
    });
    await until(() => queue.receives >= 4);
    queue.send("after-outage");
    queue.failReceives = false;
    await until(() => handled.length === 1);

    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("receive failed");
    // Waits of at least half of 20, 40 and 80 ms between the first four attempts: no spinning.
    const [first = 0, , , fourth = 0] = queue.failedAt;
    expect(fourth - first).toBeGreaterThanOrEqual(60);
    expect(handled).toEqual(["after-outage"]);
  });
});
