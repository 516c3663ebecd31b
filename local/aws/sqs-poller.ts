import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSEvent } from "aws-lambda";
import type { LocalLog } from "../log.ts";
import { sleep } from "../sleep.ts";
import { InvocationKilledError } from "./invocation.ts";
import { invoke, type LocalFunction } from "./lambda.ts";
import type { LocalQueue } from "./queues.ts";
import { failedMessageIds, toSqsEvent } from "./sqs-event.ts";

export interface SqsPollerOptions {
  readonly sqs: SQSClient;
  /** One provider's queues, most urgent first: each poll tries them in this order. */
  readonly queues: readonly LocalQueue[];
  /**
   * The worker's sandboxes, one per concurrent poll loop, each running one batch at a time as a
   * Lambda sandbox does. Results are read by Lambda's rules (see failedMessageIds).
   */
  readonly instances: readonly LocalFunction<SQSEvent, unknown>[];
  /** A new sandbox for a loop whose invocation was killed. @default the killed one is reused */
  readonly replace?: () => Promise<LocalFunction<SQSEvent, unknown>>;
  readonly region: string;
  readonly log: LocalLog;
  /** Lambda's SQS batch size; SQS returns at most 10 per receive. */
  readonly batchSize?: number;
  /** Wait after a failed receive, doubling per failure up to `max`. @default { min: 250, max: 5000 } */
  readonly retryBackoffMs?: { readonly min: number; readonly max: number };
  /**
   * Idle loops wait for this to ring instead of polling on a timer (the simulator's driven mode:
   * whatever sends a message rings it). @default short polls, 25 to 250 ms apart
   */
  readonly doorbell?: Doorbell;
}

export interface SqsPollerStats {
  readonly batches: number;
  readonly messages: number;
  /** Messages left on their queue to reappear after the visibility timeout. */
  readonly failed: number;
  /** Messages of killed invocations: not deleted, so they reappear after the visibility timeout. */
  readonly killed: number;
}

export interface SqsPoller {
  stats(): SqsPollerStats;
  /** Whether a loop is receiving or running a batch right now (false: every loop waits idle). */
  busy(): boolean;
  /** Whether a loop is asking SQS for messages right now (not running a batch, not idle). */
  receiving(): boolean;
  /**
   * Kills the invocations in flight as crashed sandboxes: their messages are not deleted (they
   * come back after the visibility timeout), their Invocation signal aborts, and each loop goes on
   * with a fresh sandbox. Returns how many invocations were killed.
   */
  killInFlight(): number;
  /** Stops receiving and waits for the batches in flight. */
  stop(): Promise<void>;
}

const IDLE_MIN_MS = 25;
const STOP_WAIT_MS = 10_000;
/** The longest a new message waits for an idle poller; short polls keep priority order exact. */
const IDLE_MAX_MS = 250;
const RETRY_BACKOFF_MS = { min: 250, max: 5_000 };

/** How long an idle loop waits for the doorbell before it looks anyway (a ring that was missed). */
const DOORBELL_FALLBACK_MS = 1_000;

/**
 * Wakes idle poll loops when a message may have arrived. A ring between a loop's empty receive
 * and its wait is not lost: the loop waits only while nothing rang since its receive began.
 */
export class Doorbell {
  #rings = 0;
  #waiters = new Set<() => void>();

  /** How many times it rang so far: what a loop notes before it receives. */
  get rings(): number {
    return this.#rings;
  }

  ring(): void {
    this.#rings++;
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }

  /** Resolves at the next ring after `since` rings (at once if there was one), or after `fallbackMs`. */
  wait(since: number, signal: AbortSignal, fallbackMs = DOORBELL_FALLBACK_MS): Promise<void> {
    if (this.#rings !== since || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, fallbackMs);
      signal.addEventListener("abort", done, { once: true });
      this.#waiters.add(done);
    });
  }
}

/** A poll loop's sandbox and the kill switch of the invocation it runs, if any. */
interface Sandbox {
  fn: LocalFunction<SQSEvent, unknown>;
  inFlight: AbortController | undefined;
}

type Stats = { -readonly [K in keyof SqsPollerStats]: number };

/**
 * Lambda's SQS event source, per provider: receive up to 10 messages, invoke the worker with an
 * SQS event, delete what succeeded and leave what the handler reported in `batchItemFailures`
 * (or everything, if it threw or timed out) to come back after the visibility timeout, where the
 * queue's redrive policy moves it to the DLQ after maxReceiveCount receives.
 */
