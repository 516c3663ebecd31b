import { type BuildAppOptions, buildApp } from "fauxqs";
import { LOOPBACK } from "./ports.ts";

export interface SqsEmulator {
  readonly endpoint: string;
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
 */
export async function startSqsEmulator(): Promise<SqsEmulator> {
  const storeUrl = new URL("./sqs/sqsStore.js", import.meta.resolve("fauxqs"));
  const { SqsStore } = (await import(storeUrl.href)) as { SqsStore: new () => SqsStore };
  const sqsStore = new SqsStore();
  sqsStore.host = "";
  // buildApp makes the SNS and S3 stores it is not given.
  const app = buildApp({ logger: false, stores: { sqsStore } as unknown as BuildAppOptions["stores"] });
  const endpoint = await app.listen({ port: 0, host: LOOPBACK });
  return { endpoint, stop: () => app.close() };
}
