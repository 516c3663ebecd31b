import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { type JobStatus, scheduledJobId, TERMINAL_STATUSES } from "#core/job.ts";
import type { QueueUrls } from "#core/resources.ts";
import { clientConfig } from "../../local/aws/aws-config.ts";

/** A job the suite started, and how to recognise its provider calls. */
export interface ChaosJob {
  readonly phase: string;
  readonly tenantId: string;
  readonly jobId: string;
  /** Its own `session_key`: the fault server attributes calls by it. */
  readonly key: string;
  readonly via: "manual" | "schedule";
  readonly triggeredAt: number;
}

/** What has been seen of a job so far. Evidence only accumulates: a queue restart cannot erase it. */
export interface JobEvidence {
  status?: JobStatus;
  error?: { readonly code?: string; readonly message?: string };
  /** When its record says it finished (epoch ms). */
  finishedAt?: number;
  /** Its message as found in a DLQ. */
  dlq?: { readonly reason?: string; readonly errorCode?: string };
  /** When it first reached an end: its record's finishedAt, or when it was first seen in a DLQ. */
  endedAt?: number;
}

export interface ObserverOptions {
  readonly dynamoEndpoint: string;
  readonly dataTable: string;
  /** Read on every look: a restarted emulator may come back elsewhere. */
  readonly sqsEndpoint: () => string;
  readonly queues: QueueUrls;
  readonly provider: string;
}

/**
 * Watches jobs from outside the product: job records straight from DynamoDB (its own client, so
 * injected SDK faults never blind it), and every message of the provider's queues and DLQs through
 * the SQS emulator's non-destructive inspection, which also shows in-flight and delayed messages.
 */
export class Observer {
  readonly #documents: DynamoDBDocumentClient;
  readonly #raw: DynamoDBClient;
  readonly #evidence = new Map<string, JobEvidence>();

  constructor(private readonly options: ObserverOptions) {
    this.#raw = new DynamoDBClient({ ...clientConfig(options.dynamoEndpoint), maxAttempts: 2 });
    this.#documents = DynamoDBDocumentClient.from(this.#raw);
  }

  evidence(job: ChaosJob): JobEvidence {
    const id = jobKey(job.tenantId, job.jobId);
    let found = this.#evidence.get(id);
    if (!found) {
      found = {};
      this.#evidence.set(id, found);
    }
    return found;
  }

  ended(job: ChaosJob): boolean {
    return this.evidence(job).endedAt !== undefined;
  }

  /**
   * One look at the jobs' records and at the queues. Returns the jobs that have a message waiting
   * or in flight on a (non-dead-letter) queue, or undefined when the queues could not be read.
   */
  async look(jobs: readonly ChaosJob[]): Promise<Set<string> | undefined> {
    const now = Date.now();
    await Promise.all(
      jobs.filter((job) => !isTerminal(this.evidence(job).status)).map((job) => this.#readRecord(job)),
    );
    const messages = await this.#messages();
    if (messages === undefined) return undefined;
    const live = new Set<string>();
    for (const message of messages) {
      if (message.jobKey === undefined) continue;
      if (!message.dlq) {
        live.add(message.jobKey);
        continue;
      }
      const evidence = this.#evidence.get(message.jobKey);
      if (evidence === undefined) continue;
      evidence.dlq ??= { reason: message.reason, errorCode: message.errorCode };
      evidence.endedAt ??= now;
    }
    return live;
  }

  /** The bodies of the messages now on the provider's (non-dead-letter) queues, by job. */
  async queuedBodies(): Promise<Map<string, string>> {
    const bodies = new Map<string, string>();
    for (const message of (await this.#messages()) ?? []) {
      if (!message.dlq && message.jobKey !== undefined) bodies.set(message.jobKey, message.body);
    }
    return bodies;
  }

  stop(): void {
    this.#raw.destroy();
  }

  async #readRecord(job: ChaosJob): Promise<void> {
    let item: Record<string, unknown> | undefined;
    try {
      const result = await this.#documents.send(
        new GetCommand({
          TableName: this.options.dataTable,
          Key: { pk: `JOB#${job.tenantId}#${job.jobId}`, sk: "JOB" },
          ConsistentRead: true,
        }),
        { abortSignal: AbortSignal.timeout(3_000) },
      );
      item = result.Item;
    } catch {
      return; // DynamoDB Local restarting: look again next time
    }
    if (item === undefined) return;
    const evidence = this.evidence(job);
    evidence.status = item.status as JobStatus;
    evidence.error = item.error as JobEvidence["error"];
    if (isTerminal(evidence.status)) {
      const finished = Date.parse(String(item.finishedAt ?? item.updatedAt ?? ""));
      evidence.finishedAt = Number.isFinite(finished) ? finished : Date.now();
      evidence.endedAt = Math.min(evidence.endedAt ?? Number.POSITIVE_INFINITY, evidence.finishedAt);
    }
  }