export function startSqsPoller(options: SqsPollerOptions): SqsPoller {
  if (options.instances.length === 0) throw new Error("an SQS poller needs at least one function instance");
  const abort = new AbortController();
  const stats: Stats = { batches: 0, messages: 0, failed: 0, killed: 0 };
  const sandboxes: Sandbox[] = options.instances.map((fn) => ({ fn, inFlight: undefined }));
  const activity = { busy: sandboxes.length, receiving: 0 };
  const loops = sandboxes.map((sandbox) => pollLoop(options, sandbox, stats, activity, abort.signal));
  return {
    stats: () => ({ ...stats }),
    busy: () => activity.busy > 0,
    receiving: () => activity.receiving > 0,
    killInFlight: () => {
      let killed = 0;
      for (const sandbox of sandboxes) {
        if (!sandbox.inFlight || sandbox.inFlight.signal.aborted) continue;
        sandbox.inFlight.abort();
        killed++;
      }
      return killed;
    },
    stop: async () => {
      abort.abort();
      // A handler stuck on a slow call must not hold the whole stack's shutdown.
      await Promise.race([Promise.all(loops), sleep(STOP_WAIT_MS)]);
    },
  };
}

async function pollLoop(
  options: SqsPollerOptions,
  sandbox: Sandbox,
  stats: Stats,
  activity: { busy: number; receiving: number },
  signal: AbortSignal,
) {
  let idleMs = IDLE_MIN_MS;
  let receiveFailures = 0;
  const backoff = options.retryBackoffMs ?? RETRY_BACKOFF_MS;
  const { doorbell } = options;
  while (!signal.aborted) {
    let batch: { queue: LocalQueue; messages: Message[] } | undefined;
    const rings = doorbell?.rings ?? 0;
    activity.receiving++;
    try {
      batch = await receiveByPriority(options, signal);
    } catch (error) {
      if (signal.aborted) break;
      // An outage fails every receive: say so once, then back off quietly until it answers again.
      if (receiveFailures === 0)
        options.log.warn(`${sandbox.fn.name}: receive failed; retrying with backoff`, error);
      receiveFailures++;
      await sleep(jittered(Math.min(backoff.min * 2 ** (receiveFailures - 1), backoff.max)), signal);
      continue;
    } finally {
      activity.receiving--;
    }
    if (receiveFailures > 0) {
      options.log.debug(`${sandbox.fn.name}: receiving again after ${receiveFailures} failed receives`);
      receiveFailures = 0;
    }
    if (!batch) {
      activity.busy--;
      if (doorbell) await doorbell.wait(rings, signal);
      else await sleep(idleMs, signal);
      activity.busy++;
      idleMs = Math.min(idleMs * 2, IDLE_MAX_MS);
      continue;
    }
    idleMs = IDLE_MIN_MS;
    const kill = new AbortController();
    sandbox.inFlight = kill;
    const outcome = await runBatch(options, sandbox.fn, batch.queue, batch.messages, kill.signal);
    sandbox.inFlight = undefined;
    stats.batches++;
    stats.messages += batch.messages.length;
    if (outcome === "killed") {
      stats.killed += batch.messages.length;
      sandbox.fn = await replaceSandbox(options, sandbox.fn);
    } else {
      stats.failed += outcome;
    }
  }
}

/** Half to all of `ms`: loops that failed together do not retry together. */
function jittered(ms: number): number {
  return ms / 2 + Math.random() * (ms / 2);
}

async function replaceSandbox(
  options: SqsPollerOptions,
  killed: LocalFunction<SQSEvent, unknown>,
): Promise<LocalFunction<SQSEvent, unknown>> {
  if (!options.replace) return killed;
  try {
    return await options.replace();
  } catch (error) {
    options.log.warn(`${killed.name}: could not start a fresh instance; reusing the killed one`, error);
    return killed;
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

/**
 * Invokes the handler on one batch and deletes its successes; returns how many failed, or
 * `killed` when the invocation was killed (nothing deleted: the whole batch comes back).
 */
async function runBatch(
  options: SqsPollerOptions,
  fn: LocalFunction<SQSEvent, unknown>,
  queue: LocalQueue,
  messages: Message[],
  kill: AbortSignal,
): Promise<number | "killed"> {
  const event = toSqsEvent(messages, { arn: queue.arn, region: options.region });
  const started = Date.now();
  let failed: Set<string>;
  try {
    failed = failedMessageIds(await invoke(fn, event, { kill }), event.Records);
  } catch (error) {
    if (error instanceof InvocationKilledError) {
      options.log.debug(`${fn.name}: killed with ${messages.length} messages from ${queue.name} in flight`);
      return "killed";
    }
    options.log.warn(`${fn.name}: batch of ${messages.length} from ${queue.name} failed`, error);
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
        options.log.warn(`${fn.name}: could not delete a message: ${failure.Message ?? failure.Code}`);
      }
    } catch (error) {
      options.log.warn(`${fn.name}: delete failed; the messages will be redelivered`, error);
    }
  }
  options.log.debug(
    `${fn.name}: ${messages.length} from ${queue.name}, ${failed.size} failed (${Date.now() - started} ms)`,
  );
  return failed.size;
}
