import {
  type _Record,
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
} from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBStreamEvent } from "aws-lambda";
import { LOCAL_REGION } from "../local/aws/aws-config.ts";
import { invoke, type LocalFunction } from "../local/aws/lambda.ts";
import { isBroadcastRecord, retryFrom, toLambdaStreamRecord } from "../local/aws/stream-event.ts";

interface Shard {
  iterator: string | undefined;
  lastSequence: string | undefined;
  closed: boolean;
}

/** Lambda's default batch for DynamoDB streams. */
const BATCH_SIZE = 100;

/**
 * The data table's stream, read when the simulator asks (between its steps) instead of polled on
 * a timer: every record goes to `onRecords` (the simulator's job log), the broadcast ones to the
 * broadcaster in batches, as Lambda's event source would. drain() returns how many records it read;
 * 0 means the stream is caught up.
 */
export class StreamDrain {
  readonly #shards = new Map<string, Shard>();
  /** A shard closed (its children are new shards): describe the stream again. */
  #describe = true;

  constructor(
    private readonly streams: DynamoDBStreamsClient,
    private readonly streamArn: string,
    private readonly broadcaster: LocalFunction<DynamoDBStreamEvent, unknown>,
    private readonly onRecords: (records: readonly _Record[]) => void,
  ) {}

  async drain(): Promise<number> {
    let read = 0;
    // A shard that closes while being read has children: read them in the same drain.
    while (this.#describe) {
      this.#describe = false;
      await this.#discover();
      read += await this.#readOpenShards();
    }
    return read + (await this.#readOpenShards());
  }

  async #readOpenShards(): Promise<number> {
    let read = 0;
    for (const [id, shard] of this.#shards) {
      while (!shard.closed) {
        const records = await this.#read(id, shard);
        if (records.length === 0) break;
        read += records.length;
        this.onRecords(records);
        const wanted = records.filter(isBroadcastRecord);
        if (wanted.length > 0) await this.#deliver(wanted);
      }
    }
    return read;
  }

  async #discover(): Promise<void> {
    let start: string | undefined;
    do {
      const { StreamDescription } = await this.streams.send(
        new DescribeStreamCommand({ StreamArn: this.streamArn, ExclusiveStartShardId: start }),
      );
      for (const shard of StreamDescription?.Shards ?? []) {
        if (shard.ShardId && !this.#shards.has(shard.ShardId))
          this.#shards.set(shard.ShardId, { iterator: undefined, lastSequence: undefined, closed: false });
      }
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
  }

  async #read(id: string, shard: Shard): Promise<_Record[]> {
    shard.iterator ??= await this.#iterator(id, shard);
    if (shard.iterator === undefined) {
      this.#close(shard);
      return [];
    }
    try {
      const output = await this.streams.send(
        new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: BATCH_SIZE }),
      );
      shard.iterator = output.NextShardIterator;
      if (shard.iterator === undefined) this.#close(shard);
      const records = output.Records ?? [];
      shard.lastSequence = records.at(-1)?.dynamodb?.SequenceNumber ?? shard.lastSequence;
      return records;
    } catch (error) {
      // A stale iterator, or one taken before the shard's first record: take a fresh one next time.
      if (error instanceof ExpiredIteratorException || error instanceof TrimmedDataAccessException) {
        shard.iterator = undefined;
        return [];
      }
      throw error;
    }
  }

  #close(shard: Shard): void {
    shard.closed = true;
    this.#describe = true;
  }

  async #iterator(id: string, shard: Shard): Promise<string | undefined> {
    const { ShardIterator } = await this.streams.send(
      new GetShardIteratorCommand({
        StreamArn: this.streamArn,
        ShardId: id,
        ...(shard.lastSequence
          ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", SequenceNumber: shard.lastSequence }
          : { ShardIteratorType: "TRIM_HORIZON" }),
      }),
    );
    return ShardIterator;
  }

  /** The broadcaster over one batch, again from the first failed record, three times at most. */
  async #deliver(records: readonly _Record[]): Promise<void> {
    let pending = records.map((record) => toLambdaStreamRecord(record, this.streamArn, LOCAL_REGION));
    for (let attempt = 0; attempt < 4 && pending.length > 0; attempt++) {
      let from: string | "all" | undefined;
      try {
        from = retryFrom(await invoke(this.broadcaster, { Records: pending }), pending);
      } catch {
        from = "all";
      }
      if (from === undefined) return;
      const index = from === "all" ? 0 : pending.findIndex((r) => r.dynamodb?.SequenceNumber === from);
      pending = pending.slice(Math.max(0, index));
    }
  }
}
