import { createServer, type Server } from "node:net";

export const LOOPBACK = "127.0.0.1";

/** Listens on `port` (0: any free port) and resolves to the port actually bound. */
export function listen(
  server: Pick<Server, "listen" | "once" | "off" | "address">,
  port: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once("error", onError);
    server.listen(port, LOOPBACK, () => {
      server.off("error", onError);
      const address = server.address();
      if (address === null || typeof address === "string") reject(new Error("server has no TCP address"));
      else resolve(address.port);
    });
  });
}

/**
 * A port that was free a moment ago, for processes that cannot report the port they bound
 * (DynamoDB Local). Another process may take it in between; callers retry on that.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listen(server, 0);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
