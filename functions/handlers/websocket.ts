import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { documentClient, sqsClient } from "#adapters/aws-clients.ts";
import { connectionsOn } from "#adapters/connections.ts";
import { DynamoConnectionStore } from "#adapters/dynamo/connection-store.ts";
import { EntityStore } from "#adapters/dynamo/entity-store.ts";
import { JobStore } from "#adapters/dynamo/job-store.ts";
import { logger } from "#adapters/observability.ts";
import { SqsJobQueue } from "#adapters/sqs-job-queue.ts";
import { createPublisher } from "#adapters/ws-publisher.ts";
import { catalog } from "#catalog/index.ts";
import { TENANT_ID_PATTERN } from "#core/auth/verifier.ts";
import { type DataReadDeps, refreshTopic } from "#core/data-reads.ts";
import { parseEnv } from "#core/env.ts";
import { FUNCTIONS } from "#core/functions.ts";
import { createLive, type Live } from "#core/live.ts";
import { knownTopics } from "#core/live-messages.ts";

/** The parts of API Gateway's WebSocket proxy event this handler reads. */
export interface WebSocketEvent {
  readonly requestContext: {
    readonly routeKey: string;
    readonly connectionId: string;
    /** Epoch ms. */
    readonly connectedAt?: number;
    /** The authorizer's `context` (on `$connect`). */
    readonly authorizer?: { readonly tenantId?: unknown } | null;
  };
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
}

export interface WebSocketResult {
  readonly statusCode: number;
  readonly body?: string;
}

/**
 * Routes: `$connect` registers the connection under the tenant the authorizer verified,
 * `$disconnect` forgets it, and every other route (`subscribe`, `unsubscribe`, `ping`, `$default`)
 * is a client message whose reply is posted back through `@connections`.
 */
export function createWebSocketHandler(live: Live): (event: WebSocketEvent) => Promise<WebSocketResult> {
  return async (event: WebSocketEvent): Promise<WebSocketResult> => {
    const { routeKey, connectionId, connectedAt, authorizer } = event.requestContext;
    try {
      switch (routeKey) {
        case "$connect": {
          const tenantId = authorizer?.tenantId;
          if (typeof tenantId !== "string" || !TENANT_ID_PATTERN.test(tenantId)) {
            logger.warn("connection refused: no tenant from the authorizer", { connectionId });
            return { statusCode: 401, body: "Unauthorized" };
          }
          await live.connect({
            connectionId,
            tenantId,
            connectedAt: new Date(connectedAt ?? Date.now()).toISOString(),
          });
          logger.info("connected", { connectionId, tenantId });
          return { statusCode: 200 };
        }
        case "$disconnect":
          await live.disconnect(connectionId);
          logger.info("disconnected", { connectionId });
          return { statusCode: 200 };
        default: {
          const outcome = await live.receive(connectionId, bodyOf(event));
          if (outcome.failure === undefined) return { statusCode: 200 };
          // The client already has its INTERNAL_ERROR reply; the log and the 500 are for operators.
          logger.error("websocket message failed", { routeKey, connectionId, error: outcome.failure });
          return { statusCode: 500 };
        }
      }
    } catch (error) {
      logger.error("websocket route failed", { routeKey, connectionId, error });
      throw error;
    }
  };
}

function bodyOf(event: WebSocketEvent): string | undefined {
  if (event.body === undefined || event.body === null) return undefined;
  return event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
}

const env = parseEnv(FUNCTIONS.websocket.env);
const jobs = new JobStore({
  tableName: env.dataTable,
  client: documentClient,
  jobRetentionDays: env.jobRetentionDays,
});
/** What a subscription to stale data refreshes it through: the tenant's own entities and connections. */
const reads: DataReadDeps = {
  catalog,
  // Read only: the retention applies to history this handler never writes.
  entities: new EntityStore({ tableName: env.dataTable, client: documentClient, historyRetentionDays: 1 }),
  subjects: jobs,
  connections: new DynamoConnectionStore({ tableName: env.dataTable, client: documentClient }),
  enqueue: {
    jobs,
    queue: new SqsJobQueue(sqsClient, env.queues),
    onSendFailed: (jobId, error) =>
      logger.error("refresh recorded but not queued; the sweep will send it", { jobId, error }),
  },
};
const live = createLive({
  connections: connectionsOn(env.connectionsTable),
  publisher: createPublisher(env.wsCallbackUrl),
  knownTopics: knownTopics(catalog),
  refreshOnSubscribe: (tenantId, topic) => refreshTopic(reads, tenantId, topic),
  onRefreshFailed: (topic, error) => logger.error("refresh on subscribe failed", { topic, error }),
});

export const handler = middy(createWebSocketHandler(live)).use(injectLambdaContext(logger));
