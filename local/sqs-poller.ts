import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSEvent } from "aws-lambda";
import { invoke, type LocalFunction } from "./lambda.ts";
import type { LocalLog } from "./log.ts";
import type { LocalQueue } from "./queues.ts";
import { sleep } from "./sleep.ts";
import { failedMessageIds, toSqsEvent } from "./sqs-event.ts";

export interface SqsPollerOptions {
  readonly sqs: SQSClient;
  /** One provider's queues, most urgent first: each poll tries them in this order. */
  readonly queues: readonly LocalQueue[];
  /** Its result is read by Lambda's rules (see failedMessageIds). */
  readonly fn: LocalFunction<SQSEvent, unknown>;
  /** Concurrent pollers, each running one batch at a time, like Lambda's concurrent instances. */
  readonly concurrency: number;
  readonly region: string;
  readonly log: LocalLog;
  /** Lambda's SQS batch size; SQS returns at most 10 per receive. */
  readonly batchSize?: number;
}

export interface SqsPollerStats {
  readonly batches: number;
  readonly messages: number;
  /** Messages left on their queue to reappear after the visibility timeout. */
  readonly failed: number;
}

export interface SqsPoller {
  stats(): SqsPollerStats;
  /** Stops receiving and waits for the batches in flight. */
  stop(): Promise<void>;
}

const IDLE_MIN_MS = 25;
const STOP_WAIT_MS = 10_000;
/** The longest a new message waits for an idle poller; short polls keep priority order exact. */
const IDLE_MAX_MS = 250;

/**
 * Lambda's SQS event source, per provider: receive up to 10 messages, invoke the worker with an
 * SQS event, delete what succeeded and leave what the handler reported in `batchItemFailures`
 * (or everything, if it threw or timed out) to come back after the visibility timeout, where the
 * queue's redrive policy moves it to the DLQ after maxReceiveCount receives.
 */
export function startSqsPoller(options: SqsPollerOptions): SqsPoller {
  const abort = new AbortController();
  const stats = { batches: 0, messages: 0, failed: 0 };
  const loops = Array.from({ length: options.concurrency }, () => pollLoop(options, stats, abort.signal));
  return {
    stats: () => ({ ...stats }),
    stop: async () => {
      abort.abort();
      // A handler stuck on a slow call must not hold the whole stack's shutdown.
      await Promise.race([Promise.all(loops), sleep(STOP_WAIT_MS)]);
    },
  };
}

async function pollLoop(
  options: SqsPollerOptions,
  stats: { batches: number; messages: number; failed: number },
  signal: AbortSignal,
): Promise<void> {
  let idleMs = IDLE_MIN_MS;
  while (!signal.aborted) {
    let batch: { queue: LocalQueue; messages: Message[] } | undefined;
    try {
      batch = await receiveByPriority(options, signal);
    } catch (error) {
      if (!signal.aborted) options.log.warn(`${options.fn.name}: receive failed`, error);
      await sleep(IDLE_MAX_MS, signal);
      continue;
    }
    if (!batch) {
      await sleep(idleMs, signal);
      idleMs = Math.min(idleMs * 2, IDLE_MAX_MS);
      continue;
    }
    idleMs = IDLE_MIN_MS;
    const failed = await runBatch(options, batch.queue, batch.messages);
    stats.batches++;
    stats.messages += batch.messages.length;
    stats.failed += failed;
  }
}

async function receiveByPriority(
  options: SqsPollerOptions,
  signal: AbortSignal,
): Promise<{ queue: LocalQueue; messages: Message[] } | undefined> {
  for (const queue of options.queues) {
    const { Messages } = await options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.url,
        MaxNumberOfMessages: Math.min(options.batchSize ?? 10, 10),
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ["All"],
        MessageAttributeNames: ["All"],
      }),
      { abortSignal: signal },
    );
    if (Messages?.length) return { queue, messages: Messages };
  }
  return undefined;
}

/** Invokes the handler on one batch and deletes its successes; returns how many failed. */
async function runBatch(options: SqsPollerOptions, queue: LocalQueue, messages: Message[]): Promise<number> {
  const event = toSqsEvent(messages, { arn: queue.arn, region: options.region });
  const started = Date.now();
  let failed: Set<string>;
  try {
    failed = failedMessageIds(await invoke(options.fn, event), event.Records);
  } catch (error) {
    options.log.warn(`${options.fn.name}: batch of ${messages.length} from ${queue.name} failed`, error);
    failed = new Set(event.Records.map((record) => record.messageId));
  }
  const done = event.Records.filter((record) => !failed.has(record.messageId));
  if (done.length > 0) {
    try {
      const result = await options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queue.url,
          Entries: done.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
        }),
      );
      for (const failure of result.Failed ?? []) {
        options.log.warn(
          `${options.fn.name}: could not delete a message: ${failure.Message ?? failure.Code}`,
        );
      }
    } catch (error) {
      options.log.warn(`${options.fn.name}: delete failed; the messages will be redelivered`, error);
    }
  }
  options.log.debug(
    `${options.fn.name}: ${messages.length} from ${queue.name}, ${failed.size} failed (${Date.now() - started} ms)`,
  );
  return failed.size;
}
