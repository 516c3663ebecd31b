import { type DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { subjectOf } from "#core/enqueue.ts";
import type { JobRecord } from "#core/job.ts";
import { statusKey } from "./job-store-items.ts";
import type { SubjectIndex } from "./subject-index.ts";

/**
 * What a job's end writes besides the job's own record, in two halves around the write that makes
 * its end visible (see JobStore.transition):
 *
 * - before it, a success as the subject's last: a reader that sees the job succeeded also sees the
 *   data's age (`lastSuccessAt`, what freshness and `GET /data/...` read), never an unknown age that
 *   would queue another refresh. Should the job's write then be refused (another delivery ended
 *   the job between the read that found it open and the write), the success stays, and that is
 *   true: a job is told it succeeded only once its pages, watermark and completion are stored, so
 *   the subject's data is as fresh as that; and a success is kept only if later than the one there.
 * - after it, only by the write that ended the job: the sync's status (its pending count goes down
 *   once per job) and the subject's claim.
 */
export class FinishBookkeeping {
  constructor(
    private readonly client: Pick<DynamoDBDocumentClient, "send">,
    private readonly tableName: string,
    private readonly subjects: SubjectIndex,
  ) {}

  /** Before `job` (as it will read once ended) is written succeeded: its subject's last success. */
  async beforeSuccess(job: JobRecord): Promise<void> {
    // A run that reused earlier answers holds data as of when they were fetched, not its end.
    await this.subjects.succeeded(subjectOf(job), job.dataAsOf ?? endedAt(job));
  }

  /** Once `job` has ended (this write ended it): the sync's status, and the subject's claim. */
  async afterEnd(job: JobRecord): Promise<void> {
    const fresh = job.status === "succeeded" || job.status === "skipped";
    const at = endedAt(job);
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: statusKey(job.tenantId, job.provider, job.syncType),
        UpdateExpression: `ADD pending :minus SET lastStatus = :status, lastJobId = :job, lastRunAt = :at${
          fresh ? ", lastSuccessAt = :at" : ""
        }`,
        ExpressionAttributeValues: { ":minus": -1, ":status": job.status, ":job": job.jobId, ":at": at },
      }),
    );
    // A fan-out child never claims its subject: its deterministic id is its dedupe.
    if (job.source !== "fanout") await this.subjects.release(subjectOf(job), job.jobId);
  }
}

const endedAt = (job: JobRecord): string => job.finishedAt ?? job.updatedAt;
