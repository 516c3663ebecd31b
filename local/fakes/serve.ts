import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** Requests one served fake answered, per `METHOD /path` (no query), and how many of them were 429s. */
export type ServedRequests = Map<string, { calls: number; rateLimited: number }>;

/**
 * Every request each fake served in this process, by the fake's URL: what the simulator counts as
 * the provider's calls (fakes in processes of their own report to theirs). Test-only routes
 * (`/_fake/…`) are left out.
 */
export const SERVED_REQUESTS = new Map<string, ServedRequests>();

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
  const served: ServedRequests = new Map();
  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0] ?? "/";
    if (!path.startsWith("/_fake/")) {
      response.once("finish", () => {
        const key = `${request.method ?? "GET"} ${path}`;
        const counts = served.get(key) ?? { calls: 0, rateLimited: 0 };
        counts.calls++;
        if (response.statusCode === 429) counts.rateLimited++;
        served.set(key, counts);
      });
    }
    respond(request, response).catch(() => response.destroy());
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  SERVED_REQUESTS.set(url, served);
  return {
    url,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets would otherwise hold close() open until they time out.
        server.closeAllConnections();
      }),
  };
}
