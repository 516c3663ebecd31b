import { isUtf8 } from "node:buffer";
import { randomBytes, randomUUID } from "node:crypto";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "../aws/aws-config.ts";
import type { AuthorizerContextValue } from "./authorize.ts";
import { LOCAL_API_ID, LOCAL_STAGE } from "./rest-event.ts";

/** The WebSocket API's routes, as the CDK app defines them. */
export const WS_ROUTE_KEYS = [
  "$connect",
  "$disconnect",
  "$default",
  "subscribe",
  "unsubscribe",
  "ping",
] as const;

/** Connection ids shaped like API Gateway's (`L0SM9cOFvHcCIhw=`): base64, so they need URL-encoding. */
export function newConnectionId(): string {
  return randomBytes(10).toString("base64");
}

/** Route selection `$request.body.action`: a known route's key, else `$default`. */
export function selectRoute(body: string, routeKeys: readonly string[] = WS_ROUTE_KEYS): string {
  try {
    const action = (JSON.parse(body) as { action?: unknown } | null)?.action;
    if (typeof action === "string" && !action.startsWith("$") && routeKeys.includes(action)) return action;
  } catch {
    // Not JSON: API Gateway falls back to $default too.
  }
  return "$default";
}

/** Why a frame is answered by the gateway itself, never reaching a route; `closeCode` ends the connection. */
export interface FrameRefusal {
  readonly code: string;
  readonly message: string;
  readonly closeCode?: number;
}

/**
 * What API Gateway does with a frame before routing it: a message over its size limit closes the
 * connection (1009), a binary frame too (1003: it takes text only). The stand-in first sends an
 * `error` saying why, and answers text that is not UTF-8 with an `error` as well.
 */
export function checkFrame(data: Buffer, isBinary: boolean, maxBytes: number): FrameRefusal | undefined {
  if (data.length > maxBytes) {
    return {
      code: "MESSAGE_TOO_LARGE",
      message: `the message is ${data.length} bytes; at most ${maxBytes} are accepted`,
      closeCode: 1009,
    };
  }
  if (isBinary) {
    return {
      code: "UNSUPPORTED_FRAME",
      message: 'binary frames are not supported: send JSON text such as {"action":"ping"}',
      closeCode: 1003,
    };
  }
  if (!isUtf8(data)) return { code: "VALIDATION_ERROR", message: "the message is not valid UTF-8 text" };
  return undefined;
}

export function connectMethodArn(): string {
  return `arn:aws:execute-api:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${LOCAL_API_ID}/${LOCAL_STAGE}/$connect`;
}

/** What every event of one connection shares. */
export interface WsConnectionInfo {
  readonly connectionId: string;
  readonly connectedAt: number;
  readonly domainName: string;
  readonly sourceIp: string;
  readonly userAgent: string | null;
  /** The $connect authorizer's context plus principalId; API Gateway repeats it on every route. */
  readonly authorizer?: Record<string, AuthorizerContextValue>;
}

function requestContext(connection: WsConnectionInfo, routeKey: string, eventType: string, now: number) {
  const requestId = randomUUID();
  return {
    routeKey,
    eventType,
    extendedRequestId: requestId,
    requestTime: new Date(now).toUTCString(),
    messageDirection: "IN",
    stage: LOCAL_STAGE,
    connectedAt: connection.connectedAt,
    requestTimeEpoch: now,
    identity: { sourceIp: connection.sourceIp, userAgent: connection.userAgent },
    requestId,
    domainName: connection.domainName,
    connectionId: connection.connectionId,
    apiId: LOCAL_API_ID,
    ...(connection.authorizer ? { authorizer: connection.authorizer } : {}),
  };
}

export function connectEvent(
  connection: WsConnectionInfo,
  headers: Record<string, string>,
  multiValueHeaders: Record<string, string[]>,
  query: {
    queryStringParameters: Record<string, string> | null;
    multiValueQueryStringParameters: Record<string, string[]> | null;
  },
  now = Date.now(),
) {
  return {
    headers,
    multiValueHeaders,
    ...query,
    requestContext: requestContext(connection, "$connect", "CONNECT", now),
    isBase64Encoded: false,
  };
}

export function messageEvent(connection: WsConnectionInfo, routeKey: string, body: string, now = Date.now()) {
  return {
    requestContext: { ...requestContext(connection, routeKey, "MESSAGE", now), messageId: randomUUID() },
    body,
    isBase64Encoded: false,
  };
}

export function disconnectEvent(
  connection: WsConnectionInfo,
  statusCode: number,
  reason: string,
  now = Date.now(),
) {
  return {
    headers: { Host: connection.domainName },
    multiValueHeaders: { Host: [connection.domainName] },
    requestContext: {
      ...requestContext(connection, "$disconnect", "DISCONNECT", now),
      disconnectStatusCode: statusCode,
      disconnectReason: reason,
    },
    isBase64Encoded: false,
  };
}
