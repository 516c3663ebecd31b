/**
 * The stand-in's own machinery, with small handlers in place of Pacer's: API Gateway's authorizer
 * and event shapes, the WebSocket routes and `@connections` as the real SDK client calls it,
 * Lambda's SQS batch semantics and priority order, and the stream filter. Starts its own stack on
 * free ports; local only (skipped when PACER_API_URL / PACER_WS_URL / PACER_TOKEN are set).
 */
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import {
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { APIGatewayProxyEvent, DynamoDBStreamEvent, SQSEvent, SQSRecord } from "aws-lambda";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientConfig } from "../../local/aws-config.ts";
import { type LocalStack, startLocalStack } from "../../local/stack.ts";
import { call } from "./support/api-client.ts";
import { eventually } from "./support/eventually.ts";
import { externalTarget } from "./support/target.ts";
import { connect, WsRefusedError } from "./support/ws-client.ts";

let stack: LocalStack;
let sqs: SQSClient;
let dynamo: DynamoDBClient;
let management: ApiGatewayManagementApiClient;
const wsEvents: { routeKey: string; connectionId: string; tenantId?: unknown }[] = [];
const workerBatches: SQSRecord[][] = [];
const streamEvents: DynamoDBStreamEvent[] = [];
let releaseGate: (() => void) | undefined;

/** token → what the authorizer does with it. */
async function authorizer(event: {
  methodArn: string;
  authorizationToken?: string;
  queryStringParameters?: { token?: string };
}) {
  const token = (event.authorizationToken ?? event.queryStringParameters?.token ?? "").replace(
    /^Bearer /,
    "",
  );
  const allow = /^allow-(\w+)$/.exec(token);
  if (token === "deny") {
    return {
      principalId: "p-deny",
      policyDocument: {
        Version: "2012-10-17",
        Statement: [{ Effect: "Deny", Action: "execute-api:Invoke", Resource: event.methodArn }],
      },
    };
  }
  if (token === "boom") throw new Error("the authorizer broke");
  if (!allow) throw new Error("Unauthorized");
  return {
    principalId: `p-${allow[1]}`,
    policyDocument: {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "execute-api:Invoke", Resource: "*" }],
    },
    context: { tenantId: allow[1], sub: `s-${allow[1]}` },
  };
}

async function api(event: APIGatewayProxyEvent) {
  if (event.resource === "/status") throw new Error("handler crash");
  return { statusCode: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(event) };
}

async function websocket(event: {
  requestContext: { routeKey: string; connectionId: string; authorizer?: { tenantId?: unknown } };
  body?: string;
}) {
  const { routeKey, connectionId, authorizer } = event.requestContext;
  wsEvents.push({ routeKey, connectionId, tenantId: authorizer?.tenantId });
  if (routeKey === "$connect") return { statusCode: authorizer?.tenantId === "t1" ? 200 : 403 };
  if (routeKey !== "$disconnect") {
    await management.send(
      new PostToConnectionCommand({
        ConnectionId: connectionId,
        Data: JSON.stringify({ routeKey, body: event.body }),
      }),
    );
  }
  return { statusCode: 200 };
}

async function worker(event: SQSEvent) {
  workerBatches.push(event.Records);
  if (event.Records.some((r) => r.body === "gate"))
    await new Promise<void>((resolve) => (releaseGate = resolve));
  if (event.Records.some((r) => r.body === "throw")) throw new Error("worker crash");
  return {
    batchItemFailures: event.Records.filter((r) => r.body === "fail").map((r) => ({
      itemIdentifier: r.messageId,
    })),
  };
}

beforeAll(async () => {
  if (externalTarget) return;
  stack = await startLocalStack({
    quiet: true,
    scheduler: false,
    workerConcurrency: 1,
    handlers: {
      api,
      authorizer,
      websocket,
      broadcaster: async (event: DynamoDBStreamEvent) => {
        streamEvents.push(event);
      },
      freshness: async () => ({}),
      workers: { openf1: worker },
    },
  });
  sqs = new SQSClient(clientConfig(stack.sqsEndpoint));
  dynamo = new DynamoDBClient(clientConfig(stack.dynamoEndpoint));
  management = new ApiGatewayManagementApiClient({ ...clientConfig(stack.wsCallbackUrl) });
});

