import type { Priority } from "#catalog/types.ts";
import type { JobMessageInput } from "./job.ts";

/** The queue a message came from: its provider's queue of that priority. */
export interface QueueRef {
  readonly provider: string;
  readonly priority: Priority;
}

/** Where jobs go: a provider's priority queues, and their DLQs for what can never be processed. */
export interface JobQueue {
  send(message: JobMessageInput, options?: { delaySeconds?: number }): Promise<void>;
  /** Parks a message that can never succeed in the DLQ of the queue it came from, with its reason. */
  deadLetter(body: string, from: QueueRef, reason: { code: string; message: string }): Promise<void>;
}
