import { createServer, type IncomingMessage, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import { authorize } from "./authorize.ts";
import { handleConnectionsRequest, MAX_MESSAGE_BYTES } from "./connections-api.ts";
import { closeServer, headerMaps, headerValue, queryMaps, sendJson } from "./http-util.ts";
import { invoke, type LocalFunction } from "./lambda.ts";
import type { LocalLog } from "./log.ts";
import { LOOPBACK, listen } from "./ports.ts";
import { LOCAL_STAGE } from "./rest-event.ts";
import {
  connectEvent,
  connectMethodArn,
  disconnectEvent,
  messageEvent,
  newConnectionId,
  selectRoute,
  type WsConnectionInfo,
} from "./ws-event.ts";

export interface WsFunctions {
  readonly websocket: LocalFunction;
  readonly authorizer: LocalFunction;
}

export interface WsGateway {
  /** Where clients connect: `ws://127.0.0.1:<port>`. */
  readonly url: string;
  /** `PACER_WS_CALLBACK_URL`: the `@connections` endpoint (same host, under the stage). */
  readonly callbackUrl: string;
  readonly port: number;
  attach(functions: WsFunctions): void;
  close(): Promise<void>;
}

/** API Gateway closes connections idle this long. */
const IDLE_TIMEOUT_MS = 10 * 60_000;

interface OpenConnection extends WsConnectionInfo {
  readonly socket: WebSocket;
  lastActiveAt: number;
  idleTimer: NodeJS.Timeout;
  /** Messages run one after another, so a client's subscribe is handled before its next message. */
  queue: Promise<void>;
}

/**
 * API Gateway's WebSocket API: `?token=` goes to the authorizer (REQUEST) and `$connect` decides
 * whether the upgrade completes; frames are routed by `$request.body.action`; a close runs
 * `$disconnect`. The same port serves the `@connections` management API the handlers post to.
 */
export async function startWsGateway(port: number, log: LocalLog): Promise<WsGateway> {
  let functions: WsFunctions | undefined;
  let closing = false;
  const connections = new Map<string, OpenConnection>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });

  const registry = {
    send: (id: string, data: string) => {
      const connection = connections.get(id);
      if (!connection || connection.socket.readyState !== connection.socket.OPEN) return false;
      connection.socket.send(data);
      return true;
    },
    close: (id: string) => {
      const connection = connections.get(id);
      if (!connection) return false;
      connection.socket.close(1000, "closed by the server");
      return true;
    },
    info: (id: string) => {
      const connection = connections.get(id);
      if (!connection) return undefined;
      const { connectedAt, lastActiveAt, sourceIp, userAgent } = connection;
      return { connectedAt, lastActiveAt, sourceIp, userAgent };
    },
  };

  const server = createServer((request, response) => {
    handleConnectionsRequest(request, response, registry)
      .then((handled) => {
        if (!handled) sendJson(response, 426, { message: "connect with a WebSocket client" });
      })
      .catch((error) => {
        log.warn("@connections request failed", error);
        if (!response.headersSent) sendJson(response, 500, { message: "internal error" });
      });
  });

  server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    upgrade(request, socket, head).catch((error) => {
      log.warn("WebSocket connect failed", error);
      refuse(socket, 500, "Internal server error");
    });
  });

  async function upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (!functions) return refuse(socket, 503, "the local stack is still starting");
    const url = new URL(request.url ?? "/", "http://local");
    const query = queryMaps(url.searchParams);
    const { headers, multiValueHeaders } = headerMaps(request);
    // The identity source is the `token` query parameter: without it API Gateway answers 401 itself.
    if (!query.queryStringParameters?.token) return refuse(socket, 401, "Unauthorized");
    const outcome = await authorize(functions.authorizer, {
      type: "REQUEST",
      methodArn: connectMethodArn(),
      headers,
      multiValueHeaders,
      ...query,
      stageVariables: null,
    });
    if (outcome.kind === "unauthorized") return refuse(socket, 401, "Unauthorized");
    if (outcome.kind === "forbidden") return refuse(socket, 403, "Forbidden");
    if (outcome.kind === "error") {
      log.warn("WebSocket authorizer failed", outcome.error);
      return refuse(socket, 500, "Internal server error");
    }
    const info: WsConnectionInfo = {
      connectionId: newConnectionId(),
      connectedAt: Date.now(),
      domainName: headerValue(headers, "host") ?? LOOPBACK,
      sourceIp: request.socket.remoteAddress ?? LOOPBACK,
      userAgent: headerValue(headers, "user-agent") ?? null,
      authorizer: { ...outcome.context, principalId: outcome.principalId },
    };
    const result = (await invoke(
      functions.websocket,
      connectEvent(info, headers, multiValueHeaders, query),
    )) as {
      statusCode?: number;
      body?: string;
    } | null;
    const status = result?.statusCode ?? 200;
    if (status < 200 || status > 299) return refuse(socket, status, result?.body ?? "Forbidden");
    if (socket.destroyed) return;
    wss.handleUpgrade(request, socket, head, (ws) => open(ws, info));
  }

  function open(socket: WebSocket, info: WsConnectionInfo): void {
    const connection: OpenConnection = {
      ...info,
      socket,
      lastActiveAt: Date.now(),
      idleTimer: setTimeout(() => socket.close(1001, "Going away"), IDLE_TIMEOUT_MS),
      queue: Promise.resolve(),
    };
    connections.set(info.connectionId, connection);
    log.debug(`ws ${info.connectionId} connected`);
    socket.on("message", (data, isBinary) => {
      connection.lastActiveAt = Date.now();
      connection.idleTimer.refresh();
      const body = isBinary ? Buffer.from(data as Buffer).toString("utf8") : data.toString();
      connection.queue = connection.queue.then(() => route(connection, body));
    });
    socket.on("close", (code, reason) => {
      clearTimeout(connection.idleTimer);
      connections.delete(info.connectionId);
      if (closing || !functions) return;
      const event = disconnectEvent(info, code, reason.toString() || "Client closed the connection");
      invoke(functions.websocket, event).catch((error) => log.warn("$disconnect failed", error));
    });
    socket.on("error", (error) => log.warn(`ws ${info.connectionId}`, error));
  }

  async function route(connection: OpenConnection, body: string): Promise<void> {
    if (!functions) return;
    const routeKey = selectRoute(body);
    try {
      await invoke(functions.websocket, messageEvent(connection, routeKey, body));
    } catch (error) {
      log.warn(`ws route ${routeKey} failed`, error);
      // What API Gateway tells a client whose integration failed.
      registry.send(
        connection.connectionId,
        JSON.stringify({ message: "Internal server error", connectionId: connection.connectionId }),
      );
    }
  }

  const bound = await listen(server, port);
  return {
    url: `ws://${LOOPBACK}:${bound}`,
    callbackUrl: `http://${LOOPBACK}:${bound}/${LOCAL_STAGE}`,
    port: bound,
    attach: (fns) => {
      functions = fns;
    },
    close: async () => {
      closing = true;
      for (const connection of connections.values()) connection.socket.terminate();
      wss.close();
      await closeServer(server);
    },
  };
}

/** Answers an upgrade request with a plain HTTP status instead of switching protocols. */
function refuse(socket: Duplex, status: number, message: string): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