afterAll(async () => {
  sqs?.destroy();
  dynamo?.destroy();
  management?.destroy();
  await stack?.stop();
});

describe.skipIf(externalTarget)("REST gateway", () => {
  const as = (token: string | null) => ({ api: stack.api, token: token ?? "" });

  it("hands the handler the proxy event with the authorizer's context", async () => {
    const response = await call<APIGatewayProxyEvent>(as("allow-t1"), "GET", "/jobs/j%3D1?x=1&x=2");

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      resource: "/jobs/{jobId}",
      path: "/jobs/j%3D1",
      httpMethod: "GET",
      pathParameters: { jobId: "j%3D1" },
      queryStringParameters: { x: "2" },
      multiValueQueryStringParameters: { x: ["1", "2"] },
      requestContext: { authorizer: { tenantId: "t1", sub: "s-t1", principalId: "p-t1" } },
    });
  });

  it("answers 401 when the authorizer says Unauthorized, 403 for a Deny, 500 when it breaks", async () => {
    expect((await call(as("nobody"), "POST", "/sync", { body: {} })).status).toBe(401);
    expect((await call(as("deny"), "POST", "/sync", { body: {} })).status).toBe(403);
    expect((await call(as("boom"), "POST", "/sync", { body: {} })).status).toBe(500);
  });

  it("answers 502 when the handler throws", async () => {
    const response = await call<{ error: { code: string } }>(as("allow-t1"), "GET", "/status");

    expect(response.status).toBe(502);
    expect(response.body.error.code).toBe("BAD_GATEWAY");
  });

  it("runs /health without the authorizer", async () => {
    const response = await call<APIGatewayProxyEvent>(as(null), "GET", "/health", { token: null });

    expect(response.status).toBe(200);
    expect(response.body.requestContext.authorizer).toBeNull();
  });

  it("answers an unknown method on a known resource with 405", async () => {
    expect((await call(as("allow-t1"), "DELETE", "/sync")).status).toBe(405);
  });

  it("issues dev tokens the handlers' verifier accepts, for valid tenant ids only", async () => {
    const issued = await call<{ token: string }>(as(null), "POST", "/dev/token", {
      body: { tenantId: "acme-1" },
      token: null,
    });
    const invalid = await call(as(null), "POST", "/dev/token", {
      body: { tenantId: "no spaces" },
      token: null,
    });
    const malformed = await call(as(null), "POST", "/dev/token", { rawBody: "{", token: null });
    const keys = createRemoteJWKSet(new URL(`${stack.api}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(issued.body.token, keys, {
      issuer: "pacer-local",
      audience: "pacer",
    });

    expect(issued.status).toBe(200);
    expect(payload).toMatchObject({ tenant_id: "acme-1", sub: "dev-acme-1" });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(12 * 3600);
    expect(invalid.status).toBe(400);
    expect(malformed.status).toBe(400);
  });
});

describe.skipIf(externalTarget)("WebSocket gateway and @connections", () => {
  it("routes by action and lets the handler post back through @connections", async () => {
    const client = await connect(stack.ws, "allow-t1");
    try {
      client.send({ action: "ping" });
      client.send({ action: "nonsense" });
      const ping = await client.waitFor((m) => m.routeKey === "ping");
      const fallback = await client.waitFor((m) => m.routeKey === "$default");

      expect(ping.body).toBe('{"action":"ping"}');
      expect(fallback.body).toBe('{"action":"nonsense"}');
      expect(wsEvents.find((e) => e.routeKey === "ping")?.tenantId).toBe("t1");
    } finally {
      await client.close();
    }
  });

  it("refuses the upgrade with $connect's status", async () => {
    const refused = await connect(stack.ws, "allow-t2").catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(WsRefusedError);
    expect((refused as WsRefusedError).status).toBe(403);
  });

  it("describes and closes a connection, which runs $disconnect", async () => {
    const client = await connect(stack.ws, "allow-t1");
    const connectionId = wsEvents.filter((e) => e.routeKey === "$connect").at(-1)?.connectionId as string;

    const info = await management.send(new GetConnectionCommand({ ConnectionId: connectionId }));
    await management.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    const disconnected = await eventually(
      () => wsEvents.some((e) => e.routeKey === "$disconnect" && e.connectionId === connectionId),
      (seen) => seen,
    );

    expect(connectionId).toMatch(/=$/);
    expect(info.ConnectedAt).toBeInstanceOf(Date);
    expect(disconnected).toBe(true);
    await client.close();
  });

  it("answers a post to an unknown connection with GoneException", async () => {
    const posting = management.send(new PostToConnectionCommand({ ConnectionId: "gone/+==", Data: "x" }));

    await expect(posting).rejects.toBeInstanceOf(GoneException);
  });
});

describe.skipIf(externalTarget)("SQS poller", () => {
  it("deletes what succeeded and leaves reported failures to come back", async () => {
    const queue = stack.queues.openf1?.normal.url as string;
    const before = workerBatches.length;

    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queue,
        Entries: ["ok-1", "fail", "ok-2"].map((body, i) => ({ Id: String(i), MessageBody: body })),
      }),
    );
    const counts = await eventually(
      () => queueCounts(queue),
      (c) => c.visible === 0 && c.inFlight === 1 && workerBatches.length > before,
    );

    const batch = workerBatches[before] ?? [];
    expect(batch.map((r) => r.body)).toEqual(["ok-1", "fail", "ok-2"]);
    expect(batch[0]).toMatchObject({
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:pacer-openf1-normal",
      attributes: { ApproximateReceiveCount: "1" },
    });
    expect(counts).toEqual({ visible: 0, inFlight: 1 });
  });

  it("leaves the whole batch when the handler throws", async () => {
    const queue = stack.queues.openf1?.low.url as string;

    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queue,
        Entries: ["ok", "throw"].map((body, i) => ({ Id: String(i), MessageBody: body })),
      }),
    );
    const counts = await eventually(
      () => queueCounts(queue),
      (c) => c.inFlight === 2,
    );

    expect(counts).toEqual({ visible: 0, inFlight: 2 });
  });

  it("takes high before normal before low", async () => {
    const urls = stack.queues.openf1;
    if (!urls) throw new Error("no openf1 queues");
    const before = workerBatches.length;
    await sqs.send(new SendMessageCommand({ QueueUrl: urls.normal.url, MessageBody: "gate" }));
    await eventually(
      () => releaseGate,
      (gate) => gate !== undefined,
    );

    // The only poller is busy: these wait, and the next receive must pick the high one.
    await sqs.send(new SendMessageCommand({ QueueUrl: urls.low.url, MessageBody: "low" }));
    await sqs.send(new SendMessageCommand({ QueueUrl: urls.normal.url, MessageBody: "normal" }));
    await sqs.send(new SendMessageCommand({ QueueUrl: urls.high.url, MessageBody: "high" }));
    releaseGate?.();
    await eventually(
      () => workerBatches.length,
      (n) => n >= before + 4,
    );

    expect(workerBatches.slice(before).map((batch) => batch.map((r) => r.body).join())).toEqual([
      "gate",
      "high",
      "normal",
      "low",
    ]);
  });
});

describe.skipIf(externalTarget)("stream poller", () => {
  it("hands the broadcaster entity and job changes only, in Lambda's stream shape", async () => {
    const put = (pk: string) =>
      dynamo.send(
        new PutItemCommand({
          TableName: stack.tables.data,
          Item: { pk: { S: pk }, sk: { S: "s" }, params: { M: {} } },
        }),
      );

    await put("HIST#t#openf1#meetings#1");
    await put("ENT#t#openf1#meetings");
    await put("STATUS#t");
    await put("JOB#t#j1");
    const records = await eventually(
      () => streamEvents.flatMap((e) => e.Records),
      (all) => all.length >= 2,
    );

    expect(records.map((r) => r.dynamodb?.Keys?.pk?.S)).toEqual(["ENT#t#openf1#meetings", "JOB#t#j1"]);
    expect(records[0]).toMatchObject({
      eventName: "INSERT",
      eventSource: "aws:dynamodb",
      awsRegion: "us-east-1",
      dynamodb: { NewImage: { params: { M: {} } }, StreamViewType: "NEW_AND_OLD_IMAGES" },
    });
    expect(records[0]?.eventSourceARN).toContain("table/pacer-local-data/stream/");
  });
});

async function queueCounts(url: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return {
    visible: Number(Attributes?.ApproximateNumberOfMessages),
    inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible),
  };
}
