/**
 * A message no worker can ever process goes to its queue's DLQ with the reason, and does not
 * take the valid jobs received in the same batch down with it.
 *
 * Needs SQS access, so it runs only against the local stack this file starts (free ports); with
 * PACER_API_URL / PACER_WS_URL / PACER_TOKEN set (an external stack) it is skipped.
 */
import {
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type JobMessageInput, scheduledJobId } from "#core/job.ts";
import { clientConfig } from "../../local/aws/aws-config.ts";
import { waitForJob } from "./support/api-client.ts";
import { eventually } from "./support/eventually.ts";
import { externalTarget, startTarget, type Target } from "./support/target.ts";

let target: Target;
let sqs: SQSClient;

beforeAll(async () => {
  if (externalTarget) return;
  target = await startTarget();
  sqs = new SQSClient(clientConfig(target.local?.sqsEndpoint as string));
});

afterAll(async () => {
  sqs?.destroy();
  await target?.stop();
});

describe.skipIf(externalTarget)("poison messages", () => {
  it("dead-letters an invalid message with its reason while the valid ones in its batch succeed", async () => {
    const queues = target.local?.queues.openf1?.normal;
    if (!queues) throw new Error("no openf1 normal queue");
    // The stack connects the default tenant to every fake; the scheduled jobs run for that connection.
    const connectionId = target.local?.connections.openf1;
    if (!connectionId) throw new Error("the stack made no openf1 connection");
    const scheduledAt = new Date().toISOString();
    const valid: JobMessageInput[] = ["meetings", "sessions"].map((syncType) => ({
      tenantId: "default",
      connectionId,
      provider: "openf1",
      syncType,
      priority: "normal",
      source: "schedule",
      scheduledAt,
      slot: 0,
    }));
    const poison = '{"this is":"not a job"}';
    const before = target.local?.stats().workers.openf1;

    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queues.url,
        Entries: [
          { Id: "valid-0", MessageBody: JSON.stringify(valid[0]) },
          { Id: "poison", MessageBody: poison },
          { Id: "valid-1", MessageBody: JSON.stringify(valid[1]) },
        ],
      }),
    );

    const jobs = await Promise.all(
      valid.map((message) => waitForJob(target, scheduledJobId({ ...message, slot: 0 }))),
    );
    const dead = await receiveOne(queues.dlqUrl, 15_000);
    // The jobs are recorded before the handler returns; the poller deletes the batch after.
    const remaining = await eventually(
      () => messagesOn(queues.url),
      (n) => n === 0,
    );
    const after = target.local?.stats().workers.openf1;

    expect(jobs.map((job) => job.status)).toEqual(["succeeded", "succeeded"]);
    expect(dead.Body).toBe(poison);
    expect(dead.MessageAttributes?.reason?.StringValue).toEqual(expect.any(String));
    expect(dead.MessageAttributes?.reason?.StringValue?.length).toBeGreaterThan(0);
    // One batch of three: the poison was acknowledged with the others, not left to be redelivered.
    expect((after?.batches ?? 0) - (before?.batches ?? 0)).toBe(1);
    expect((after?.messages ?? 0) - (before?.messages ?? 0)).toBe(3);
    expect(remaining).toBe(0);
  });
});

async function receiveOne(queueUrl: string, timeoutMs: number): Promise<Message> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1, MessageAttributeNames: ["All"] }),
    );
    const message = Messages?.[0];
    if (message) return message;
  }
  throw new Error(`nothing arrived on ${queueUrl} within ${timeoutMs} ms`);
}

async function messagesOn(queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible)
  );
}