  async #messages(): Promise<QueuedMessage[] | undefined> {
    const queues = Object.values(this.options.queues[this.options.provider] ?? {}).flatMap(
      ({ url, dlqUrl }) => [
        { name: queueName(url), dlq: false },
        { name: queueName(dlqUrl), dlq: true },
      ],
    );
    try {
      const found = await Promise.all(queues.map((queue) => this.#inspect(queue.name, queue.dlq)));
      return found.flat();
    } catch {
      return undefined;
    }
  }

  async #inspect(name: string, dlq: boolean): Promise<QueuedMessage[]> {
    const response = await fetch(`${this.options.sqsEndpoint()}/_fauxqs/queues/${name}`, {
      signal: AbortSignal.timeout(3_000),
    });
    // A queue not there (yet, again) holds nothing.
    if (response.status === 404) return [];
    if (!response.ok) throw new Error(`inspecting ${name}: ${response.status}`);
    const { messages } = (await response.json()) as { messages: Inspected };
    const all = [...messages.ready, ...messages.delayed, ...messages.inflight.map((entry) => entry.message)];
    return all.map((message) => ({
      dlq,
      body: message.body,
      jobKey: jobKeyOfBody(message.body),
      reason: message.messageAttributes?.reason?.StringValue,
      errorCode: message.messageAttributes?.errorCode?.StringValue,
    }));
  }
}

interface InspectedMessage {
  readonly body: string;
  readonly messageAttributes?: Record<string, { readonly StringValue?: string }>;
}
interface Inspected {
  readonly ready: InspectedMessage[];
  readonly delayed: InspectedMessage[];
  readonly inflight: { readonly message: InspectedMessage }[];
}

interface QueuedMessage {
  readonly dlq: boolean;
  readonly body: string;
  readonly jobKey: string | undefined;
  readonly reason: string | undefined;
  readonly errorCode: string | undefined;
}

export const jobKey = (tenantId: string, jobId: string) => `${tenantId}#${jobId}`;

function isTerminal(status: JobStatus | undefined): boolean {
  return status !== undefined && TERMINAL_STATUSES.includes(status);
}

function queueName(url: string): string {
  return url.slice(url.lastIndexOf("/") + 1);
}

/** The job a queue message is for: its jobId, or for a scheduled slot the id the worker derives. */
function jobKeyOfBody(body: string): string | undefined {
  try {
    const message = JSON.parse(body) as Record<string, unknown>;
    const tenantId = typeof message.tenantId === "string" ? message.tenantId : undefined;
    if (tenantId === undefined) return undefined;
    if (typeof message.jobId === "string") return jobKey(tenantId, message.jobId);
    if (message.source !== "schedule") return undefined;
    return jobKey(
      tenantId,
      scheduledJobId({
        connectionId: String(message.connectionId),
        syncType: String(message.syncType),
        scheduledAt: typeof message.scheduledAt === "string" ? message.scheduledAt : undefined,
        slot: typeof message.slot === "number" ? message.slot : 0,
      }),
    );
  } catch {
    return undefined;
  }
}
