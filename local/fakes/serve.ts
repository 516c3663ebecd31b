import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A fake's HTTP server, listening: its base URL, and how to stop it. */
export interface ServedFake {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Serves `respond` on `host:port` (a free port by default) for a fake provider. A handler that
 * throws drops the connection, as a broken server would; stop() does not wait for keep-alive
 * sockets to time out.
 */
export async function serveFake(
  respond: (request: IncomingMessage, response: ServerResponse) => Promise<void>,
  options: { readonly host?: string; readonly port?: number } = {},
): Promise<ServedFake> {
  const server = createServer((request, response) => {
    respond(request, response).catch(() => response.destroy());
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets would otherwise hold close() open until they time out.
        server.closeAllConnections();
      }),
  };
}
