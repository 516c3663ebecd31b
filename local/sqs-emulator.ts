import { type BuildAppOptions, buildApp } from "fauxqs";
import { LOOPBACK } from "./ports.ts";

export interface SqsEmulator {
  readonly endpoint: string;
  readonly port: number;
  /** Closes the server; the queues and their messages, kept in memory, are gone. */
  stop(): Promise<void>;
}

interface SqsStore {
  host: string;
}

/**
 * fauxqs, in process, on loopback only (startFauxqs listens on every interface).
 *
 * Queue URLs: fauxqs names queues `http://sqs.<region>.localhost:<port>/…` unless its store has no
 * host, in which case it uses the request's Host (`http://127.0.0.1:<port>/…`). The first form does
 * not resolve here, and the SQS client, seeing a queue URL whose origin differs from its endpoint,
 * warns on every call. fauxqs does not export its store class, hence the import by file; fauxqs is
 * pinned in package.json, and a layout change fails here at start-up, loudly.
 *
 * `port` 0 (default) takes a free one; a restart passes the previous one, so queue URLs stay valid.
 */
export async function startSqsEmulator(port = 0): Promise<SqsEmulator> {
  const storeUrl = new URL("./sqs/sqsStore.js", import.meta.resolve("fauxqs"));
  const { SqsStore } = (await import(storeUrl.href)) as { SqsStore: new () => SqsStore };
  const sqsStore = new SqsStore();
  sqsStore.host = "";
  for (let attempt = 1; ; attempt++) {
    // buildApp makes the SNS and S3 stores it is not given.
    const app = buildApp({ logger: false, stores: { sqsStore } as unknown as BuildAppOptions["stores"] });
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
