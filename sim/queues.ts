import { z } from "zod";

/** fauxqs's non-destructive inspection routes (`GET /_fauxqs/queues[/name]`), as far as the simulator reads them. */
const QueueCounts = z.array(
  z.object({
    name: z.string(),
    approximateMessageCount: z.number(),
    approximateInflightCount: z.number(),
    approximateDelayedCount: z.number(),
  }),
);
const QueueDetail = z.object({
  messages: z.object({
    ready: z.array(z.unknown()),
    delayed: z.array(z.object({ delayUntil: z.number().optional() })),
    inflight: z.array(z.object({ visibilityDeadline: z.number() })),
  }),
});

/** What the queues hold right now: whether any message is ready, and when the next one will be. */
export interface QueueState {
  /** Messages a receive would get now (a delay or visibility timeout that has run out counts). */
  readonly ready: number;
  /** The earliest moment a delayed or invisible message becomes visible (epoch ms). */
  readonly nextVisibleAt: number | undefined;
  /** Messages in dead-letter queues: failed jobs, never received again. */
  readonly deadLettered: number;
}

/** Pacer's dead-letter queues are named `…-dlq` (core/resources.ts, queueSpecs). */
const isDeadLetterQueue = (name: string) => name.endsWith("-dlq");

/**
 * Looks into the SQS emulator's queues without receiving: one request for the counts, and one per
 * queue that holds delayed or in-flight messages. A message received but not being worked on (a
 * failed batch item waiting out its visibility timeout) is a future moment, not work.
 */
export async function inspectQueues(sqsEndpoint: string, nowMs: number): Promise<QueueState> {
  const counts = QueueCounts.parse(await getJson(`${sqsEndpoint}/_fauxqs/queues`));
  let ready = 0;
  let deadLettered = 0;
  let nextVisibleAt: number | undefined;
  const later = (at: number) => {
    if (at <= nowMs) ready++;
    else if (nextVisibleAt === undefined || at < nextVisibleAt) nextVisibleAt = at;
  };
  for (const queue of counts) {
    if (isDeadLetterQueue(queue.name)) {
      deadLettered +=
        queue.approximateMessageCount + queue.approximateDelayedCount + queue.approximateInflightCount;
      continue;
    }
    ready += queue.approximateMessageCount;
    if (queue.approximateDelayedCount === 0 && queue.approximateInflightCount === 0) continue;
    const detail = QueueDetail.parse(
      await getJson(`${sqsEndpoint}/_fauxqs/queues/${encodeURIComponent(queue.name)}`),
    );
    for (const message of detail.messages.delayed) later(message.delayUntil ?? nowMs);
    for (const message of detail.messages.inflight) later(message.visibilityDeadline);
  }
  return { ready, nextVisibleAt, deadLettered };
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response.json();
}
