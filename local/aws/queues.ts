import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { Catalog, Priority } from "#catalog/types.ts";
import { type QueueSpec, type QueueUrls, queueSpecs } from "#core/resources.ts";

/** A queue as the pollers need it: where to receive and what the event records call it. */
export interface LocalQueue {
  readonly provider: string;
  readonly priority: Priority;
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly dlqUrl: string;
  readonly dlqArn: string;
}

export interface CreatedQueues {
  /** The `PACER_QUEUES` value. */
  readonly urls: QueueUrls;
  readonly all: readonly LocalQueue[];
}

export interface CreateQueuesOptions {
  /**
   * Instead of each spec's: how long a received message stays invisible, so that tests see a
   * killed batch come back in seconds. @default the spec's (the deployed value)
   */
  readonly visibilityTimeoutSeconds?: number;
}

/** Creates, from queueSpecs, each provider's three queues and their DLQs (redrive after maxReceiveCount). */
export async function createQueues(
  sqs: SQSClient,
  catalog: Catalog,
  options: CreateQueuesOptions = {},
): Promise<CreatedQueues> {
  const urls: QueueUrls = {};
  const all: LocalQueue[] = [];
  for (const provider of catalog.providers) {
    const byPriority = {} as QueueUrls[string];
    for (const spec of queueSpecs(provider.id)) {
      const visibility = options.visibilityTimeoutSeconds ?? spec.visibilityTimeoutSeconds;
      const queue = await createQueueWithDlq(sqs, { ...spec, visibilityTimeoutSeconds: visibility });
      byPriority[spec.priority] = { url: queue.url, dlqUrl: queue.dlqUrl, arn: queue.arn };
      all.push(queue);
    }
    urls[provider.id] = byPriority;
  }
  return { urls, all };
}

async function createQueueWithDlq(sqs: SQSClient, spec: QueueSpec): Promise<LocalQueue> {
  const dlqUrl = await createQueue(sqs, spec.dlqName, {});
  const dlqArn = await queueArn(sqs, dlqUrl);
  const url = await createQueue(sqs, spec.name, {
    VisibilityTimeout: String(spec.visibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: spec.maxReceiveCount }),
  });
  return {
    provider: spec.provider,
    priority: spec.priority,
    name: spec.name,
    url,
    arn: await queueArn(sqs, url),
    dlqUrl,
    dlqArn,
  };
}

async function createQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<string> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (!QueueUrl) throw new Error(`CreateQueue ${name} returned no URL`);
  return onEndpoint(QueueUrl, await endpointOrigin(sqs));
}

/**
 * fauxqs names a queue `http://sqs.<region>.localhost:<port>/<account>/<name>`, a host that does not
 * resolve everywhere, and the SQS client warns on every call whose queue URL is not its endpoint.
 * fauxqs finds a queue by the URL's path, so the same path on the endpoint names the same queue.
 */
function onEndpoint(queueUrl: string, origin: string): string {
  return `${origin}${new URL(queueUrl).pathname}`;
}

async function endpointOrigin(sqs: SQSClient): Promise<string> {
  const endpoint = await sqs.config.endpoint?.();
  if (!endpoint) throw new Error("the local SQS client has no endpoint");
  const port = endpoint.port ? `:${endpoint.port}` : "";
  return `${endpoint.protocol}//${endpoint.hostname}${port}`;
}

async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }),
  );
  const arn = Attributes?.QueueArn;
  if (!arn) throw new Error(`queue ${url} has no ARN`);
  return arn;
}
