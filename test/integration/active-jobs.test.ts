/**
 * The active-job index (JobStore as ActiveJobs) and the response cache against DynamoDB Local,
 * which the file starts on a free port and stops afterwards.
 */
import { randomBytes } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobStore } from "#adapters/dynamo/job-store.ts";
import { DynamoResponseCache } from "#adapters/dynamo/response-cache.ts";
import type { CachedResponse } from "#adapters/response-reuse.ts";
import { clientConfig } from "../../local/aws/aws-config.ts";
import { type DynamoDbLocal, startDynamoDbLocal } from "../../local/aws/dynamodb-local.ts";
import { type CreatedTables, createTables } from "../../local/aws/tables.ts";
import { aJobRecord } from "../support/job-record.ts";

let dynamo: DynamoDbLocal;
let client: DynamoDBDocumentClient;
let tables: CreatedTables;
let jobs: JobStore;

beforeAll(async () => {
  dynamo = await startDynamoDbLocal();
  const raw = new DynamoDBClient(clientConfig(dynamo.endpoint));
  client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  tables = await createTables(raw);
  jobs = new JobStore({ tableName: tables.names.data, client, jobRetentionDays: 1 });
}, 60_000);

afterAll(async () => {
  client?.destroy();
  await dynamo?.stop();
});

const HOUR = 3_600_000;
const subject = (syncType: string, params: Record<string, string> = { year: "2026" }) => ({
  tenantId: "acme",
  connectionId: "c-00000000000000000001",
  syncType,
  params,
});

describe("JobStore as the index of active jobs", () => {
  it("lets one of many concurrent claims of a subject win, and tells the others who holds it", async () => {
    // Prepare
    const now = Date.now();
    // Act
    const claims = await Promise.all(
      Array.from({ length: 6 }, (_, i) => jobs.claimSubject(subject("race"), `m-${i}`, now, now + HOUR)),
    );
    // Assess
    const winners = claims.flatMap((c, i) => (c.claimed ? [`m-${i}`] : []));
    expect(winners).toHaveLength(1);
    for (const claim of claims) if (!claim.claimed) expect(claim.holder).toBe(winners[0]);
    expect(
      (await jobs.subjectStatus("acme", "c-00000000000000000001", "race", { year: "2026" })).activeJobId,
    ).toBe(winners[0]);
  });

  it("gives the subject over once the claim has expired, whether or not TTL has removed it", async () => {
    // Prepare
    const now = Date.now();
    await jobs.claimSubject(subject("expiring"), "m-crashed", now - 2 * HOUR, now - HOUR);
    // Act
    const claim = await jobs.claimSubject(subject("expiring"), "m-next", now, now + HOUR);
    // Assess
    expect(claim).toEqual({ claimed: true });
  });

  it("clears a job's claim when the job ends, and keeps its success as the subject's last", async () => {
    // Prepare
    // Created just now: a record past its retention may be taken by TTL mid-test.
    const now = Date.now();
    const record = aJobRecord({
      jobId: "m-ends",
      syncType: "ends",
      params: { year: "2026" },
      createdAt: new Date(now).toISOString(),
    });
    await jobs.claimSubject(subject("ends"), record.jobId, now, now + HOUR);
    await jobs.create(record);
    const at = new Date(now).toISOString();
    // Act
    await jobs.transition(record, { status: "succeeded", updatedAt: at, finishedAt: at });
    // Assess
    expect(await jobs.subjectStatus("acme", record.connectionId, "ends", { year: "2026" })).toEqual({
      lastSuccessAt: at,
    });
    expect(await jobs.claimSubject(subject("ends"), "m-after", now, now + HOUR)).toEqual({ claimed: true });
  });

  it("leaves a newer holder's claim alone when an older job ends", async () => {
    // Prepare
    const now = Date.now();
    await jobs.claimSubject(subject("newer"), "m-new", now, now + HOUR);
    // Act
    await jobs.releaseSubject(subject("newer"), "m-old");
    // Assess
    expect(await jobs.claimSubject(subject("newer"), "m-third", now, now + HOUR)).toEqual({
      claimed: false,
      holder: "m-new",
    });
  });

  it("raises a queued job that was never tried, and no other", async () => {
    // Prepare
    const createdAt = new Date().toISOString();
    const queued = aJobRecord({ jobId: "m-raise", priority: "low", createdAt });
    const tried = aJobRecord({ jobId: "m-tried", priority: "low", attempts: 1, createdAt });
    await jobs.create(queued);
    await jobs.create(tried);
    // Act
    const raised = await jobs.raisePriority("acme", queued.jobId, "high");
    const refused = await jobs.raisePriority("acme", tried.jobId, "high");
    const otherTenant = await jobs.raisePriority("globex", queued.jobId, "high");
    // Assess
    expect(raised).toMatchObject({ jobId: "m-raise", priority: "high", status: "queued" });
    expect(refused).toBeUndefined();
    expect(otherTenant).toBeUndefined();
    expect((await jobs.get("acme", tried.jobId))?.priority).toBe("low");
  });
});

describe("DynamoResponseCache", () => {
  const cache = () => new DynamoResponseCache({ tableName: tables.names.data, client });
  const answer = (body: string, fetchedAt = Date.now()): CachedResponse => ({
    status: 200,
    headers: { "content-type": "application/json", "x-page": "2" },
    body: new TextEncoder().encode(body),
    fetchedAt,
  });

  it("gives back a kept answer, body and headers, to its own tenant only", async () => {
    // Prepare
    const kept = answer(JSON.stringify([{ id: 1, name: "Monaco" }]));
    await cache().put({ tenantId: "acme", hash: "h-1" }, kept, Date.now() + HOUR);
    // Act
    const own = await cache().get({ tenantId: "acme", hash: "h-1" });
    const other = await cache().get({ tenantId: "globex", hash: "h-1" });
    // Assess
    expect(new TextDecoder().decode(own?.body)).toBe(JSON.stringify([{ id: 1, name: "Monaco" }]));
    expect(own).toMatchObject({ status: 200, headers: kept.headers, fetchedAt: kept.fetchedAt });
    expect(other).toBeUndefined();
  });

  it("keeps no answer too large for an item, and gives back none past its expiry", async () => {
    // Prepare: random bytes do not compress below the bound.
    const big = randomBytes(500_000).toString("base64");
    await cache().put({ tenantId: "acme", hash: "h-big" }, answer(big), Date.now() + HOUR);
    await cache().put({ tenantId: "acme", hash: "h-old" }, answer("[]"), Date.now() - 1_000);
    // Act
    const [tooBig, expired] = await Promise.all([
      cache().get({ tenantId: "acme", hash: "h-big" }),
      cache().get({ tenantId: "acme", hash: "h-old" }),
    ]);
    // Assess
    expect(tooBig).toBeUndefined();
    expect(expired).toBeUndefined();
  });
});
