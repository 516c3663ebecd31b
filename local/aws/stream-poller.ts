import {
  type _Record,
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
  TrimmedDataAccessException,
} from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBStreamEvent } from "aws-lambda";
import type { LocalLog } from "../log.ts";
import { sleep } from "../sleep.ts";
import { invoke, type LocalFunction } from "./lambda.ts";
import { isBroadcastRecord, retryFrom, toLambdaStreamRecord } from "./stream-event.ts";

export interface StreamPollerOptions {
  readonly streams: DynamoDBStreamsClient;
  readonly streamArn: string;
  /** Its result is read by Lambda's rules (see retryFrom). */
  readonly fn: LocalFunction<DynamoDBStreamEvent, unknown>;
  readonly region: string;
  readonly log: LocalLog;
  /** Lambda's default for DynamoDB streams. */
  readonly batchSize?: number;
  /** Retries of a failing batch before its records are skipped (deployed: to the on-failure destination). */
  readonly retryAttempts?: number;
  /**
   * Sees every batch of records read from a shard, before the event filter and the broadcaster:
   * the stand-in's own watchers (the job lines). A batch read again (fresh iterators after an
   * outage) is seen again. What it throws is logged, and delivery goes on.
   */
  readonly onRecords?: (records: readonly _Record[]) => void;
}

export interface StreamPoller {
  stats(): { readonly batches: number; readonly records: number; readonly skipped: number };
  stop(): Promise<void>;
}

interface ShardState {
  readonly id: string;
  readonly parentId: string | undefined;
  iterator: string | undefined;
  /** Last sequence number handed on (or skipped); resuming starts after it. */
  lastSequence: string | undefined;
  closed: boolean;
}

/** Lambda polls a stream shard about four times a second. */
const POLL_MS = 250;
/** How often to look for new shards (DynamoDB rolls shards over every few hours). */
const DESCRIBE_MS = 5_000;
/** Longest wait between attempts while the stream cannot be read. */
const RETRY_MAX_MS = 5_000;
/** Longest wait for a batch in flight when stopping. */
const STOP_WAIT_MS = 10_000;

/**
 * Lambda's DynamoDB Streams event source: reads every shard from its start (parents before their
 * children), drops records the event filter would drop, invokes the broadcaster in order, and
 * on a reported failure retries from the earliest failed record.
 */
export function startStreamPoller(options: StreamPollerOptions): StreamPoller {
  const abort = new AbortController();
  const stats = { batches: 0, records: 0, skipped: 0 };
  const loop = pollStream(options, stats, abort.signal);
  return {
    stats: () => ({ ...stats }),
    stop: async () => {
      abort.abort();
      await Promise.race([loop, sleep(STOP_WAIT_MS)]);
    },
  };
}

async function pollStream(
  options: StreamPollerOptions,
  stats: { batches: number; records: number; skipped: number },
  signal: AbortSignal,
): Promise<void> {
  const shards = new Map<string, ShardState>();
  let describedAt = 0;
  let failures = 0;
  while (!signal.aborted) {
    let busy = false;
    try {
      // A shard that just closed has children to find; otherwise look now and then.
      const closedWithoutChild = [...shards.values()].some(
        (shard) => shard.closed && ![...shards.values()].some((other) => other.parentId === shard.id),
      );
      const describeEveryMs = closedWithoutChild || shards.size === 0 ? POLL_MS * 4 : DESCRIBE_MS;
      if (Date.now() - describedAt > describeEveryMs) {
        const listed = await listShards(options, signal);
        // A restarted in-memory DynamoDB Local has new shards: forget the ones that are gone.
        const ids = new Set(listed.map((shard) => shard.ShardId));
        for (const id of shards.keys()) if (!ids.has(id)) shards.delete(id);
        for (const shard of listed) {
          if (shard.ShardId && !shards.has(shard.ShardId)) {
            shards.set(shard.ShardId, {
              id: shard.ShardId,
              parentId: shard.ParentShardId,
              iterator: undefined,
              lastSequence: undefined,
              closed: false,
            });
          }
        }
        describedAt = Date.now();
      }
      for (const shard of shards.values()) {
        if (shard.closed || !parentDone(shard, shards) || signal.aborted) continue;
        busy = (await pollShard(options, shard, stats, signal)) || busy;
      }
      if (failures > 0) options.log.debug(`stream poller: reading again after ${failures} failures`);
      failures = 0;
    } catch (error) {
      if (signal.aborted) break;
      // An outage fails every call: say so once, then back off quietly until DynamoDB answers.
      if (failures === 0)
        options.log.warn("stream poller: reading the stream failed; retrying with backoff", error);
      failures++;
      // After DynamoDB Local restarts its iterators are void: describe the stream again and take
      // fresh iterators from where each shard was.
      describedAt = 0;
      for (const shard of shards.values()) shard.iterator = undefined;
      await sleep(Math.min(POLL_MS * 2 ** failures, RETRY_MAX_MS), signal);
      continue;
    }
    if (!busy) await sleep(POLL_MS, signal);
  }
}

