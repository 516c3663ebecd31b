import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Priority } from "#catalog/types.ts";
import {
  type ActiveJobs,
  type SubjectClaim,
  type SubjectStatus,
  type SyncSubject,
  subjectOf,
} from "#core/enqueue.ts";
import { type JobRecord, type JobStatus, jobRecordFromItem, queueCounters } from "#core/job.ts";
import type { OverdueJob } from "#core/sweep.ts";
import type { ResumeState } from "#core/sync-job.ts";
import { isConditionalCheckFailed } from "./dynamo-util.ts";
import { SubjectIndex } from "./subject-index.ts";

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
/** A fan-out parent's counters of its children (assembled into `children` by jobRecordFromItem). */
const CHILD_COUNTER = {
  succeeded: "childSucceeded",
  failed: "childFailed",
  skipped: "childSkipped",
} as const;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The sparse index of open jobs, by provider and the moment their message is due. */
export const OPEN_JOBS_INDEX = "open-jobs";
const openShard = (provider: string) => `OPEN#${provider}`;

/** Where an open job's message stands: when it should be picked up, and its body to send again. */
export interface QueueState {
  /** ISO time after which a job still open with this state has lost its message. */
  readonly dueAt: string;
  /** The message last sent (or about to be sent) for the job, exactly. */
  readonly pendingMessage?: string;
  /** That message's counters (`<attempts>/<deferrals>`): the one delivery that may run the job next. */
  readonly queuedAs?: string;
  /**
   * Move the job only if the delivery doing so is the one the record expects (its counters): an
   * older message of the job, redelivered after the job moved on, must not run it again.
   */
  readonly expect?: string;
}

type JobPatch = Partial<Omit<JobRecord, "jobId" | "tenantId" | "provider" | "syncType" | "createdAt">>;

/**
 * Job records (one item per job, kept for the retention through TTL) and the per-sync status items
 * they roll up into. Every job write goes through a status condition, so a redelivered message
 * can neither count a job twice nor move a finished job backwards.
 *
 * Also the index of active jobs (one claim per subject, see core/enqueue.ts): a job's end clears
 * its claim, whatever ended it, and a success is the subject's last.
 */
export class JobStore implements ActiveJobs {
  private readonly subjects: SubjectIndex;

