import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import middy from "@middy/core";
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { connectionsOn } from "#adapters/connections.ts";
import { logger } from "#adapters/observability.ts";
import { createPublisher } from "#adapters/ws-publisher.ts";
import { parseEnv } from "#core/env.ts";
import { FUNCTIONS } from "#core/functions.ts";
import { createLive, type Live } from "#core/live.ts";
import { changeFromStreamRecord, type DataChangeRecord } from "#core/live-messages.ts";

type StreamImage = NonNullable<NonNullable<DynamoDBRecord["dynamodb"]>["NewImage"]>;

function image(raw: StreamImage | undefined): Record<string, unknown> | undefined {
  // aws-lambda's AttributeValue and the SDK's describe the same wire shape.
  return raw ? unmarshall(raw as Record<string, AttributeValue>) : undefined;
}

export function toDataChange(record: DynamoDBRecord): DataChangeRecord | undefined {
  if (!record.eventName || !record.dynamodb) return undefined;
  return {
    eventName: record.eventName,
    newImage: image(record.dynamodb.NewImage),
    oldImage: image(record.dynamodb.OldImage),
    approximateCreationDateTime: epochSeconds(record.dynamodb.ApproximateCreationDateTime),
  };
}

/** Lambda delivers epoch seconds; a poller using the Streams SDK directly gets a `Date`. Accept both. */
function epochSeconds(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (value instanceof Date) return value.getTime() / 1000;
  return undefined;
}

/**
 * Fans each data-table change out to the tenant's subscribers. A record fails (and is retried)
 * only when its subscribers cannot be read; one unreachable client is logged, not retried, so
 * the others do not receive the change twice.
 */
export function createBroadcaster(
  live: Pick<Live, "broadcast">,
): (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse> {
  const processor = new BatchProcessor(EventType.DynamoDBStreams);

  async function broadcastRecord(record: DynamoDBRecord): Promise<void> {
    const data = toDataChange(record);
    const change = data && changeFromStreamRecord(data);
    if (!change) return;
    const { sent, gone, failed } = await live.broadcast(change);
    for (const { connectionId, error } of failed) {
      logger.warn("could not post to connection", { connectionId, topic: change.topic, error });
    }
    logger.debug("change broadcast", { tenantId: change.tenantId, topic: change.topic, sent, gone });
  }

  return async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> =>
    // In order: two changes to one entity in a batch must reach clients in the order they happened.
    processPartialResponse(event, broadcastRecord, processor, { context, processInParallel: false });
}

const env = parseEnv(FUNCTIONS.broadcaster.env);
const live = createLive({
  connections: connectionsOn(env.connectionsTable),
  publisher: createPublisher(env.wsCallbackUrl),
});

export const handler = middy(createBroadcaster(live)).use(injectLambdaContext(logger));
