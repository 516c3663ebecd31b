import type { IncomingMessage, ServerResponse } from "node:http";
import { BodyTooLargeError, readBody, sendJson } from "./http-util.ts";

/** API Gateway's limit on one WebSocket message. */
export const MAX_MESSAGE_BYTES = 128 * 1024;

/** What the management API needs of the gateway's open connections. */
export interface ConnectionRegistry {
  send(connectionId: string, data: string): boolean;
  close(connectionId: string): boolean;
  info(
    connectionId: string,
  ): { connectedAt: number; lastActiveAt: number; sourceIp: string; userAgent: string | null } | undefined;
}

/** `/<stage>/@connections/<url-encoded id>`, as @aws-sdk/client-apigatewaymanagementapi sends it. */
const CONNECTION_PATH = /^(?:\/[^/]+)?\/@connections\/([^/]+)$/;

/**
 * The API Gateway Management API (`@connections`): POST delivers the raw body to the connection,
 * DELETE closes it, GET describes it; an unknown connection is 410 Gone. Errors carry
 * `x-amzn-ErrorType` so the SDK raises its typed exceptions (GoneException, …).
 * Returns false when the request is not for this API.
 */
export async function handleConnectionsRequest(
  request: IncomingMessage,
  response: ServerResponse,
  connections: ConnectionRegistry,
): Promise<boolean> {
  const path = new URL(request.url ?? "/", "http://local").pathname;
  const match = CONNECTION_PATH.exec(path);
  if (!match?.[1]) return false;
  const connectionId = decodeURIComponent(match[1]);
  switch (request.method) {
    case "POST": {
      let body: Buffer;
      try {
        body = await readBody(request, MAX_MESSAGE_BYTES);
      } catch (error) {
        if (error instanceof BodyTooLargeError) {
          awsError(response, 413, "PayloadTooLargeException", error.message);
          return true;
        }
        throw error;
      }
      if (connections.send(connectionId, body.toString("utf8"))) response.writeHead(200).end();
      else gone(response, connectionId);
      return true;
    }
    case "DELETE":
      if (connections.close(connectionId)) response.writeHead(204).end();
      else gone(response, connectionId);
      return true;
    case "GET": {
      const info = connections.info(connectionId);
      if (!info) gone(response, connectionId);
      else {
        sendJson(response, 200, {
          connectedAt: new Date(info.connectedAt).toISOString(),
          lastActiveAt: new Date(info.lastActiveAt).toISOString(),
          identity: { sourceIp: info.sourceIp, userAgent: info.userAgent ?? "" },
        });
      }
      return true;
    }
    default:
      awsError(
        response,
        405,
        "MethodNotAllowedException",
        `${request.method} is not supported on @connections`,
      );
      return true;
  }
}

function gone(response: ServerResponse, connectionId: string): void {
  awsError(response, 410, "GoneException", `connection ${connectionId} is gone`);
}

function awsError(response: ServerResponse, status: number, type: string, message: string): void {
  sendJson(response, status, { message }, { "x-amzn-errortype": type });
}
