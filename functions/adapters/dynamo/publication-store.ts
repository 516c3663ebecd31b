import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type QueryCommandInput,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import type { PublicationRow } from "#core/race/publication-rows.ts";
import type {
  Approval,
  ApproveOutcome,
  PublicationRecord,
  PublicationStore,
  StoredDiff,
} from "#core/race/publications.ts";
import type { PublishedResult, ResultKind } from "#providers/race/shapes.ts";
import { queryAll } from "./dynamo-util.ts";

export interface DynamoPublicationStoreOptions {
  /** TABLES.data. */
  readonly tableName: string;
  readonly client: Pick<DynamoDBDocumentClient, "send">;
}

/**
 * Publications in the data table, kept after approval as the record of what was approved:
 *   record   pk PUBS#<tenantId>#<eventId>            sk PUB#<publicationId>
 *   head     pk PUBS#<tenantId>#<eventId>            sk HEAD#<kind>   the last approved of the kind
 *   rows     pk PUBROWS#<tenantId>#<publicationId>   sk <target>#<n>  its changes, one item per row
 * A record is written after its rows, so a record never lacks them; the approval and the head
 * change in one transaction, so of two publications prepared against the same head only one is
 * approved. The broadcaster ignores all three (it announces ENT# and JOB# items only).
 */
const publicationsPk = (tenantId: string, eventId: string) => `PUBS#${tenantId}#${eventId}`;
const rowsPk = (tenantId: string, publicationId: string) => `PUBROWS#${tenantId}#${publicationId}`;
const RECORD_SK = "PUB#";
const HEAD_SK = "HEAD#";
/** BatchWriteItem's most items per request. */
const BATCH = 25;

type Change = "added" | "changed" | "removed";
interface RowItem {
  readonly target: number;
  readonly change: Change;
  readonly id: string;
  readonly result?: PublishedResult;
  readonly before?: PublishedResult;
}

export class DynamoPublicationStore implements PublicationStore {
  constructor(private readonly options: DynamoPublicationStoreOptions) {}

  async create(record: PublicationRecord, diff: readonly StoredDiff[]): Promise<void> {
    const items = diff.flatMap((part, target) => rowItems(part, target));
    const pk = rowsPk(record.tenantId, record.publicationId);
    for (let start = 0; start < items.length; start += BATCH) {
      const batch = items.slice(start, start + BATCH).map((item, offset) => ({
        PutRequest: {
          Item: { pk, sk: `${pad(item.target, 3)}#${pad(start + offset, 7)}`, ...item },
        },
      }));
      await this.batchWrite(batch);
    }
    await this.options.client.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: recordItem(record),
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  }

