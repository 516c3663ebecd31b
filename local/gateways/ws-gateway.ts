import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type RawData, type WebSocket, WebSocketServer } from "ws";
import { invoke, type LocalFunction } from "../aws/lambda.ts";
import type { LocalLog } from "../log.ts";
import { LOOPBACK, listen } from "../ports.ts";
import { authorize } from "./authorize.ts";
import { handleConnectionsRequest, MAX_MESSAGE_BYTES } from "./connections-api.ts";
import {
  closeServer,
  createGatewayServer,
  headerMaps,
  headerValue,
  parseRequestUrl,
  queryMaps,
  rawErrorResponse,
  sendError,
} from "./http-util.ts";
import { LOCAL_STAGE } from "./rest-event.ts";
import {
  checkFrame,
  connectEvent,
  connectMethodArn,
  disconnectEvent,
  type FrameRefusal,
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

/**
 * Frames are read up to this size (bounded, so a client cannot make the stand-in buffer without
 * end), so that one over API Gateway's message limit can be answered with an `error` before the
 * close instead of the ws library's bare 1009.
 */
const MAX_FRAME_BYTES = 4 * 1024 * 1024;

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
  // UTF-8 is checked by checkFrame, which answers with an `error` where ws would just close (1007).
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, skipUTF8Validation: true });

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

  const server = createGatewayServer((request, response) => {
    if (!parseRequestUrl(request.url)) {
      return sendError(response, 400, "BAD_REQUEST", "the request target is not a valid URL");
    }
    handleConnectionsRequest(request, response, registry)
      .then((handled) => {
        if (!handled) sendError(response, 426, "UPGRADE_REQUIRED", "connect with a WebSocket client");
      })
      .catch((error) => {
        if (response.headersSent || request.socket.destroyed) return void response.end();
        log.warn("@connections request failed", error);
        sendError(response, 500, "INTERNAL_ERROR", "internal error");
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
    const url = parseRequestUrl(request.url);
    if (!url) return refuse(socket, 400, "the request target is not a valid URL");
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
      const bytes = toBuffer(data);
      const refusal = checkFrame(bytes, isBinary, MAX_MESSAGE_BYTES);
      connection.queue = connection.queue.then(() =>
        refusal ? refuseFrame(connection, refusal) : route(connection, bytes.toString("utf8")),
      );
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

  /** What API Gateway refuses before any route runs: one `error` frame, then the close it implies. */
  function refuseFrame(connection: OpenConnection, refusal: FrameRefusal): void {
    const { code, message, closeCode } = refusal;
    registry.send(connection.connectionId, JSON.stringify({ type: "error", error: { code, message } }));
    if (closeCode !== undefined) connection.socket.close(closeCode, code);
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

const REFUSAL_CODES: Record<number, string> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  500: "INTERNAL_ERROR",
  503: "STARTING",
};

/** Answers an upgrade request with a plain HTTP status, in Pacer's error shape, instead of switching protocols. */
function refuse(socket: Duplex, status: number, message: string): void {
  if (socket.destroyed) return;
  socket.end(
    rawErrorResponse(status, REFUSAL_CODES[status] ?? (status < 500 ? "REFUSED" : "ERROR"), message),
  );
}

/** ws hands a message as one Buffer, fragments or an ArrayBuffer depending on its binaryType. */
function toBuffer(data: RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.isBuffer(data) ? data : Buffer.from(data);
}
