/**
 * What a reader sees while a job ends, against DynamoDB Local (started on a free port, stopped
 * afterwards). The ending store's client is interposed on: the moment each of its requests
 * resolves, before the store goes on, another reader (the API's own store) looks at the job and its
 * subject, or another delivery acts — what could happen between the store's writes.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobStore } from "#adapters/dynamo/job-store.ts";
import type { SubjectStatus } from "#core/enqueue.ts";
import type { JobRecord } from "#core/job.ts";
import { clientConfig } from "../../local/aws/aws-config.ts";
import { type DynamoDbLocal, startDynamoDbLocal } from "../../local/aws/dynamodb-local.ts";
import { type CreatedTables, createTables } from "../../local/aws/tables.ts";
import { aJobRecord } from "../support/job-record.ts";

let dynamo: DynamoDbLocal;
let client: DynamoDBDocumentClient;
let tables: CreatedTables;
/** Another Lambda's store on the same table: the API answering `GET /data/...` meanwhile. */
let reader: JobStore;

beforeAll(async () => {
  dynamo = await startDynamoDbLocal();
  const raw = new DynamoDBClient(clientConfig(dynamo.endpoint));
  client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  tables = await createTables(raw);
  reader = new JobStore({ tableName: tables.names.data, client, jobRetentionDays: 1 });
}, 60_000);

afterAll(async () => {
  client?.destroy();
  await dynamo?.stop();
});

/** A job created just now: one created long ago would be past its retention, and TTL may take it. */
const aRecentJob = (jobId: string, syncType: string): JobRecord =>
  aJobRecord({ jobId, syncType, params: { year: "2026" }, createdAt: new Date().toISOString() });

interface Glimpse {
  readonly job: JobRecord["status"] | undefined;
  readonly subject: SubjectStatus;
}

type Command = Parameters<DynamoDBDocumentClient["send"]>[0];

/** A store on the same table whose client runs `meanwhile` once each of its requests resolves. */
function interposedStore(meanwhile: (command: Command) => Promise<void>): JobStore {
  const send = async (command: Command) => {
    const result = await client.send(command);
    await meanwhile(command);
    return result;
  };
  return new JobStore({
    tableName: tables.names.data,
    client: { send: send as DynamoDBDocumentClient["send"] },
    jobRetentionDays: 1,
  });
}

/**
 * A store each of whose requests, once it resolves, is followed by the reader's look at `job` and
 * its subject (before the store goes on to its next request): what a concurrent reader could see.
 */
const watchedStore = (job: JobRecord, glimpses: Glimpse[]): JobStore =>
  interposedStore(async () => {
    const [record, subject] = await Promise.all([
      reader.get(job.tenantId, job.jobId),
      reader.subjectStatus(job.tenantId, job.connectionId, job.syncType, job.params),
    ]);
    glimpses.push({ job: record?.status, subject });
  });

describe("JobStore ending a job", () => {
  it("has the subject's last success written by the time the job's record reads succeeded", async () => {
    // Prepare
    const job = aRecentJob("m-order", "order");
    await reader.create(job);
    const glimpses: Glimpse[] = [];
    const worker = watchedStore(job, glimpses);
    const at = new Date().toISOString();

    // Act
    await worker.transition(job, { status: "succeeded", updatedAt: at, finishedAt: at });

    // Assess: the first glimpse of the job succeeded already shows the data's age.
    const firstSucceeded = glimpses.find((g) => g.job === "succeeded");
    expect(firstSucceeded?.subject.lastSuccessAt).toBe(at);
  });

  it("dates the subject's success by when reused answers were fetched, not by the job's end", async () => {
    // Prepare
    const job = aRecentJob("m-reused", "reused");
    await reader.create(job);
    const glimpses: Glimpse[] = [];
    const worker = watchedStore(job, glimpses);
    const fetchedAt = new Date(Date.now() - 60_000).toISOString();
    const at = new Date().toISOString();

    // Act
    await worker.transition(job, { status: "succeeded", updatedAt: at, finishedAt: at, dataAsOf: fetchedAt });

    // Assess
    expect(glimpses.find((g) => g.job === "succeeded")?.subject.lastSuccessAt).toBe(fetchedAt);
  });

  it("records no success for a delivery that ends a job another delivery had already ended", async () => {
    // Prepare: the job failed (another job of its sync stays pending); a late delivery of it then
    // says it succeeded.
    const other = aRecentJob("m-late-other", "late");
    const job = aRecentJob("m-late", "late");
    await reader.create(other);
    await reader.create(job);
    const failedAt = new Date(Date.now() - 1_000).toISOString();
    await reader.transition(job, { status: "failed", updatedAt: failedAt, finishedAt: failedAt });
    const at = new Date().toISOString();

    // Act
    const late = await reader.transition(job, { status: "succeeded", updatedAt: at, finishedAt: at });

    // Assess: the job stays failed, its subject has no success, and the sync counted it once.
    expect(late).toBeUndefined();
    expect((await reader.get(job.tenantId, job.jobId))?.status).toBe("failed");
    expect(await reader.subjectStatus(job.tenantId, job.connectionId, "late", { year: "2026" })).toEqual({});
    expect((await reader.statuses(job.tenantId)).find((s) => s.syncType === "late")).toMatchObject({
      pending: 1,
      lastStatus: "failed",
      lastJobId: job.jobId,
    });
  });

  it("counts a job out of its sync's pending once when another delivery ends it first, keeping the stored run's success", async () => {
    // Prepare: another job of the sync stays pending; this one is failed by another delivery
    // between this delivery's read of the job and its write.
    const other = aRecentJob("m-raced-other", "raced");
    const job = aRecentJob("m-raced", "raced");
    await reader.create(other);
    await reader.create(job);
    const at = new Date().toISOString();
    let raced = false;
    const worker = interposedStore(async (command) => {
      if (raced || !(command instanceof GetCommand)) return;
      raced = true;
      await reader.transition(job, { status: "failed", updatedAt: at, finishedAt: at });
    });

    // Act
    const ended = await worker.transition(job, { status: "succeeded", updatedAt: at, finishedAt: at });

    // Assess: the job is the other delivery's; the success of this run's stored pages stays.
    expect(raced).toBe(true);
    expect(ended).toBeUndefined();
    expect((await reader.get(job.tenantId, job.jobId))?.status).toBe("failed");
    expect((await reader.statuses(job.tenantId)).find((s) => s.syncType === "raced")).toMatchObject({
      pending: 1,
      lastStatus: "failed",
    });
    expect(
      (await reader.subjectStatus(job.tenantId, job.connectionId, "raced", job.params)).lastSuccessAt,
    ).toBe(at);
  });
});