  async get(
    tenantId: string,
    eventId: string,
    publicationId: string,
  ): Promise<PublicationRecord | undefined> {
    const result = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: { pk: publicationsPk(tenantId, eventId), sk: `${RECORD_SK}${publicationId}` },
        ConsistentRead: true,
      }),
    );
    const record = result.Item && recordFromItem(result.Item);
    return record?.tenantId === tenantId && record.eventId === eventId ? record : undefined;
  }

  async list(tenantId: string, eventId: string): Promise<PublicationRecord[]> {
    const items = await this.query({
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :sk)",
      ExpressionAttributeValues: { ":pk": publicationsPk(tenantId, eventId), ":sk": RECORD_SK },
    });
    return items.map(recordFromItem).filter((r) => r.tenantId === tenantId && r.eventId === eventId);
  }

  async diff(tenantId: string, eventId: string, publicationId: string): Promise<StoredDiff[]> {
    const record = await this.get(tenantId, eventId, publicationId);
    if (!record) return [];
    const items = (await this.query({
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": rowsPk(tenantId, publicationId) },
    })) as unknown as RowItem[];
    return record.targets.map((target, index) => {
      const mine = items.filter((item) => item.target === index);
      const rows = (change: Change): PublicationRow[] =>
        mine
          .filter((item) => item.change === change && item.result)
          .map((item) => ({ id: item.id, result: item.result as PublishedResult }));
      return {
        connectionId: target.connectionId,
        provider: target.provider,
        eventId: target.eventId,
        added: rows("added"),
        changed: mine
          .filter((item) => item.change === "changed" && item.result && item.before)
          .map((item) => ({
            id: item.id,
            before: item.before as PublishedResult,
            after: item.result as PublishedResult,
          })),
        removed: rows("removed"),
      };
    });
  }

  async head(tenantId: string, eventId: string, kind: ResultKind): Promise<string | undefined> {
    const result = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: { pk: publicationsPk(tenantId, eventId), sk: `${HEAD_SK}${kind}` },
        ConsistentRead: true,
      }),
    );
    const id = result.Item?.publicationId;
    return typeof id === "string" ? id : undefined;
  }

  async approve(record: PublicationRecord & { readonly approval: Approval }): Promise<ApproveOutcome> {
    const pk = publicationsPk(record.tenantId, record.eventId);
    try {
      await this.options.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.options.tableName,
                Item: recordItem(record),
                ConditionExpression: "#status = :prepared",
                ExpressionAttributeNames: { "#status": "status" },
                ExpressionAttributeValues: { ":prepared": "prepared" },
              },
            },
            {
              Put: {
                TableName: this.options.tableName,
                Item: { pk, sk: `${HEAD_SK}${record.kind}`, publicationId: record.publicationId },
                ...(record.basedOn === undefined
                  ? { ConditionExpression: "attribute_not_exists(pk)" }
                  : {
                      ConditionExpression: "publicationId = :basedOn",
                      ExpressionAttributeValues: { ":basedOn": record.basedOn },
                    }),
              },
            },
          ],
        }),
      );
      return "approved";
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [recordCheck, headCheck] = error.CancellationReasons ?? [];
      if (recordCheck?.Code === "ConditionalCheckFailed") return "not-prepared";
      if (headCheck?.Code === "ConditionalCheckFailed") return "stale";
      throw error;
    }
  }

  private async batchWrite(requests: NonNullable<BatchWriteCommand["input"]["RequestItems"]>[string]) {
    let pending = requests;
    // Unprocessed items (throttling) are retried; the SDK's own retries back off between calls.
    for (let round = 0; pending.length > 0; round++) {
      if (round === 8)
        throw new Error("publication rows not stored: DynamoDB left items unprocessed 8 times");
      const result = await this.options.client.send(
        new BatchWriteCommand({ RequestItems: { [this.options.tableName]: pending } }),
      );
      pending = result.UnprocessedItems?.[this.options.tableName] ?? [];
      if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** round));
    }
  }

  private query(
    input: Pick<QueryCommandInput, "KeyConditionExpression" | "ExpressionAttributeValues">,
  ): Promise<Record<string, unknown>[]> {
    return queryAll(this.options.client, this.options.tableName, input);
  }
}

function rowItems(part: StoredDiff, target: number): RowItem[] {
  return [
    ...part.added.map((row) => ({ target, change: "added" as const, id: row.id, result: row.result })),
    ...part.changed.map((row) => ({
      target,
      change: "changed" as const,
      id: row.id,
      result: row.after,
      before: row.before,
    })),
    ...part.removed.map((row) => ({ target, change: "removed" as const, id: row.id, result: row.result })),
  ];
}

function recordItem(record: PublicationRecord): Record<string, unknown> {
  return {
    pk: publicationsPk(record.tenantId, record.eventId),
    sk: `${RECORD_SK}${record.publicationId}`,
    ...record,
  };
}

function recordFromItem(item: Record<string, unknown>): PublicationRecord {
  const { pk: _pk, sk: _sk, ...record } = item;
  return record as unknown as PublicationRecord;
}

const pad = (n: number, width: number) => String(n).padStart(width, "0");
