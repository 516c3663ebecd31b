/**
 * The lost-job sweep against DynamoDB Local: the job store's open-jobs index, and the sweep that
 * sends a lost job's last message again.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobStore } from "#adapters/dynamo/job-store.ts";
import type { JobMessageInput, JobRecord } from "#core/job.ts";
import { sweepLostJobs } from "#core/sweep.ts";
import { clientConfig } from "../../local/aws/aws-config.ts";
import { type DynamoDbLocal, startDynamoDbLocal } from "../../local/aws/dynamodb-local.ts";
import { createTables } from "../../local/aws/tables.ts";
import { aJobRecord } from "../support/job-record.ts";

let dynamo: DynamoDbLocal;
let client: DynamoDBDocumentClient;
let jobs: JobStore;

beforeAll(async () => {
  dynamo = await startDynamoDbLocal();
  const raw = new DynamoDBClient(clientConfig(dynamo.endpoint));
  client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  const tables = await createTables(raw);
  jobs = new JobStore({ tableName: tables.names.data, client, jobRetentionDays: 1 });
});

afterAll(async () => {
  client?.destroy();
  await dynamo?.stop();
});

const MINUTE = 60_000;

function record(jobId: string, createdAt: number, provider = "openf1"): JobRecord {
  return aJobRecord({
    jobId,
    provider,
    params: { year: "2024" },
    createdAt: new Date(createdAt).toISOString(),
  });
}

function sweeper(now: number, sent: JobMessageInput[], providers = ["openf1"]) {
  return () =>
    sweepLostJobs({
      providers,
      jobs,
      queue: { send: async (message) => void sent.push(message) },
      graceMs: 5 * MINUTE,
      clock: () => now,
    });
}

describe("job store", () => {
  it("keeps no error of an earlier attempt once the job succeeds, and keeps it when the job fails", async () => {
    const now = Date.now();
    const at = new Date(now).toISOString();
    const error = { code: "PROVIDER_UNAVAILABLE", message: "502" };
    for (const [jobId, status] of [
      ["m-ok", "succeeded"],
      ["m-bad", "failed"],
    ] as const) {
      const job = record(jobId, now, "store-errors");
      await jobs.create(job);
      await jobs.transition(job, { status: "queued", updatedAt: at, attempts: 1, error, notBefore: at });
      await jobs.transition(job, {
        status,
        updatedAt: at,
        finishedAt: at,
        ...(status === "failed" ? { error } : {}),
      });
    }
    const ok = await jobs.get("acme", "m-ok");
    expect(ok).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(ok?.error).toBeUndefined();
    expect(ok?.notBefore).toBeUndefined();
    expect(await jobs.get("acme", "m-bad")).toMatchObject({ status: "failed", error });
    // Neither is left in the open-jobs index.
    expect(await jobs.overdue("store-errors", new Date(now + 3_600_000).toISOString(), 10)).toEqual([]);
  });
});

describe("lost-job sweep", () => {
  it("sends a job the API recorded but never queued, once per grace period, and not after it finished", async () => {
    const now = Date.now();
    const lost = record("m-lost", now - 10 * MINUTE);
    await jobs.create(lost);
    await jobs.create(record("m-fresh", now - MINUTE));
    const sent: JobMessageInput[] = [];

    expect(await sweeper(now, sent)()).toEqual({ requeued: 1, skipped: 0 });
    expect(sent).toEqual([
      expect.objectContaining({ jobId: "m-lost", tenantId: "acme", params: { year: "2024" }, attempts: 0 }),
    ]);
    // Claimed: the same sweep again (or a concurrent one) does not send it twice.
    expect(await sweeper(now, sent)()).toEqual({ requeued: 0, skipped: 0 });
    expect((await jobs.get("acme", "m-lost"))?.sweeps).toBe(1);

    const at = new Date(now).toISOString();
    await jobs.transition(lost, { status: "succeeded", updatedAt: at, finishedAt: at });
    expect(await sweeper(now + 20 * MINUTE, sent)()).toMatchObject({ requeued: 1 }); // only m-fresh now
    expect(sent.map((m) => m.jobId)).toEqual(["m-lost", "m-fresh"]);
  });

  it("sends exactly the message last recorded for a deferred job, and hides the bookkeeping from readers", async () => {
    const now = Date.now();
    const job = record("m-deferred", now - 30 * MINUTE, "sweep-deferred");
    await jobs.create(job);
    const pending = { ...job, source: "manual", attempts: 2, deferrals: 3 };
    await jobs.transition(
      job,
      { status: "deferred", updatedAt: new Date(now).toISOString(), deferrals: 3 },
      {
        dueAt: new Date(now - 10 * MINUTE).toISOString(),
        pendingMessage: JSON.stringify({
          jobId: pending.jobId,
          tenantId: pending.tenantId,
          connectionId: pending.connectionId,
          provider: pending.provider,
          syncType: pending.syncType,
          params: pending.params,
          priority: pending.priority,
          source: pending.source,
          attempts: 2,
          deferrals: 3,
        }),
      },
    );
    const read = await jobs.get("acme", "m-deferred");
    expect(read).toMatchObject({ status: "deferred", deferrals: 3 });
    expect(Object.keys(read ?? {})).not.toEqual(expect.arrayContaining(["pendingMessage"]));
    expect(Object.keys(read ?? {})).not.toEqual(expect.arrayContaining(["dueAt"]));

    const sent: JobMessageInput[] = [];
    expect(await sweeper(now, sent, ["sweep-deferred"])()).toEqual({ requeued: 1, skipped: 0 });
    expect(sent).toEqual([expect.objectContaining({ jobId: "m-deferred", attempts: 2, deferrals: 3 })]);
  });
});
