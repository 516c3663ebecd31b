import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Priority } from "#catalog/types.ts";
import type { ActiveJobs, SubjectClaim, SubjectStatus, SyncSubject } from "#core/enqueue.ts";
import { type JobRecord, jobRecordFromItem, queueCounters } from "#core/job.ts";
import type { OverdueJob } from "#core/sweep.ts";
import type { ResumeState } from "#core/sync-job.ts";
import { isConditionalCheckFailed } from "./dynamo-util.ts";
import { FinishBookkeeping } from "./job-store-finish.ts";
import {
  acceptsTransition,
  CHILD_COUNTER,
  isOpen,
  type JobKeyFields,
  jobKey,
  openShard,
  patched,
  type QueueState,
  resumeOf,
  type StatusPatch,
  type SyncStatus,
  statusKey,
  syncStatusOf,
  transitionUpdate,
} from "./job-store-items.ts";
import { OpenJobs } from "./job-store-open.ts";
import { SubjectIndex } from "./subject-index.ts";

export { OPEN_JOBS_INDEX, type QueueState, type SyncStatus } from "./job-store-items.ts";

export interface JobStoreOptions {
  readonly tableName: string;
  readonly client: Pick<DynamoDBDocumentClient, "send">;
  readonly jobRetentionDays: number;
}

/**
 * Job records (one item per job, kept for the retention through TTL) and the per-sync status items
 * they roll up into. Every job write goes through a status condition, so a redelivered message
 * can neither count a job twice nor move a finished job backwards.
 *
 * Also the index of active jobs (one claim per subject, see core/enqueue.ts): a job's end clears
 * its claim, whatever ended it, and a success is the subject's last — written before the job's
 * end is visible (job-store-finish.ts).
 */
export class JobStore implements ActiveJobs {
  private readonly subjects: SubjectIndex;
  private readonly finishes: FinishBookkeeping;
  private readonly open: OpenJobs;

  constructor(private readonly options: JobStoreOptions) {
    this.subjects = new SubjectIndex(options.client, options.tableName, options.jobRetentionDays);
    this.finishes = new FinishBookkeeping(options.client, options.tableName, this.subjects);
    this.open = new OpenJobs(options.client, options.tableName);
  }

  claimSubject(subject: SyncSubject, jobId: string, now: number, expiresAt: number): Promise<SubjectClaim> {
    return this.subjects.claim(subject, jobId, now, expiresAt);
  }

  releaseSubject(subject: SyncSubject, jobId: string): Promise<void> {
    return this.subjects.release(subject, jobId);
  }

  subjectStatus(
    tenantId: string,
    connectionId: string,
    syncType: string,
    params: Readonly<Record<string, string>>,
  ): Promise<SubjectStatus> {
    return this.subjects.status({ tenantId, connectionId, syncType, params }, Date.now());
  }

