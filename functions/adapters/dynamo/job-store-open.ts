import { type DynamoDBDocumentClient, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { jobRecordFromItem } from "#core/job.ts";
import type { OverdueJob } from "#core/sweep.ts";
import { isConditionalCheckFailed } from "./dynamo-util.ts";
import { jobKey, OPEN_JOBS_INDEX, openShard } from "./job-store-items.ts";

/**
 * The lost-job sweep's view of the job records: the sparse index of open jobs by provider and the
 * moment their message is due (an open job's transitions keep it there, its end removes it).
 */
export class OpenJobs {
  constructor(
    private readonly client: Pick<DynamoDBDocumentClient, "send">,
    private readonly tableName: string,
  ) {}

  /**
   * Open jobs of a provider whose message was due before `before` (oldest first): a job still open
   * that long after its message should have been picked up has most likely lost it.
   */
  async overdue(provider: string, before: string, limit: number): Promise<OverdueJob[]> {
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: OPEN_JOBS_INDEX,
        KeyConditionExpression: "openShard = :shard AND dueAt < :before",
        ExpressionAttributeValues: { ":shard": openShard(provider), ":before": before },
        Limit: limit,
      }),
    );
    return (page.Items ?? []).map((item) => ({
      record: jobRecordFromItem(item),
      dueAt: String(item.dueAt),
      ...(typeof item.pendingMessage === "string" ? { pendingMessage: item.pendingMessage } : {}),
    }));
  }

  /**
   * Moves an overdue job's due time on, if no one else touched it since it was read (so two sweeps
   * never both send it). false: it changed meanwhile, leave it.
   */
  async claimOverdue(job: OverdueJob, nextDueAt: string, now: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: jobKey(job.record.tenantId, job.record.jobId),
          UpdateExpression: "SET dueAt = :next, sweptAt = :now ADD sweeps :one",
          ConditionExpression: "dueAt = :seen",
          ExpressionAttributeValues: { ":next": nextDueAt, ":seen": job.dueAt, ":now": now, ":one": 1 },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}
