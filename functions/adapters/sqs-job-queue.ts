import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { Priority } from "#catalog/types.ts";
import type { JobMessageInput } from "#core/job.ts";
import type { JobQueue, QueueRef } from "#core/job-queue.ts";
import type { QueueUrls } from "#core/resources.ts";

export class SqsJobQueue implements JobQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly urls: QueueUrls,
  ) {}

  async send(message: JobMessageInput, options: { delaySeconds?: number } = {}): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.urlsFor(message.provider)[message.priority].url,
        MessageBody: JSON.stringify(message),
        DelaySeconds:
          options.delaySeconds && options.delaySeconds > 0 ? Math.min(900, options.delaySeconds) : undefined,
      }),
    );
  }

  /** Sends a delivery's body again, unchanged, to the queue it came from, `delaySeconds` from now. */
  async resend(body: string, to: QueueRef, delaySeconds: number): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.urlsFor(to.provider)[to.priority].url,
        MessageBody: body,
        DelaySeconds: Math.max(0, Math.min(900, Math.ceil(delaySeconds))),
      }),
    );
  }

  async deadLetter(body: string, from: QueueRef, reason: { code: string; message: string }): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.urlsFor(from.provider)[from.priority].dlqUrl,
        MessageBody: body.length > 0 ? body : "(empty)",
        MessageAttributes: {
          reason: { DataType: "String", StringValue: reason.message.slice(0, 1000) || reason.code },
          errorCode: { DataType: "String", StringValue: reason.code },
          deadLetteredAt: { DataType: "String", StringValue: new Date().toISOString() },
        },
      }),
    );
  }

  private urlsFor(provider: string) {
    const urls = this.urls[provider];
    if (!urls) throw new Error(`no queues configured for provider ${provider}`);
    return urls;
  }
}

/** `arn:aws:sqs:region:acct:pacer-openf1-high` → "high" (normal when it can't tell). */
export function priorityFromQueueArn(arn: string): Priority {
  const name = arn.split(":").pop() ?? "";
  const match = /-(high|normal|low)$/.exec(name);
  return (match?.[1] as Priority | undefined) ?? "normal";
}
