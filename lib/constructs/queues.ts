import { Duration } from "aws-cdk-lib";
import type { IGrantable } from "aws-cdk-lib/aws-iam";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { PRIORITIES, type Priority } from "#catalog/types.ts";
import { type QueueSpec, type QueueUrls, queueSpecs } from "#core/resources.ts";

/** One priority queue of one provider, with its own DLQ. */
export interface PriorityQueue {
  readonly spec: QueueSpec;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
}

export type ProviderQueues = Readonly<Record<Priority, PriorityQueue>>;

export interface PacerQueuesProps {
  /** Provider ids (from the catalog); each gets a high, normal and low queue. */
  readonly providers: readonly string[];
  /**
   * How long a DLQ keeps a message for someone to look at it.
   * @default Duration.days(14) (SQS's maximum)
   */
  readonly deadLetterRetention?: Duration;
}

/** The job queues: per provider, three priorities, each with its own DLQ (from queueSpecs). */
export class PacerQueues extends Construct {
  private readonly byProvider = new Map<string, ProviderQueues>();

  constructor(scope: Construct, id: string, props: PacerQueuesProps) {
    super(scope, id);
    for (const provider of props.providers) {
      const entries = queueSpecs(provider).map(
        (spec) => [spec.priority, this.queueFrom(spec, props)] as const,
      );
      this.byProvider.set(provider, Object.fromEntries(entries) as Record<Priority, PriorityQueue>);
    }
  }

  public get providers(): string[] {
    return [...this.byProvider.keys()];
  }

  public forProvider(provider: string): ProviderQueues {
    const queues = this.byProvider.get(provider);
    if (!queues) throw new Error(`no queues for provider "${provider}"`);
    return queues;
  }

  /** Every priority queue, provider by provider, high to low. */
  public all(): PriorityQueue[] {
    return [...this.byProvider.values()].flatMap((queues) => PRIORITIES.map((p) => queues[p]));
  }

  /** The `PACER_QUEUES` value for the given providers (all by default); tokens until deploy. */
  public urls(providers: readonly string[] = this.providers): QueueUrls {
    const urls: QueueUrls = {};
    for (const provider of providers) {
      const queues = this.forProvider(provider);
      const entry = (q: PriorityQueue) => ({
        url: q.queue.queueUrl,
        dlqUrl: q.deadLetterQueue.queueUrl,
        arn: q.queue.queueArn,
      });
      urls[provider] = { high: entry(queues.high), normal: entry(queues.normal), low: entry(queues.low) };
    }
    return urls;
  }

  /** Lets `grantee` send to the given providers' queues, and to their DLQs when asked. */
  public grantSend(
    grantee: IGrantable,
    providers: readonly string[],
    options: { deadLetter: boolean },
  ): void {
    for (const provider of providers) {
      for (const priority of PRIORITIES) {
        const q = this.forProvider(provider)[priority];
        q.queue.grantSendMessages(grantee);
        if (options.deadLetter) q.deadLetterQueue.grantSendMessages(grantee);
      }
    }
  }

  private queueFrom(spec: QueueSpec, props: PacerQueuesProps): PriorityQueue {
    const deadLetterQueue = new Queue(this, `${spec.name}-dlq`, {
      queueName: spec.dlqName,
      retentionPeriod: props.deadLetterRetention ?? Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    const queue = new Queue(this, spec.name, {
      queueName: spec.name,
      visibilityTimeout: Duration.seconds(spec.visibilityTimeoutSeconds),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: spec.maxReceiveCount },
    });
    return { spec, queue, deadLetterQueue };
  }
}
