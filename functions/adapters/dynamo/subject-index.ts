import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { SubjectClaim, SubjectStatus, SyncSubject } from "#core/enqueue.ts";
import { subjectKey } from "#core/enqueue.ts";
import { isConditionalCheckFailed } from "./dynamo-util.ts";

/**
 * One item per subject (tenant, connection, sync type, params): the job queued or running for it
 * (`activeJobId` until `activeUntil`, epoch ms) and when a job of it last succeeded. The claim's
 * expiry is checked in every condition, so a crashed job's claim lapses on time whatever TTL does;
 * the item itself expires (TTL) only after the job retention with nothing written to it.
 */
export class SubjectIndex {
  constructor(
    private readonly client: Pick<DynamoDBDocumentClient, "send">,
    private readonly tableName: string,
    private readonly retentionDays: number,
  ) {}

  async claim(subject: SyncSubject, jobId: string, now: number, expiresAt: number): Promise<SubjectClaim> {
    const key = this.key(subject);
    // A claim that changes hands between the write and the read of its holder is tried again.
    for (let round = 0; round < 3; round++) {
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression:
              "SET activeJobId = :job, activeUntil = :until, connectionId = :connection, syncType = :syncType, params = :params, expiresAt = :ttl",
            ConditionExpression:
              "attribute_not_exists(activeJobId) OR activeJobId = :job OR activeUntil < :now",
            ExpressionAttributeValues: {
              ":job": jobId,
              ":until": expiresAt,
              ":now": now,
              ":connection": subject.connectionId,
              ":syncType": subject.syncType,
              ":params": subject.params,
              ":ttl": this.ttl(expiresAt),
            },
          }),
        );
        return { claimed: true };
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
      const held = await this.read(subject);
      if (typeof held?.activeJobId === "string" && Number(held.activeUntil) >= now) {
        return { claimed: false, holder: held.activeJobId };
      }
    }
    throw new Error(`the claim on ${subject.syncType} kept changing hands`);
  }

  async release(subject: SyncSubject, jobId: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(subject),
          UpdateExpression: "REMOVE activeJobId, activeUntil",
          ConditionExpression: "activeJobId = :job",
          ExpressionAttributeValues: { ":job": jobId },
        }),
      );
    } catch (error) {
      // Another job holds it now, or nobody does: nothing of this job's is left to clear.
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /** A job of the subject succeeded at `at` (ISO): kept unless a later success is already there. */
  async succeeded(subject: SyncSubject, at: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(subject),
          UpdateExpression:
            "SET lastSuccessAt = :at, connectionId = :connection, syncType = :syncType, params = :params, expiresAt = :ttl",
          ConditionExpression: "attribute_not_exists(lastSuccessAt) OR lastSuccessAt < :at",
          ExpressionAttributeValues: {
            ":at": at,
            ":connection": subject.connectionId,
            ":syncType": subject.syncType,
            ":params": subject.params,
            ":ttl": this.ttl(Date.parse(at)),
          },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async status(subject: SyncSubject, now: number): Promise<SubjectStatus> {
    const item = await this.read(subject);
    if (item === undefined) return {};
    const active = typeof item.activeJobId === "string" && Number(item.activeUntil) >= now;
    return {
      ...(active ? { activeJobId: item.activeJobId as string } : {}),
      ...(typeof item.lastSuccessAt === "string" ? { lastSuccessAt: item.lastSuccessAt } : {}),
    };
  }

  private async read(subject: SyncSubject): Promise<Record<string, unknown> | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: this.key(subject), ConsistentRead: true }),
    );
    return result.Item;
  }

  private key(subject: SyncSubject) {
    return { pk: `SUBJECT#${subject.tenantId}`, sk: subjectKey(subject) };
  }

  /** TTL (epoch seconds): the retention after the later of now and `ms`. */
  private ttl(ms: number): number {
    return Math.floor(Math.max(ms, Date.now()) / 1000) + this.retentionDays * 86_400;
  }
}
