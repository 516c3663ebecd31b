import {
  type _Record,
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
  TrimmedDataAccessException,
} from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBStreamEvent } from "aws-lambda";
import { afterEach, describe, expect, it } from "vitest";
import { type StreamPoller, startStreamPoller } from "../../../../local/aws/stream-poller.ts";
import { createLog } from "../../../../local/log.ts";

const STREAM = "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/1";

const change = (pk: string, sequence: string): _Record => ({
  eventID: sequence,
  eventName: "INSERT",
  dynamodb: { Keys: { pk: { S: pk } }, NewImage: { pk: { S: pk } }, SequenceNumber: sequence },
});

/**
 * A stream as DescribeStream / GetShardIterator / GetRecords see it: shards with records, which
 * close (no NextShardIterator once read to the end) when `closed`.
 */
class FakeStream {
  readonly shards: { shard: Shard; records: _Record[]; closed: boolean }[] = [];
  /** Fail the first GetRecords of a shard as DynamoDB Local does for an early TRIM_HORIZON iterator. */
  trimOnce = new Set<string>();
  /** Every call fails while down (DynamoDB Local stopped). */
  down = false;
  failedCalls = 0;
  /** Bumped by a restart: iterators handed out before it are void. */
  epoch = 0;

  restart() {
    this.epoch++;
  }

  addShard(id: string, records: _Record[], parent?: string, closed = false) {
    this.shards.push({ shard: { ShardId: id, ParentShardId: parent }, records, closed });
  }

  client(): DynamoDBStreamsClient {
    return {
      send: async (command: unknown) => {
        if (this.down) {
          this.failedCalls++;
          throw new Error("connect ECONNREFUSED 127.0.0.1:8000");
        }
        if (command instanceof DescribeStreamCommand) {
          return { StreamDescription: { Shards: this.shards.map((s) => s.shard) } };
        }
        if (command instanceof GetShardIteratorCommand) {
          const { ShardId, SequenceNumber } = command.input;
          return { ShardIterator: `${ShardId}|${SequenceNumber ?? ""}|${this.epoch}` };
        }
        if (command instanceof GetRecordsCommand) {
          const [shardId, after, epoch] = (command.input.ShardIterator ?? "").split("|");
          if (Number(epoch) !== this.epoch) throw new Error("Invalid ShardIterator");
          const entry = this.shards.find((s) => s.shard.ShardId === shardId);
          if (!entry) throw new Error(`no shard ${shardId}`);
          if (this.trimOnce.delete(shardId as string)) {
            throw new TrimmedDataAccessException({ message: "trimmed", $metadata: {} });
          }
          const records = entry.records.filter(
            (r) => !after || Number(r.dynamodb?.SequenceNumber) > Number(after),
          );
          const last = records.at(-1)?.dynamodb?.SequenceNumber ?? after;
          const done = entry.closed;
          return {
            Records: records,
            NextShardIterator: done ? undefined : `${shardId}|${last ?? ""}|${this.epoch}`,
          };
        }
        throw new Error("unexpected command");
      },
    } as unknown as DynamoDBStreamsClient;
  }
}

let poller: StreamPoller | undefined;

afterEach(async () => {
  await poller?.stop();
  poller = undefined;
});

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function start(
  stream: FakeStream,
  handler: (event: DynamoDBStreamEvent) => Promise<unknown>,
  log = createLog({ quiet: true }),
) {
  poller = startStreamPoller({
    streams: stream.client(),
    streamArn: STREAM,
    fn: { name: "broadcaster", timeoutMs: 5_000, handler },
    region: "us-east-1",
    log,
    retryAttempts: 1,
  });
}

describe("startStreamPoller", () => {
  it("reads a closed parent shard to its end before its child, across a rollover", async () => {
    const stream = new FakeStream();
    stream.addShard("child", [change("ENT#c", "5")], "parent");
    stream.addShard(
      "parent",
      [change("ENT#a", "1"), change("HIST#x", "2"), change("JOB#b", "3")],
      undefined,
      true,
    );
    const seen: string[] = [];

    start(stream, async (event) => {
      seen.push(...event.Records.map((r) => r.dynamodb?.Keys?.pk?.S ?? ""));
    });
    await until(() => seen.length === 3);

    expect(seen).toEqual(["ENT#a", "JOB#b", "ENT#c"]);
  });

  it("picks up a shard that appears later", async () => {
    const stream = new FakeStream();
    stream.addShard("first", [change("ENT#a", "1")], undefined, true);
    const seen: string[] = [];
    start(stream, async (event) => {
      seen.push(...event.Records.map((r) => r.dynamodb?.Keys?.pk?.S ?? ""));
    });
    await until(() => seen.length === 1);

    stream.addShard("second", [change("ENT#b", "2")], "first");
    await until(() => seen.length === 2);

    expect(seen).toEqual(["ENT#a", "ENT#b"]);
  });

  it("takes a new iterator when the old one reads as trimmed", async () => {
    const stream = new FakeStream();
    stream.addShard("only", [change("ENT#a", "7")]);
    stream.trimOnce.add("only");
    const seen: string[] = [];

    start(stream, async (event) => {
      seen.push(...event.Records.map((r) => r.dynamodb?.SequenceNumber ?? ""));
    });
    await until(() => seen.length === 1);

    expect(seen).toEqual(["7"]);
  });

  it("retries from the first failed record, then skips what keeps failing", async () => {
    const stream = new FakeStream();
    stream.addShard("only", [change("ENT#a", "1"), change("ENT#b", "2"), change("ENT#c", "3")]);
    const batches: string[][] = [];

    start(stream, async (event) => {
      const sequences = event.Records.map((r) => r.dynamodb?.SequenceNumber ?? "");
      batches.push(sequences);
      return { batchItemFailures: sequences.includes("2") ? [{ itemIdentifier: "2" }] : [] };
    });
    await until(() => batches.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 400));

    expect(batches).toEqual([
      ["1", "2", "3"],
      ["2", "3"],
    ]);
    expect(poller?.stats()).toEqual({ batches: 2, records: 1, skipped: 2 });
  });

  it("rides through a DynamoDB restart: warns once, takes fresh iterators and goes on after the last record", async () => {
    const stream = new FakeStream();
    stream.addShard("only", [change("ENT#a", "1")]);
    const seen: string[] = [];
    const warnings: string[] = [];
    const log = { info: () => {}, debug: () => {}, notice: () => {}, warn: (m: string) => warnings.push(m) };
    start(
      stream,
      async (event) => void seen.push(...event.Records.map((r) => r.dynamodb?.SequenceNumber ?? "")),
      log,
    );
    await until(() => seen.length === 1);

    stream.down = true;
    stream.restart();
    await until(() => stream.failedCalls >= 3, 10_000);
    stream.shards[0]?.records.push(change("ENT#b", "2"));
    stream.down = false;
    await until(() => seen.length === 2, 10_000);

    expect(seen).toEqual(["1", "2"]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("retrying with backoff");
  });
});
