import { buildApp } from "fauxqs";
import { LOOPBACK } from "../ports.ts";

export interface SqsEmulator {
  readonly endpoint: string;
  readonly port: number;
  /** Closes the server; the queues and their messages, kept in memory, are gone. */
  stop(): Promise<void>;
}

/**
 * fauxqs, in process, on loopback only (startFauxqs listens on every interface). It names queues by
 * a host of its own; queues.ts puts them back on this endpoint.
 *
 * `port` 0 (default) takes a free one; a restart passes the previous one, so queue URLs stay valid.
 */
export async function startSqsEmulator(port = 0): Promise<SqsEmulator> {
  for (let attempt = 1; ; attempt++) {
    const app = buildApp({ logger: false });
    try {
      const endpoint = await app.listen({ port, host: LOOPBACK });
      return { endpoint, port: Number(new URL(endpoint).port), stop: () => app.close() };
    } catch (error) {
      await app.close();
      // Restarting on the port just closed: it can take a moment to be free again.
      if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE" || attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}