function parentDone(shard: ShardState, shards: Map<string, ShardState>): boolean {
  const parent = shard.parentId === undefined ? undefined : shards.get(shard.parentId);
  return parent === undefined || parent.closed;
}

async function listShards(options: StreamPollerOptions, signal: AbortSignal): Promise<Shard[]> {
  const shards: Shard[] = [];
  let start: string | undefined;
  do {
    const { StreamDescription } = await options.streams.send(
      new DescribeStreamCommand({ StreamArn: options.streamArn, ExclusiveStartShardId: start }),
      { abortSignal: signal },
    );
    shards.push(...(StreamDescription?.Shards ?? []));
    start = StreamDescription?.LastEvaluatedShardId;
  } while (start);
  return shards;
}

/** Reads one batch from a shard and delivers it; true when it got records. */
async function pollShard(
  options: StreamPollerOptions,
  shard: ShardState,
  stats: { batches: number; records: number; skipped: number },
  signal: AbortSignal,
): Promise<boolean> {
  if (shard.iterator === undefined) {
    shard.iterator = await shardIterator(options, shard, signal);
    if (shard.iterator === undefined) {
      shard.closed = true;
      return false;
    }
  }
  let records: _Record[];
  try {
    const output = await options.streams.send(
      new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: options.batchSize ?? 100 }),
      { abortSignal: signal },
    );
    records = output.Records ?? [];
    shard.iterator = output.NextShardIterator;
    if (shard.iterator === undefined) shard.closed = true;
  } catch (error) {
    // Take a fresh iterator from where we were. DynamoDB Local numbers stream records across all
    // tables, so an iterator taken on a still-empty shard can point before its first record and
    // then reads as "trimmed"; a new one taken now starts at the first record.
    if (error instanceof ExpiredIteratorException || error instanceof TrimmedDataAccessException) {
      shard.iterator = undefined;
      return false;
    }
    throw error;
  }
  if (records.length === 0) return false;
  tap(options, records);
  const wanted = records.filter(isBroadcastRecord);
  if (wanted.length > 0) await deliver(options, wanted, stats, signal);
  shard.lastSequence = records.at(-1)?.dynamodb?.SequenceNumber ?? shard.lastSequence;
  return true;
}

function tap(options: StreamPollerOptions, records: readonly _Record[]): void {
  try {
    options.onRecords?.(records);
  } catch (error) {
    options.log.warn("stream poller: a record tap failed", error);
  }
}

/** An iterator after the last record handed on; from the shard's start when that record is trimmed. */
async function shardIterator(
  options: StreamPollerOptions,
  shard: ShardState,
  signal: AbortSignal,
): Promise<string | undefined> {
  const get = async (after: string | undefined) =>
    (
      await options.streams.send(
        new GetShardIteratorCommand({
          StreamArn: options.streamArn,
          ShardId: shard.id,
          ...(after
            ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", SequenceNumber: after }
            : { ShardIteratorType: "TRIM_HORIZON" }),
        }),
        { abortSignal: signal },
      )
    ).ShardIterator;
  try {
    return await get(shard.lastSequence);
  } catch (error) {
    if (!(error instanceof TrimmedDataAccessException) || shard.lastSequence === undefined) throw error;
    return get(undefined);
  }
}

/** Invokes the broadcaster, retrying from the earliest failed record; skips what keeps failing. */
async function deliver(
  options: StreamPollerOptions,
  records: _Record[],
  stats: { batches: number; records: number; skipped: number },
  signal: AbortSignal,
): Promise<void> {
  let pending = records.map((record) => toLambdaStreamRecord(record, options.streamArn, options.region));
  const attempts = options.retryAttempts ?? 3;
  for (let attempt = 0; pending.length > 0 && !signal.aborted; attempt++) {
    let from: string | "all" | undefined;
    try {
      from = retryFrom(await invoke(options.fn, { Records: pending }), pending);
    } catch (error) {
      options.log.warn(`${options.fn.name}: batch of ${pending.length} failed`, error);
      from = "all";
    }
    stats.batches++;
    if (from === undefined) {
      stats.records += pending.length;
      return;
    }
    const index =
      from === "all" ? 0 : pending.findIndex((record) => record.dynamodb?.SequenceNumber === from);
    stats.records += index;
    pending = pending.slice(index);
    if (attempt >= attempts) {
      options.log.warn(
        `${options.fn.name}: skipping ${pending.length} stream records after ${attempts} retries`,
      );
      stats.skipped += pending.length;
      return;
    }
    await sleep(250 * 2 ** attempt, signal);
  }
}
