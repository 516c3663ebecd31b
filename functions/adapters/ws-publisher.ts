import {
  type ApiGatewayManagementApiClient,
  GoneException,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";
import { managementClient } from "#adapters/aws-clients.ts";
import type { MessagePublisher } from "#core/live.ts";
import type { ServerMessage } from "#core/live-messages.ts";

/**
 * Posts messages to WebSocket connections through the API's `@connections` endpoint
 * (`https://<apiId>.execute-api.<region>.amazonaws.com/<stage>`, or the local stand-in's).
 */
export function createPublisher(
  callbackUrl: string,
  client: Pick<ApiGatewayManagementApiClient, "send"> = managementClient(callbackUrl),
): MessagePublisher {
  return {
    async post(connectionId: string, message: ServerMessage): Promise<"sent" | "gone"> {
      try {
        await client.send(
          new PostToConnectionCommand({ ConnectionId: connectionId, Data: JSON.stringify(message) }),
        );
        return "sent";
      } catch (error) {
        if (isGone(error)) return "gone";
        throw error;
      }
    },
  };
}

function isGone(error: unknown): boolean {
  if (error instanceof GoneException) return true;
  const e = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } } | null;
  return e?.name === "GoneException" || e?.$metadata?.httpStatusCode === 410;
}