  constructor(private readonly options: JobStoreOptions) {
    this.subjects = new SubjectIndex(options.client, options.tableName, options.jobRetentionDays);
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
            ...(OPEN.includes(record.status)
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
    const result = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: jobKey(tenantId, jobId),
        ConsistentRead: true,
      }),
    );
    if (!result.Item) return undefined;
    return jobRecordFromItem(result.Item);
  }

  /**
   * Moves an open job to `patch.status`. Returns the updated record, or undefined when the job is
   * already finished (nothing changes then). Finishing a job rolls it into its sync's status.
   */
  async transition(
    job: Pick<JobRecord, "tenantId" | "jobId" | "provider" | "syncType">,
    patch: JobPatch & { status: JobStatus; updatedAt: string },
    queue?: QueueState,
    resume?: ResumeState,
  ): Promise<JobRecord | undefined> {
    const item = await this.update(job, patch, queue, resume);
    return item === undefined ? undefined : jobRecordFromItem(item);
  }

  /** A transition to running that also returns what the job kept from its earlier legs. */
  async start(
    job: Pick<JobRecord, "tenantId" | "jobId" | "provider" | "syncType">,
    patch: JobPatch & { status: JobStatus; updatedAt: string },
    queue: QueueState,
  ): Promise<{ record: JobRecord; resume: ResumeState } | undefined> {
    const item = await this.update(job, patch, queue);
    if (item === undefined) return undefined;
    const resume: ResumeState = {
      ...(isRecord(item.checkpoint) ? { checkpoint: item.checkpoint as ResumeState["checkpoint"] } : {}),
      ...(item.complete === true ? { complete: true } : {}),
      ...(typeof item.watermark === "string" ? { watermark: item.watermark } : {}),
    };
    return { record: jobRecordFromItem(item), resume };
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

  private async update(
    job: Pick<JobRecord, "tenantId" | "jobId" | "provider" | "syncType">,
    patch: JobPatch & { status: JobStatus; updatedAt: string },
    queue?: QueueState,
    resume?: ResumeState,
  ): Promise<Record<string, unknown> | undefined> {
    const names: Record<string, string> = { "#status": "status" };
    const values: Record<string, unknown> = { ":open0": OPEN[0], ":open1": OPEN[1], ":open2": OPEN[2] };
    const sets: string[] = [];
    for (const [field, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    const open = OPEN.includes(patch.status);
    if (open && queue) {
      names["#openShard"] = "openShard";
      names["#dueAt"] = "dueAt";
      values[":openShard"] = openShard(job.provider);
      values[":dueAt"] = queue.dueAt;
      sets.push("#openShard = :openShard", "#dueAt = :dueAt");
      if (queue.pendingMessage !== undefined) {
        names["#pendingMessage"] = "pendingMessage";
        values[":pendingMessage"] = queue.pendingMessage;
        sets.push("#pendingMessage = :pendingMessage");
      }
      if (queue.queuedAs !== undefined) {
        names["#queuedAs"] = "queuedAs";
        values[":queuedAs"] = queue.queuedAs;
        sets.push("#queuedAs = :queuedAs");
      }
    }
    let condition = "attribute_exists(pk) AND #status IN (:open0, :open1, :open2)";
    if (queue?.expect !== undefined) {
      names["#queuedAs"] = "queuedAs";
      values[":expect"] = queue.expect;
      condition += " AND (attribute_not_exists(#queuedAs) OR #queuedAs = :expect)";
    }
    const removes: string[] = [];
    if (open && resume) {
      // What the job keeps between legs: replaced whole, so a stale checkpoint never survives.
      for (const [field, value] of [
        ["checkpoint", resume.checkpoint],
        ["complete", resume.complete],
        ["watermark", resume.watermark],
      ] as const) {
        names[`#${field}`] = field;
        if (value === undefined) removes.push(`#${field}`);
        else {
          values[`:${field}`] = value;
          sets.push(`#${field} = :${field}`);
        }
      }
    }
    // A finished job leaves the open-jobs index and keeps nothing to resume; nothing is left to send
    // again. A job that ended well keeps no error of an earlier attempt, nor a next try.
    if (!open) {
      removes.push("openShard", "dueAt", "pendingMessage", "queuedAs");
      for (const field of ["checkpoint", "complete", "watermark"]) {
        names[`#${field}`] = field;
        removes.push(`#${field}`);
      }
      if (patch.status === "succeeded" || patch.status === "skipped") {
        names["#error"] = "error";
        names["#notBefore"] = "notBefore";
        removes.push("#error", "#notBefore");
      }
    }
    let expression = `SET ${sets.join(", ")}`;
    if (removes.length > 0) expression += ` REMOVE ${removes.join(", ")}`;
    let updated: Record<string, unknown>;
    try {
      const result = await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: jobKey(job.tenantId, job.jobId),
          UpdateExpression: expression,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_NEW",
        }),
      );
      updated = result.Attributes ?? {};
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
    if (!OPEN.includes(patch.status)) await this.recordFinish(jobRecordFromItem(updated));
    return updated;
  }

  /**
   * Open jobs of a provider whose message was due before `before` (oldest first): a job still open
   * that long after its message should have been picked up has most likely lost it.
   */
  async overdue(provider: string, before: string, limit: number): Promise<OverdueJob[]> {
    const page = await this.options.client.send(
      new QueryCommand({
        TableName: this.options.tableName,
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
      await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
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
    const subject = subjectOf(job);
    // A run that reused earlier answers holds data as of when they were fetched, not its end.
    if (job.status === "succeeded") await this.subjects.succeeded(subject, job.dataAsOf ?? at);
    // A fan-out child never claims its subject: its deterministic id is its dedupe.
    if (job.source !== "fanout") await this.subjects.release(subject, job.jobId);
  }
}
