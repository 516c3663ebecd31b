import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";

/**
 * Write capacity, counted the same way for every limiter under test: a middleware on the
 * worker's DynamoDB client asks every write for `ReturnConsumedCapacity: "TOTAL"` and sums what
 * comes back.
 *
 * What DynamoDB Local (3.3.0) returns, checked here: PutItem, UpdateItem, DeleteItem and
 * BatchWriteItem report `CapacityUnits` sized like real DynamoDB (1 per started KB per item).
 * TransactWriteItems reports 1 per item, but real DynamoDB bills a transactional write twice
 * (2 WCU per started KB per item), so its reported units are doubled here to show what AWS would
 * charge. A failed write reports nothing, yet AWS charges it: a ConditionalCheckFailedException
 * counts 1 WCU, a TransactionCanceledException 1 WCU for each item the transaction touched, and
 * each is one conditional failure.
 */
export interface WriteTally {
  /** Write capacity units consumed (see above for the rules). */
  readonly wcu: number;
  /** Write requests sent, successful or not. */
  readonly writes: number;
  /** Writes refused by their condition (or transactions cancelled). */
  readonly conditionalFailures: number;
}

const WRITE_COMMANDS = new Set([
  "PutItemCommand",
  "UpdateItemCommand",
  "DeleteItemCommand",
  "TransactWriteItemsCommand",
  "BatchWriteItemCommand",
]);

const TRANSACTION_BILLING_FACTOR = 2;

interface ConsumedCapacity {
  readonly CapacityUnits?: number;
  readonly WriteCapacityUnits?: number;
}

/** Units a successful write reported (one entry, or one per table for batches and transactions). */
export function reportedWriteUnits(commandName: string, output: unknown): number {
  const consumed = (output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] } | undefined)
    ?.ConsumedCapacity;
  const entries = consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed];
  const units = entries.reduce(
    (sum, entry) => sum + (entry.CapacityUnits ?? entry.WriteCapacityUnits ?? 0),
    0,
  );
  return commandName === "TransactWriteItemsCommand" ? units * TRANSACTION_BILLING_FACTOR : units;
}

/** Units a write refused by its condition costs: 1 per item it touched; undefined for other errors. */
export function failedWriteUnits(commandName: string, input: unknown, error: unknown): number | undefined {
  const name = (error as { name?: unknown } | undefined)?.name;
  if (name === "ConditionalCheckFailedException") return 1;
  if (name === "TransactionCanceledException" && commandName === "TransactWriteItemsCommand") {
    const items = (input as { TransactItems?: readonly unknown[] } | undefined)?.TransactItems;
    return Math.max(1, items?.length ?? 1);
  }
  return undefined;
}

export class CapacityMeter {
  #wcu = 0;
  #writes = 0;
  #conditionalFailures = 0;

  /** Counts every write `client` sends from now on. Document clients built on it share its middleware. */
  attach(client: DynamoDBClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const commandName = context.commandName ?? "";
        if (!WRITE_COMMANDS.has(commandName)) return next(args);
        this.#writes++;
        const input = { ...(args.input as object), ReturnConsumedCapacity: "TOTAL" };
        try {
          const result = await next({ ...args, input });
          this.#wcu += reportedWriteUnits(commandName, result.output);
          return result;
        } catch (error) {
          const units = failedWriteUnits(commandName, input, error);
          if (units !== undefined) {
            this.#wcu += units;
            this.#conditionalFailures++;
          }
          throw error;
        }
      },
      { step: "initialize", name: "benchCapacityMeter" },
    );
  }

  tally(): WriteTally {
    return { wcu: this.#wcu, writes: this.#writes, conditionalFailures: this.#conditionalFailures };
  }
}
