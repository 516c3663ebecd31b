import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { JobRecord, JobStatus } from "#core/job.ts";
import { isConditionalCheckFailed } from "./dynamo-util.ts";

export interface JobStoreOptions {
  readonly tableName: string;
  readonly client: DynamoDBDocumentClient;
  readonly jobRetentionDays: number;
}

/** Per provider and sync type, what `GET /status` reports. */
export interface SyncStatus {
  readonly provider: string;
  readonly syncType: string;
  readonly pending: number;
  readonly lastStatus?: JobStatus;
  readonly lastJobId?: string;
  readonly lastRunAt?: string;
  readonly lastSuccessAt?: string;
}

const jobKey = (tenantId: string, jobId: string) => ({ pk: `JOB#${tenantId}#${jobId}`, sk: "JOB" });
const statusKey = (tenantId: string, provider: string, syncType: string) => ({
  pk: `STATUS#${tenantId}`,
  sk: `${provider}#${syncType}`,
});
const OPEN: JobStatus[] = ["queued", "deferred", "running"];

type JobPatch = Partial<Omit<JobRecord, "jobId" | "tenantId" | "provider" | "syncType" | "createdAt">>;

/**
 * Job records (one item per job, kept for the retention through TTL) and the per-sync status items
 * they roll up into. Every job write goes through a status condition, so a redelivered message
 * can neither count a job twice nor move a finished job backwards.
 */
export class JobStore {
  constructor(private readonly options: JobStoreOptions) {}

  /** Records a new job; false when it already exists (a duplicate delivery of a scheduled slot). */
  async create(record: JobRecord): Promise<boolean> {
    const expiresAt =
      Math.floor(Date.parse(record.createdAt) / 1000) + this.options.jobRetentionDays * 86_400;
    try {
      await this.options.client.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: { ...jobKey(record.tenantId, record.jobId), ...record, expiresAt },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
    await this.bumpPending(record.tenantId, record.provider, record.syncType, 1);
    return true;
  }

  async get(tenantId: string, jobId: string): Promise<JobRecord | undefined> {
    const result = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: jobKey(tenantId, jobId),
        ConsistentRead: true,
      }),
    );
    if (!result.Item) return undefined;
    const { pk: _pk, sk: _sk, expiresAt: _exp, ...record } = result.Item;
    return record as JobRecord;
  }

  /**
   * Moves an open job to `patch.status`. Returns the updated record, or undefined when the job is
   * already finished (nothing changes then). Finishing a job rolls it into its sync's status.
   */
  async transition(
    job: Pick<JobRecord, "tenantId" | "jobId" | "provider" | "syncType">,
    patch: JobPatch & { status: JobStatus; updatedAt: string },
    extra: { incrementAttempts?: boolean } = {},
  ): Promise<JobRecord | undefined> {
    const names: Record<string, string> = { "#status": "status" };
    const values: Record<string, unknown> = { ":open0": OPEN[0], ":open1": OPEN[1], ":open2": OPEN[2] };
    const sets: string[] = [];
    for (const [field, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    let expression = `SET ${sets.join(", ")}`;
    if (extra.incrementAttempts) {
      expression += " ADD attempts :one";
      values[":one"] = 1;
    }
    let updated: JobRecord;
    try {
      const result = await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: jobKey(job.tenantId, job.jobId),
          UpdateExpression: expression,
          ConditionExpression: "attribute_exists(pk) AND #status IN (:open0, :open1, :open2)",
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_NEW",
        }),
      );
      const { pk: _pk, sk: _sk, expiresAt: _exp, ...record } = result.Attributes ?? {};
      updated = record as JobRecord;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
    if (!OPEN.includes(patch.status)) await this.recordFinish(updated);
    return updated;
  }

  async statuses(tenantId: string): Promise<SyncStatus[]> {
    const statuses: SyncStatus[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": `STATUS#${tenantId}` },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const [provider = "", syncType = ""] = String(item.sk).split("#");
        statuses.push({
          provider,
          syncType,
          pending: Math.max(0, Number(item.pending ?? 0)),
          lastStatus: item.lastStatus,
          lastJobId: item.lastJobId,
          lastRunAt: item.lastRunAt,
          lastSuccessAt: item.lastSuccessAt,
        });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return statuses;
  }

  private async bumpPending(tenantId: string, provider: string, syncType: string, by: number): Promise<void> {
    await this.options.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: statusKey(tenantId, provider, syncType),
        UpdateExpression: "ADD pending :by",
        ExpressionAttributeValues: { ":by": by },
      }),
    );
  }

  private async recordFinish(job: JobRecord): Promise<void> {
    const fresh = job.status === "succeeded" || job.status === "skipped";
    const at = job.finishedAt ?? job.updatedAt;
    await this.options.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: statusKey(job.tenantId, job.provider, job.syncType),
        UpdateExpression: `ADD pending :minus SET lastStatus = :status, lastJobId = :job, lastRunAt = :at${
          fresh ? ", lastSuccessAt = :at" : ""
        }`,
        ExpressionAttributeValues: { ":minus": -1, ":status": job.status, ":job": job.jobId, ":at": at },
      }),
    );
  }
}
