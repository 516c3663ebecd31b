import type { _Record } from "@aws-sdk/client-dynamodb-streams";
import type { Catalog } from "#catalog/types.ts";
import { LOCAL_REGION } from "../aws/aws-config.ts";
import type { LocalFunctions } from "../aws/functions.ts";
import { type Doorbell, type SqsPoller, startSqsPoller } from "../aws/sqs-poller.ts";
import { type StreamPoller, startStreamPoller } from "../aws/stream-poller.ts";
import type { CreatedTables } from "../aws/tables.ts";
import type { LocalLog } from "../log.ts";
import type { AwsStandIns } from "./aws-stand-ins.ts";
import type { Teardown } from "./teardown.ts";

export interface PollersOptions {
  readonly catalog: Catalog;
  readonly standIns: AwsStandIns;
  readonly fns: LocalFunctions;
  /** Sees every record the stream poller reads (the job watch). */
  readonly onStreamRecords?: (records: readonly _Record[]) => void;
  /**
   * The simulator's driven mode: idle SQS loops wait for this doorbell, and no stream poller runs
   * (the simulator reads the stream itself, between its steps). @default timed polls, and a stream poller
   */
  readonly driven?: { readonly doorbell: Doorbell };
  readonly log: LocalLog;
}

/** Lambda's event sources: an SQS poller per provider's worker, the data table's stream → broadcaster. */
export interface Pollers {
  readonly workers: Readonly<Record<string, SqsPoller>>;
  /** The stream poller now (a restart of an in-memory DynamoDB Local replaces it); none when driven. */
  stream(): StreamPoller | undefined;
  /** Follows the data table's stream in `tables`, if it is not the one followed already. */
  follow(tables: CreatedTables): Promise<void>;
}

export function startPollers(options: PollersOptions, teardown: Teardown): Pollers {
  const { standIns, fns, log } = options;
  const workers: Record<string, SqsPoller> = {};
  for (const provider of options.catalog.providers) {
    const worker = fns.workers[provider.id];
    if (!worker) continue;
    const queues = standIns.queues.all.filter((queue) => queue.provider === provider.id);
    workers[provider.id] = startSqsPoller({
      sqs: standIns.sqs,
      queues,
      instances: worker.instances,
      replace: worker.fresh,
      region: LOCAL_REGION,
      log,
      ...(options.driven ? { doorbell: options.driven.doorbell } : {}),
    });
    teardown.add(() => workers[provider.id]?.stop());
    log.info(
      `worker-${provider.id} polls ${queues.map((queue) => queue.priority).join(" → ")} ` +
        `(${worker.instances.length} at a time)`,
    );
  }

  const startStream = (tables: CreatedTables) => {
    const dataStream = tables.streamArns.data;
    if (!dataStream) throw new Error("the data table has no stream");
    return {
      arn: dataStream,
      poller: startStreamPoller({
        streams: standIns.streams,
        streamArn: dataStream,
        fn: fns.broadcaster,
        region: LOCAL_REGION,
        log,
        onRecords: options.onStreamRecords,
      }),
    };
  };
  if (options.driven) {
    log.info("the data table's stream is read between the simulator's steps");
    return { workers, stream: () => undefined, follow: async () => undefined };
  }
  let stream = startStream(standIns.tables);
  teardown.add(() => stream.poller.stop());
  log.info("the data table's stream feeds the broadcaster");

  return {
    workers,
    stream: () => stream.poller,
    follow: async (tables) => {
      if (tables.streamArns.data === stream.arn) return;
      await stream.poller.stop();
      stream = startStream(tables);
    },
  };
}
