import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { FunctionSpec } from "#core/functions.ts";
import { currentInvocation } from "../local/aws/invocation.ts";
import type { LocalFunction } from "../local/aws/lambda.ts";

/** What AWS would bill one run for, counted as it happens (never estimated afterwards). */
export interface AwsUsage {
  readonly lambda: { readonly invocations: number; readonly gbSeconds: number };
  readonly sqs: { readonly requests: number };
  readonly dynamodb: { readonly readUnits: number; readonly writeUnits: number };
  readonly scheduler: { readonly invocations: number };
  readonly apiGateway: {
    readonly restRequests: number;
    readonly wsMessages: number;
    readonly wsConnectionMinutes: number;
  };
}

/** SQS bills each 64 KB chunk of a request's payload as one request. */
const SQS_CHUNK_BYTES = 64 * 1024;
/** API Gateway bills WebSocket messages in 32 KB increments. */
export const WS_CHUNK_BYTES = 32 * 1024;
/** A failed conditional write still consumes write units: one per KB of the item, at least one. */
const WRITE_UNIT_BYTES = 1024;

const CAPACITY_COMMANDS = new Set([
  "GetItemCommand",
  "PutItemCommand",
  "UpdateItemCommand",
  "DeleteItemCommand",
  "QueryCommand",
  "ScanCommand",
  "BatchGetItemCommand",
  "BatchWriteItemCommand",
  "TransactGetItemsCommand",
  "TransactWriteItemsCommand",
]);
const WRITE_COMMANDS = new Set([
  "PutItemCommand",
  "UpdateItemCommand",
  "DeleteItemCommand",
  "TransactWriteItemsCommand",
]);

interface ConsumedCapacity {
  readonly ReadCapacityUnits?: number;
  readonly WriteCapacityUnits?: number;
  readonly CapacityUnits?: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };

/**
 * The simulator's meter: a Lambda wrapper (invocations, duration × memory, invocations in
 * flight), middleware on the SQS and DynamoDB clients, and counters the simulator bumps itself
 * (Scheduler firings, REST requests, WebSocket traffic). reset() starts a measured span.
 */
export class Meter {
  #usage: Mutable<AwsUsage> = emptyUsage();
  readonly #inFlight = new Set<string>();
  /** Per function name: invocations (for the report's detail). */
  readonly #byFunction = new Map<string, number>();
  readonly #msByFunction = new Map<string, number>();
  /** Per DynamoDB command: calls and total ms (where a worker's time goes). */
  readonly #dynamoCalls = new Map<string, { calls: number; ms: number }>();