  async raisePriority(tenantId: string, jobId: string, priority: Priority): Promise<JobRecord | undefined> {
    try {
      const result = await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: jobKey(tenantId, jobId),
          UpdateExpression: "SET priority = :priority, updatedAt = :now",
          // Never tried: its only message is the first, which the raised one duplicates.
          ConditionExpression: "#status = :queued AND attempts = :zero AND deferrals = :zero",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":priority": priority,
            ":now": new Date().toISOString(),
            ":queued": "queued",
            ":zero": 0,
          },
          ReturnValues: "ALL_NEW",
        }),
      );
      return result.Attributes === undefined ? undefined : jobRecordFromItem(result.Attributes);
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }

  /** Records a new job; false when it already exists (a duplicate delivery of a scheduled slot). */
  async create(record: JobRecord): Promise<boolean> {
    const expiresAt =
      Math.floor(Date.parse(record.createdAt) / 1000) + this.options.jobRetentionDays * 86_400;
    try {
      await this.options.client.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: {
            ...jobKey(record.tenantId, record.jobId),
            ...record,
            expiresAt,
            // A queued job is due at once (or when its delayed message is): if the message never
            // arrives, the sweep sends it again.
            ...(isOpen(record.status)
              ? {
                  openShard: openShard(record.provider),
                  dueAt: record.notBefore ?? record.createdAt,
                  queuedAs: queueCounters(record),
                }
              : {}),
          },
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
    const item = await this.item(tenantId, jobId);
    return item === undefined ? undefined : jobRecordFromItem(item);
  }

  /**
   * Moves an open job to `patch.status`. Returns the updated record, or undefined when the job is
   * already finished (nothing changes then). Finishing a job rolls it into its sync's status.
   */
  async transition(
    job: JobKeyFields,
    patch: StatusPatch,
    queue?: QueueState,
    resume?: ResumeState,
  ): Promise<JobRecord | undefined> {
    const item = await this.update(job, patch, queue, resume);
    return item === undefined ? undefined : jobRecordFromItem(item);
  }

  /** A transition to running that also returns what the job kept from its earlier legs. */
  async start(
    job: JobKeyFields,
    patch: StatusPatch,
    queue: QueueState,
  ): Promise<{ record: JobRecord; resume: ResumeState } | undefined> {
    const item = await this.update(job, patch, queue);
    if (item === undefined) return undefined;
    return { record: jobRecordFromItem(item), resume: resumeOf(item) };
  }

  /** Counts children a parent enqueued. */
  async addChildren(parent: Pick<JobRecord, "tenantId" | "jobId">, count: number): Promise<void> {
    await this.options.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: jobKey(parent.tenantId, parent.jobId),
        UpdateExpression: "ADD childTotal :n",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeValues: { ":n": count },
      }),
    );
  }

  /** Counts a child's end on its parent, open or not (a parent may end before its children). */
  async childEnded(
    parent: Pick<JobRecord, "tenantId" | "jobId">,
    status: "succeeded" | "failed" | "skipped",
  ): Promise<void> {
    try {
      await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: jobKey(parent.tenantId, parent.jobId),
          UpdateExpression: "ADD #counter :one",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeNames: { "#counter": CHILD_COUNTER[status] },
          ExpressionAttributeValues: { ":one": 1 },
        }),
      );
    } catch (error) {
      // The parent's record has expired (retention): nothing is left to count on.
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /** Open jobs of a provider whose message was due before `before` (see job-store-open.ts). */
  overdue(provider: string, before: string, limit: number): Promise<OverdueJob[]> {
    return this.open.overdue(provider, before, limit);
  }

  /** Moves an overdue job's due time on unless it changed since it was read (job-store-open.ts). */
  claimOverdue(job: OverdueJob, nextDueAt: string, now: string): Promise<boolean> {
    return this.open.claimOverdue(job, nextDueAt, now);
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
      statuses.push(...(page.Items ?? []).map(syncStatusOf));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return statuses;
  }

  /**
   * The conditional write of a transition, and around one that ends the job its bookkeeping: a
   * success is the subject's last before the job reads succeeded, the sync's status and the
   * subject's claim follow the write that ended it (see job-store-finish.ts).
   */
  private async update(
    job: JobKeyFields,
    patch: StatusPatch,
    queue?: QueueState,
    resume?: ResumeState,
  ): Promise<Record<string, unknown> | undefined> {
    if (patch.status === "succeeded") {
      // The subject's key (connection, params) is on the record, and a job already ended must
      // not have a success recorded on its behalf.
      const stored = await this.item(job.tenantId, job.jobId);
      if (stored === undefined || !acceptsTransition(stored, queue)) return undefined;
      await this.finishes.beforeSuccess(jobRecordFromItem(patched(stored, patch)));
    }
    let updated: Record<string, unknown>;
    try {
      const result = await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: jobKey(job.tenantId, job.jobId),
          ...transitionUpdate(job, patch, queue, resume),
          ReturnValues: "ALL_NEW",
        }),
      );
      updated = result.Attributes ?? {};
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
    if (!isOpen(patch.status)) await this.finishes.afterEnd(jobRecordFromItem(updated));
    return updated;
  }

  private async item(tenantId: string, jobId: string): Promise<Record<string, unknown> | undefined> {
    const result = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: jobKey(tenantId, jobId),
        ConsistentRead: true,
      }),
    );
    return result.Item;
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
}
