import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from "@aws-sdk/client-dynamodb-streams";
import { TERMINAL_STATUSES } from "#core/job.ts";
import { clientConfig } from "../../local/aws/aws-config.ts";

export interface JobEndings {
  /** Distinct moments at which a job's record entered an end state (more than one: applied twice). */
  endingsOf(tenantId: string, jobId: string): number;
  stop(): Promise<void>;
}

const POLL_MS = 500;

/**
 * Reads the data table's stream beside the stand-in's own poller and collects, per job record,
 * every transition into an end state (succeeded, skipped, failed) from a state that was not one.
 * The job store only lets open jobs move, so a job whose record ends twice was applied twice.
 *
 * A transition is identified by the new image's status and updatedAt, not by the stream record:
 * after DynamoDB Local restarts, the watcher reads its shards again from the start, and a record
 * read twice must not count as a second ending.
 */
export function watchJobEndings(options: { readonly endpoint: string; readonly table: string }): JobEndings {
  const config = { ...clientConfig(options.endpoint), maxAttempts: 1 };
  const tables = new DynamoDBClient(config);
  const streams = new DynamoDBStreamsClient(config);
  const endings = new Map<string, Set<string>>();
  const iterators = new Map<string, string | undefined>();
  let stopped = false;

  const collect = (records: readonly _Record[]) => {
    for (const record of records) {
      const pk = record.dynamodb?.Keys?.pk?.S;
      if (!pk?.startsWith("JOB#")) continue;
      const after = record.dynamodb?.NewImage;
      const status = after?.status?.S;
      const before = record.dynamodb?.OldImage?.status?.S;
      if (!isEnd(status) || isEnd(before)) continue;
      const seen = endings.get(pk) ?? new Set<string>();
      seen.add(`${status}@${after?.updatedAt?.S ?? ""}`);
      endings.set(pk, seen);
    }
  };

  const discover = async () => {
    const table = await tables.send(new DescribeTableCommand({ TableName: options.table }));
    const arn = table.Table?.LatestStreamArn;
    if (arn === undefined) return;
    const stream = await streams.send(new DescribeStreamCommand({ StreamArn: arn }));
    for (const shard of stream.StreamDescription?.Shards ?? []) {
      if (shard.ShardId === undefined || iterators.has(shard.ShardId)) continue;
      const { ShardIterator } = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: arn,
          ShardId: shard.ShardId,
          ShardIteratorType: "TRIM_HORIZON",
        }),
      );
      iterators.set(shard.ShardId, ShardIterator);
    }
  };

  const loop = (async () => {
    let round = 0;
    while (!stopped) {
      try {
        if (round++ % 4 === 0) await discover();
        for (const [shardId, iterator] of iterators) {
          if (iterator === undefined) continue;
          const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
          collect(page.Records ?? []);
          iterators.set(shardId, page.NextShardIterator);
        }
      } catch {
        // DynamoDB Local went away or came back: start over from every shard's beginning.
        iterators.clear();
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  })();

  return {
    endingsOf: (tenantId, jobId) => endings.get(`JOB#${tenantId}#${jobId}`)?.size ?? 0,
    stop: async () => {
      stopped = true;
      await loop;
      tables.destroy();
      streams.destroy();
    },
  };
}

function isEnd(status: string | undefined): boolean {
  return status !== undefined && (TERMINAL_STATUSES as readonly string[]).includes(status);
}
