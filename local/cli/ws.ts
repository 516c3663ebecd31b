import WebSocket from "ws";
import { parseServerFrame, type ServerFrame } from "./api-types.ts";
import { CliError } from "./errors.ts";

/**
 * One WebSocket connection to the live API (README "WebSocket API"): `?token=` on connect,
 * subscriptions acknowledged before they count, every server frame to the listeners.
 * The server answers each client message exactly once and in order, so replies are matched to
 * requests first in, first out; `update` and `job` frames are not replies.
 */
export interface LiveConnection {
  /** Resolves once the server acknowledged the subscription; rejects with its `error`. */
  subscribe(topic: string): Promise<void>;
  ping(): Promise<void>;
  onFrame(listener: (frame: ServerFrame, raw: string) => void): void;
  /** Settles when the connection has closed, from either side. */
  readonly closed: Promise<{ readonly code: number; readonly byClient: boolean }>;
  close(): void;
}

export interface OpenLiveOptions {
  /** How long connecting, and each reply, may take. @default 10000 */
  readonly timeoutMs?: number;
  /** A `ping` this often keeps idle connections from being closed (API Gateway: 10 min). @default 300000 */
  readonly keepAliveMs?: number;
  /** What to suggest when the token is refused. */
  readonly tokenHint?: string;
}

/** The server answered a client message with an `error` frame (e.g. an unknown topic). */
export class LiveRefusalError extends CliError {
  override readonly name = "LiveRefusalError";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The WebSocket upgrade was answered with an HTTP status instead (401: the token). */
export class LiveUpgradeRefusedError extends CliError {
  override readonly name = "LiveUpgradeRefusedError";
  constructor(
    readonly status: number,
    message: string,
    hint?: string,
  ) {
    super(message, hint);
  }
}

/** A WebSocket message that replies to a client message. */
const REPLY_TYPES = new Set(["subscribed", "unsubscribed", "pong", "error"]);

interface PendingReply {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export function openLive(url: string, token: string, options: OpenLiveOptions = {}): Promise<LiveConnection> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const socket = new WebSocket(`${url}${url.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}`, {
    handshakeTimeout: timeoutMs,
  });
  const listeners: ((frame: ServerFrame, raw: string) => void)[] = [];
  const pending: PendingReply[] = [];
  let byClient = false;

  const closed = new Promise<{ code: number; byClient: boolean }>((resolve) => {
    socket.on("close", (code) => {
      clearInterval(keepAlive);
      for (const reply of pending.splice(0)) {
        clearTimeout(reply.timer);
        reply.reject(new CliError(`the WebSocket closed (${code}) before the server replied`));
      }
      resolve({ code, byClient });
    });
  });
  const keepAlive = setInterval(() => {
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ action: "ping" }));
  }, options.keepAliveMs ?? 300_000);
  keepAlive.unref();

  socket.on("message", (data) => {
    const raw = data.toString();
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      json = raw;
    }
    const frame = parseServerFrame(json);
    if (REPLY_TYPES.has(frame.type)) {
      const reply = pending.shift();
      if (reply) {
        clearTimeout(reply.timer);
        if (frame.type === "error") reply.reject(new LiveRefusalError(frame.error.code, frame.error.message));
        else reply.resolve();
        return;
      }
    }
    for (const listener of listeners) listener(frame, raw);
  });

  function request(message: Record<string, string>): Promise<void> {
    return new Promise((resolve, reject) => {
      if (socket.readyState !== WebSocket.OPEN) {
        reject(new CliError("the WebSocket is not open"));
        return;
      }
      const timer = setTimeout(() => {
        const at = pending.findIndex((p) => p.timer === timer);
        if (at !== -1) pending.splice(at, 1);
        reject(new CliError(`no reply to ${message.action} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      pending.push({ resolve, reject, timer });
      socket.send(JSON.stringify(message));
    });
  }

  const connection: LiveConnection = {
    subscribe: (topic) => request({ action: "subscribe", topic }),
    ping: () => request({ action: "ping" }),
    onFrame: (listener) => {
      listeners.push(listener);
    },
    closed,
    close: () => {
      byClient = true;
      socket.close(1000);
    },
  };

  return new Promise((resolve, reject) => {
    socket.once("open", () => resolve(connection));
    socket.once("unexpected-response", (_request, response) => {
      const status = response.statusCode ?? 0;
      socket.terminate();
      reject(
        status === 401 || status === 403
          ? new LiveUpgradeRefusedError(
              status,
              `the WebSocket at ${url} refused the token (HTTP ${status})`,
              options.tokenHint,
            )
          : new LiveUpgradeRefusedError(
              status,
              `the WebSocket at ${url} refused the connection (HTTP ${status})`,
            ),
      );
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      reject(new CliError(`cannot reach the WebSocket at ${url} (${error.code ?? error.message})`));
    });
    // After the handshake an error only ends the connection: `closed` tells the listeners.
    socket.on("error", () => {});
  });
}
