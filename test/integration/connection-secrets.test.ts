/**
 * A connection's credentials go into its secret and nowhere else: not into an API answer (a
 * fingerprint at most), a log line, a metric, a job record, an error, a stored item or a
 * dead-lettered message. The stack runs with its handlers' INFO logs and EMF metrics on, every
 * line they write is kept, and after connecting, rotating, syncing, failing on a revoked key and
 * refusing bad input, everything is scanned for the keys.
 */
import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientConfig } from "../../local/aws/aws-config.ts";
import { type LocalStack, startLocalStack } from "../../local/stack.ts";
import { call, waitForJob } from "./support/api-client.ts";
import { catalogOf } from "./support/target.ts";

const KEY = "5ec2e7a11ce5ec2e7a11ce01";
const ROTATED = "5ec2e7b0b5ec2e7b0b5ec202";
const REVOKED = "5ec2e7dead5ec2e7dead5e03";
const OPENF1_PASSWORD = "5ec2e7-openf1-pa55word";
const SECRETS = [KEY, ROTATED, REVOKED, OPENF1_PASSWORD];

let stack: LocalStack;
const written: string[] = [];
const restore: (() => void)[] = [];
const answers: string[] = [];

/** Keeps everything this process writes (the handlers' logs and metrics go to stdout and stderr). */
function captureOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      written.push(String(chunk));
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    restore.push(() => {
      stream.write = write as typeof stream.write;
    });
  }
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    const original = console[level];
    console[level] = (...args: unknown[]) => {
      written.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
    };
    restore.push(() => {
      console[level] = original;
    });
  }
}

beforeAll(async () => {
  captureOutput();
  stack = await startLocalStack({
    verbose: true,
    metrics: true,
    scheduler: false,
    connectFakes: false,
    catalog: catalogOf(["openf1", "zwiftracing"]),
  });
  const fake = stack.fakes.zwiftracing?.url;
  for (const key of [KEY, ROTATED]) {
    await fetch(`${fake}/_fake/keys`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ key, tier: "standard" }),
    });
  }
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  for (const undo of restore.reverse()) undo();
});

/** A request whose answer is kept for the scan. */
async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await call<T>(stack, method, path, body === undefined ? {} : { body });
  answers.push(JSON.stringify(response.body));
  return response;
}

const found = (text: string) => SECRETS.filter((secret) => text.includes(secret));

describe("a connection's credentials", () => {
  it("appear in no API answer, log line, metric, job record, error, stored item or dead letter", async () => {
    // Prepare: connect, read, rotate, sync, revoke (the provider refuses the key), refuse bad input.
    const created = await api<{ connectionId: string; credentials: { fingerprint: string } }>(
      "POST",
      "/connections",
      { provider: "zwiftracing", credentials: { apiKey: KEY }, settings: { clubId: 1002 } },
    );
    expect(created.status).toBe(201);
    const id = created.body.connectionId;
    expect(created.body.credentials.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    await api("GET", "/connections");
    await api("GET", `/connections/${id}`);
    const rotated = await api<{ credentials: { fingerprint: string } }>("PATCH", `/connections/${id}`, {
      credentials: { apiKey: ROTATED },
    });
    expect(rotated.body.credentials.fingerprint).not.toBe(created.body.credentials.fingerprint);
    const ok = await api<{ jobId: string }>("POST", "/sync", {
      provider: "zwiftracing",
      syncType: "rider",
      connectionId: id,
      params: { riderId: "2000113" },
    });
    answers.push(JSON.stringify(await waitForJob(stack, ok.body.jobId, 60_000)));
    await api("PATCH", `/connections/${id}`, { credentials: { apiKey: REVOKED } });
    const refused = await api<{ jobId: string }>("POST", "/sync", {
      provider: "zwiftracing",
      syncType: "rider",
      connectionId: id,
      params: { riderId: "2000113" },
    });
    const failed = await waitForJob(stack, refused.body.jobId, 60_000);
    answers.push(JSON.stringify(failed));
    expect(failed).toMatchObject({ status: "failed", error: { code: "PROVIDER_REJECTED" } });
    // Bad input carrying a secret: too long a key, an unknown field, a wrong type.
    for (const body of [
      {
        provider: "zwiftracing",
        credentials: { apiKey: `${KEY}${"x".repeat(80)}` },
        settings: { clubId: 1 },
      },
      { provider: "zwiftracing", credentials: { apiKey: KEY, token: KEY }, settings: { clubId: 1 } },
      { provider: "zwiftracing", credentials: { apiKey: KEY }, settings: { clubId: KEY } },
      {
        provider: "openf1",
        credentials: { username: "ada", password: OPENF1_PASSWORD, pin: OPENF1_PASSWORD },
      },
    ]) {
      const answer = await api<{ error: { code: string } }>("POST", "/connections", body);
      expect(answer.status).toBe(400);
    }
    // An OpenF1 account the fake does not know: the token request is refused.
    const openf1 = await api<{ connectionId: string }>("POST", "/connections", {
      provider: "openf1",
      credentials: { username: "ada", password: OPENF1_PASSWORD },
    });
    const live = await api<{ jobId: string }>("POST", "/sync", {
      provider: "openf1",
      syncType: "sessions",
      connectionId: openf1.body.connectionId,
    });
    answers.push(JSON.stringify(await waitForJob(stack, live.body.jobId, 60_000)));

    // Act: everything Pacer stored, queued and wrote.
    const dynamo = new DynamoDBClient(clientConfig(stack.dynamoEndpoint));
    const items: string[] = [];
    for (const table of Object.values(stack.tables)) {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await dynamo.send(
          new ScanCommand({ TableName: table, ExclusiveStartKey: start as never }),
        );
        for (const item of page.Items ?? []) items.push(JSON.stringify(item));
        start = page.LastEvaluatedKey;
      } while (start);
    }
    const sqs = new SQSClient(clientConfig(stack.sqsEndpoint));
    const deadLetters: string[] = [];
    for (const queues of Object.values(stack.queues)) {
      for (const { dlqUrl } of Object.values(queues)) {
        const received = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: dlqUrl,
            MaxNumberOfMessages: 10,
            MessageAttributeNames: ["All"],
          }),
        );
        for (const m of received.Messages ?? []) deadLetters.push(JSON.stringify(m));
      }
    }

    // Assess: the scan found something to scan, and no secret in any of it.
    expect(items.length).toBeGreaterThan(10);
    expect(deadLetters.length).toBeGreaterThan(0);
    expect(written.join("\n")).toMatch(/"_aws"/); // EMF metrics were written, and kept
    expect(answers.flatMap(found)).toEqual([]);
    expect(items.flatMap(found)).toEqual([]);
    expect(deadLetters.flatMap(found)).toEqual([]);
    expect(written.flatMap(found)).toEqual([]);
  }, 180_000);
});
