import WebSocket from "ws";

/** A WebSocket test client that keeps every message and can wait for one. */
export interface WsClient {
  readonly messages: readonly Record<string, unknown>[];
  send(message: unknown): void;
  waitFor(
    predicate: (message: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** Connects with `?token=`; rejects with the HTTP status when the upgrade is refused. */
export function connect(url: string, token?: string): Promise<WsClient> {
  const target =
    token === undefined ? url : `${url}${url.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}`;
  const socket = new WebSocket(target);
  const messages: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  socket.on("message", (data) => {
    try {
      messages.push(JSON.parse(data.toString()) as Record<string, unknown>);
    } catch {
      messages.push({ raw: data.toString() });
    }
    for (const wake of waiters) wake();
  });
  const client: WsClient = {
    messages,
    send: (message) => socket.send(JSON.stringify(message)),
    waitFor: (predicate, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(predicate);
          if (!found) return;
          cleanup();
          resolve(found);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `no matching WebSocket message within ${timeoutMs} ms; got ${JSON.stringify(messages)}`,
            ),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    close: () =>
      new Promise((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once("close", () => resolve());
        socket.close();
      }),
  };
  return new Promise((resolve, reject) => {
    socket.once("open", () => resolve(client));
    socket.once("unexpected-response", (_request, response) => {
      reject(new WsRefusedError(response.statusCode ?? 0));
      socket.terminate();
    });
    socket.once("error", reject);
    // Errors after the handshake (the stack stopping) close the socket; they must not crash the test.
    socket.on("error", () => {});
  });
}

export class WsRefusedError extends Error {
  constructor(readonly status: number) {
    super(`WebSocket upgrade refused with HTTP ${status}`);
    this.name = "WsRefusedError";
  }
}