  usage(): AwsUsage {
    return structuredClone(this.#usage);
  }

  byFunction(): Record<string, number> {
    return Object.fromEntries(this.#byFunction);
  }

  dynamoCalls(): Record<string, { calls: number; ms: number }> {
    return Object.fromEntries(
      [...this.#dynamoCalls].map(([k, v]) => [k, { calls: v.calls, ms: Math.round(v.ms) }]),
    );
  }

  /** Per function name: total billed ms (where the run's time goes). */
  msByFunction(): Record<string, number> {
    return Object.fromEntries(this.#msByFunction);
  }

  /** Lambda invocations running right now. */
  inFlight(): number {
    return this.#inFlight.size;
  }

  /** Their request ids. */
  inFlightIds(): ReadonlySet<string> {
    return this.#inFlight;
  }

  reset(): void {
    this.#usage = emptyUsage();
    this.#byFunction.clear();
    this.#msByFunction.clear();
  }

  /** A function whose every invocation is counted, with its duration billed at the spec's memory. */
  wrap = (fn: LocalFunction, spec: Pick<FunctionSpec, "memoryMb">): LocalFunction => ({
    ...fn,
    handler: async (event, context) => {
      this.#inFlight.add(context.awsRequestId);
      const started = Date.now();
      try {
        return await fn.handler(event, context);
      } finally {
        this.#inFlight.delete(context.awsRequestId);
        // Lambda bills duration rounded up to the millisecond.
        const ms = Math.max(1, Math.ceil(Date.now() - started));
        this.#usage.lambda.invocations++;
        this.#usage.lambda.gbSeconds += (ms / 1000) * (spec.memoryMb / 1024);
        this.#byFunction.set(fn.name, (this.#byFunction.get(fn.name) ?? 0) + 1);
        this.#msByFunction.set(fn.name, (this.#msByFunction.get(fn.name) ?? 0) + ms);
      }
    },
  });

  /** Counts every request the client makes (per 64 KB of payload); `afterSend` sees each send's queue URL. */
  meterSqs(client: SQSClient, afterSend?: (queueUrl: string | undefined) => void): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { QueueUrl?: string };
        const result = await next(args);
        const command = context.commandName ?? "";
        const output = result.output as { Messages?: { Body?: string }[] };
        if (command === "ReceiveMessageCommand") {
          // An empty receive is the local poller's artifact: Lambda's event source long-polls instead.
          const bytes = (output.Messages ?? []).reduce((sum, m) => sum + Buffer.byteLength(m.Body ?? ""), 0);
          if ((output.Messages?.length ?? 0) > 0) this.#usage.sqs.requests += chunks(bytes, SQS_CHUNK_BYTES);
        } else {
          this.#usage.sqs.requests += chunks(Buffer.byteLength(JSON.stringify(args.input)), SQS_CHUNK_BYTES);
        }
        if (command === "SendMessageCommand" || command === "SendMessageBatchCommand")
          afterSend?.(input.QueueUrl);
        return result;
      },
      { step: "initialize", name: "simMeterSqs" },
    );
  }

  /** Asks every read and write for its consumed capacity and adds it up; a refused conditional write too. */
  meterDynamo(client: DynamoDBClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? "";
        const began = performance.now();
        const who = `${currentInvocation()?.functionName.replace("pacer-local-", "") ?? "sim"} ${command.replace("Command", "")} ${keyFamily(args.input)}`;
        const tally = this.#dynamoCalls.get(who) ?? { calls: 0, ms: 0 };
        this.#dynamoCalls.set(who, tally);
        tally.calls++;
        try {
          return await this.#measured(command, next, args);
        } finally {
          tally.ms += performance.now() - began;
        }
      },
      { step: "initialize", name: "simMeterDynamo" },
    );
  }

  async #measured<A extends { readonly input: object }, R extends { readonly output: unknown }>(
    command: string,
    next: (args: A) => Promise<R>,
    args: A,
  ): Promise<R> {
    if (!CAPACITY_COMMANDS.has(command)) return next(args);
    const input = args.input as Record<string, unknown>;
    const asked = { ...input, ReturnConsumedCapacity: "TOTAL" };
    try {
      const result = await next({ ...args, input: asked });
      const consumed = (result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] })
        .ConsumedCapacity;
      this.#addCapacity(command, consumed);
      return result;
    } catch (error) {
      if (
        WRITE_COMMANDS.has(command) &&
        (error as { name?: string }).name?.includes("ConditionalCheckFailed")
      ) {
        this.#usage.dynamodb.writeUnits += chunks(Buffer.byteLength(JSON.stringify(input)), WRITE_UNIT_BYTES);
      } else if ((error as { name?: string }).name === "TransactionCanceledException") {
        this.#usage.dynamodb.writeUnits +=
          2 * chunks(Buffer.byteLength(JSON.stringify(input)), WRITE_UNIT_BYTES);
      }
      throw error;
    }
  }

  addSchedulerInvocations(count: number): void {
    this.#usage.scheduler.invocations += count;
  }

  addRestRequest(count = 1): void {
    this.#usage.apiGateway.restRequests += count;
  }

  /** One WebSocket message (either way), billed per 32 KB. */
  addWsMessage(bytes: number): void {
    this.#usage.apiGateway.wsMessages += chunks(bytes, WS_CHUNK_BYTES);
  }

  addWsConnectionMs(ms: number): void {
    this.#usage.apiGateway.wsConnectionMinutes += ms / 60_000;
  }

  #addCapacity(command: string, consumed: ConsumedCapacity | ConsumedCapacity[] | undefined): void {
    const all = consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed];
    for (const c of all) {
      const read = c.ReadCapacityUnits;
      const write = c.WriteCapacityUnits;
      if (read !== undefined || write !== undefined) {
        this.#usage.dynamodb.readUnits += read ?? 0;
        this.#usage.dynamodb.writeUnits += write ?? 0;
      } else if (WRITE_COMMANDS.has(command) || command === "BatchWriteItemCommand") {
        this.#usage.dynamodb.writeUnits += c.CapacityUnits ?? 0;
      } else {
        this.#usage.dynamodb.readUnits += c.CapacityUnits ?? 0;
      }
    }
  }
}

function emptyUsage(): Mutable<AwsUsage> {
  return {
    lambda: { invocations: 0, gbSeconds: 0 },
    sqs: { requests: 0 },
    dynamodb: { readUnits: 0, writeUnits: 0 },
    scheduler: { invocations: 0 },
    apiGateway: { restRequests: 0, wsMessages: 0, wsConnectionMinutes: 0 },
  };
}

/** Billing chunks of `bytes`: at least one. */
export function chunks(bytes: number, chunkBytes: number): number {
  return Math.max(1, Math.ceil(bytes / chunkBytes));
}

/**
 * Which kind of item a DynamoDB request touches, for SIM_DEBUG's tally: its partition key up to
 * the first `#` (ENT, HIST, JOB, SUBJECT, …); `-` when the request names none (batches, scans).
 */
function keyFamily(input: unknown): string {
  const request = input as {
    Key?: { pk?: unknown };
    Item?: { pk?: unknown };
    ExpressionAttributeValues?: Record<string, unknown>;
  };
  const raw = request.Key?.pk ?? request.Item?.pk ?? request.ExpressionAttributeValues?.[":pk"];
  // The document client's values, or the base client's marshalled `{S: …}`.
  const pk = typeof raw === "object" && raw !== null && "S" in raw ? (raw as { S: unknown }).S : raw;
  return typeof pk === "string" ? (pk.split("#")[0] ?? "-") : "-";
}
