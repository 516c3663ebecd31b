/**
 * The stand-in under the faults the chaos suite injects: a worker sandbox killed mid-batch,
 * DynamoDB Local and the SQS emulator restarted, a fake provider's process killed. The worker and
 * broadcaster are stand-ins that record what reached them, so what is checked is the stand-in's
 * own behaviour: Lambda's semantics, riding through restarts, saying what is wrong once.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBStreamEvent, SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientConfig } from "../../../local/aws/aws-config.ts";
import { currentInvocation } from "../../../local/aws/invocation.ts";
import { type LocalStack, startLocalStack } from "../../../local/stack.ts";
import { eventually } from "../support/eventually.ts";
import { catalogOf, externalTarget } from "../support/target.ts";

interface Delivery {
  readonly body: string;
  readonly receiveCount: number;
  /** Whether the invocation that got it was later killed (its signal aborted). */
  killed?: boolean;
}

const deliveries: Delivery[] = [];
const streamKeys: string[] = [];
let sweeps = 0;
let stack: LocalStack;
let sqs: SQSClient;
let dynamo: DynamoDBDocumentClient;
let dataDir: string;
const stderr: string[] = [];
const writeStderr = process.stderr.write.bind(process.stderr);

/** Succeeds, except a "hang" message on its first delivery: that one waits until it is killed. */
async function worker(event: SQSEvent) {
  for (const record of event.Records) {
    const delivery: Delivery = {
      body: record.body,
      receiveCount: Number(record.attributes.ApproximateReceiveCount),
    };
    deliveries.push(delivery);
    if (record.body === "hang" && delivery.receiveCount === 1) {
      const signal = currentInvocation()?.signal;
      if (!signal) throw new Error("the worker runs outside an invocation");
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
      delivery.killed = true;
    }
  }
  return { batchItemFailures: [] };
}

beforeAll(async () => {
  if (externalTarget) return;
  dataDir = mkdtempSync(join(tmpdir(), "pacer-dynamo-"));
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    stderr.push(String(chunk));
    return (writeStderr as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  stack = await startLocalStack({
    quiet: true,
    catalog: catalogOf(["openf1"]),
    scheduler: false,
    workerConcurrency: 2,
    visibilityTimeoutSeconds: 2,
    dynamoDataDir: dataDir,
    sweepEveryMs: 500,
    handlers: {
      workers: { openf1: worker },
      broadcaster: async (event: DynamoDBStreamEvent) => {
        streamKeys.push(...event.Records.map((r) => r.dynamodb?.Keys?.pk?.S ?? ""));
      },
      sweeper: async () => {
        sweeps++;
      },
    },
  });
  sqs = new SQSClient(clientConfig(stack.sqsEndpoint));
  dynamo = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(stack.dynamoEndpoint)));
});

afterAll(async () => {
  process.stderr.write = writeStderr;
  sqs?.destroy();
  dynamo?.destroy();
  await stack?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const queueUrl = () => stack.queues.openf1?.high.url as string;
const send = (body: string) => sqs.send(new SendMessageCommand({ QueueUrl: queueUrl(), MessageBody: body }));
const delivered = (body: string) => deliveries.filter((d) => d.body === body);
const warnings = (text: string) =>
  stderr
    .join("")
    .split("\n")
    .filter((line) => line.includes(text));

async function messagesOnQueue(): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl(),
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible)
  );
}

describe.skipIf(externalTarget)("the local stand-in under faults", () => {
  it("kills a worker invocation mid-batch: its message comes back after the visibility timeout", async () => {
    await send("hang");
    await eventually(
      () => delivered("hang").length,
      (n) => n === 1,
      15_000,
    );

    expect(stack.killWorkers("openf1")).toBe(1);
    const again = await eventually(
      () => delivered("hang"),
      (d) => d.length === 2,
      20_000,
    );
    const left = await eventually(messagesOnQueue, (n) => n === 0, 10_000);

    expect(again).toEqual([
      { body: "hang", receiveCount: 1, killed: true },
      { body: "hang", receiveCount: 2 },
    ]);
    expect(left).toBe(0);
    expect(stack.stats().workers.openf1).toMatchObject({ killed: 1 });
  });

  it("restarts DynamoDB Local on its port with its data, and the stream goes on", async () => {
    const table = stack.tables.data;
    await dynamo.send(new PutCommand({ TableName: table, Item: { pk: "ENT#before", sk: "1" } }));
    await eventually(() => streamKeys.includes("ENT#before"), Boolean, 15_000);

    await stack.restart("dynamodb");
    const kept = await dynamo.send(new GetCommand({ TableName: table, Key: { pk: "ENT#before", sk: "1" } }));
    await dynamo.send(new PutCommand({ TableName: table, Item: { pk: "ENT#after", sk: "1" } }));
    const seen = await eventually(() => streamKeys.includes("ENT#after"), Boolean, 30_000);

    expect(kept.Item).toMatchObject({ pk: "ENT#before" });
    expect(seen).toBe(true);
    expect(stack.health().dynamodb).toEqual({ up: true });
  });

  it("restarts the SQS emulator on its port with its queues, and the pollers resume", async () => {
    await stack.restart("sqs");
    await send("after-sqs-restart");
    const got = await eventually(
      () => delivered("after-sqs-restart").length,
      (n) => n === 1,
      20_000,
    );

    expect(got).toBe(1);
    expect(stack.health().sqs).toEqual({ up: true });
    // A planned restart is no outage: nothing reported, the pollers' failed receives held back.
    expect(warnings("is down since")).toEqual([]);
  });

  it("runs the sweeper on its timer and on demand", async () => {
    const before = sweeps;
    await stack.sweep();

    expect(sweeps).toBeGreaterThan(before);
    // The timer (every 500 ms here) runs it again without being asked.
    const later = await eventually(
      () => sweeps,
      (n) => n >= before + 2,
      10_000,
    );
    expect(later).toBeGreaterThanOrEqual(before + 2);
  });

  it("says once that a fake provider's process died, and what that affects", async () => {
    const pid = stack.fakes.openf1?.pid;
    if (!pid) throw new Error("no fake openf1 process");
    process.kill(pid, "SIGKILL");

    const health = await eventually(
      () => stack.health()["fake:openf1"],
      (h) => h?.up === false,
      10_000,
    );

    expect(health).toMatchObject({ up: false, cause: "its process killed by SIGKILL" });
    const reported = warnings("fake openf1 provider");
    expect(reported).toHaveLength(1);
    expect(reported[0]).toContain("is down since");
    expect(reported[0]).toContain("Affected: every openf1 call");
  });
});
