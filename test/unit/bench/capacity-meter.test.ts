import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import {
  CapacityMeter,
  failedWriteUnits,
  reportedWriteUnits,
} from "../../../bench/limiter/capacity-meter.ts";

describe("write capacity accounting", () => {
  it("sums what a write reports, one entry or one per table", () => {
    expect(reportedWriteUnits("PutItemCommand", { ConsumedCapacity: { CapacityUnits: 3 } })).toBe(3);
    expect(reportedWriteUnits("UpdateItemCommand", { ConsumedCapacity: { WriteCapacityUnits: 2 } })).toBe(2);
    expect(
      reportedWriteUnits("BatchWriteItemCommand", {
        ConsumedCapacity: [{ CapacityUnits: 2 }, { CapacityUnits: 1 }],
      }),
    ).toBe(3);
    expect(reportedWriteUnits("PutItemCommand", {})).toBe(0);
  });

  it("bills a transaction twice what DynamoDB Local reports, as AWS does", () => {
    expect(
      reportedWriteUnits("TransactWriteItemsCommand", { ConsumedCapacity: [{ CapacityUnits: 2 }] }),
    ).toBe(4);
  });

  it("charges a refused conditional write 1 unit, a cancelled transaction 1 per item", () => {
    const conditional = { name: "ConditionalCheckFailedException" };
    const cancelled = { name: "TransactionCanceledException" };

    expect(failedWriteUnits("PutItemCommand", {}, conditional)).toBe(1);
    expect(failedWriteUnits("TransactWriteItemsCommand", { TransactItems: [{}, {}, {}] }, cancelled)).toBe(3);
    expect(
      failedWriteUnits("PutItemCommand", {}, { name: "ProvisionedThroughputExceededException" }),
    ).toBeUndefined();
  });
});

describe("CapacityMeter on a client", () => {
  /** A client whose requests never leave the process: a middleware answers in place of the network. */
  function offlineClient(answer: (input: Record<string, unknown>, commandName: string) => unknown) {
    const raw = new DynamoDBClient({
      region: "us-east-1",
      credentials: { accessKeyId: "x", secretAccessKey: "x" },
    });
    const seen: Record<string, unknown>[] = [];
    raw.middlewareStack.add(
      (_next, context) => async (args) => {
        const input = args.input as Record<string, unknown>;
        seen.push(input);
        const result = answer(input, context.commandName ?? "");
        if (result instanceof Error) throw result;
        return { output: { $metadata: {}, ...(result as object) }, response: {} };
      },
      { step: "serialize", priority: "high", name: "offline" },
    );
    return { raw, seen, doc: DynamoDBDocumentClient.from(raw) };
  }

  it("asks every write for its capacity, sums it and counts refused conditions; reads are left alone", async () => {
    // Prepare
    const { raw, seen, doc } = offlineClient((input, commandName) => {
      if (commandName === "GetItemCommand") return {};
      if (input.ConditionExpression) {
        return Object.assign(new Error("The conditional request failed"), {
          name: "ConditionalCheckFailedException",
        });
      }
      if (commandName === "TransactWriteItemsCommand") return { ConsumedCapacity: [{ CapacityUnits: 2 }] };
      return { ConsumedCapacity: { CapacityUnits: 1 } };
    });
    const meter = new CapacityMeter();
    meter.attach(raw);

    // Act
    await doc.send(new PutCommand({ TableName: "t", Item: { pk: "a" } }));
    await doc.send(new GetCommand({ TableName: "t", Key: { pk: "a" } }));
    await expect(
      doc.send(
        new PutCommand({
          TableName: "t",
          Item: { pk: "a" },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      ),
    ).rejects.toThrow("conditional");
    await doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: "t", Item: { pk: "b" } } },
          { Put: { TableName: "t", Item: { pk: "c" } } },
        ],
      }),
    );

    // Assess
    expect(meter.tally()).toEqual({ wcu: 1 + 1 + 4, writes: 3, conditionalFailures: 1 });
    expect(seen.map((input) => input.ReturnConsumedCapacity)).toEqual(["TOTAL", undefined, "TOTAL", "TOTAL"]);
  });
});
