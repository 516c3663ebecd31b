/**
 * The stand-in's own machinery, with small handlers in place of Pacer's: API Gateway's authorizer
 * and event shapes, the WebSocket routes and `@connections` as the real SDK client calls it,
 * Lambda's SQS batch semantics and priority order, and the stream filter. Starts its own stack on
 * free ports; local only (skipped when PACER_API_URL / PACER_WS_URL / PACER_TOKEN are set).
 */

import { connect as connectSocket } from "node:net";
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
import WebSocket from "ws";
import { clientConfig } from "../../../local/aws/aws-config.ts";
import { MAX_MESSAGE_BYTES } from "../../../local/gateways/connections-api.ts";
import { type LocalStack, startLocalStack } from "../../../local/stack.ts";
import { call } from "../support/api-client.ts";
import { eventually } from "../support/eventually.ts";
import { catalogOf, externalTarget } from "../support/target.ts";
import { connect, WsRefusedError } from "../support/ws-client.ts";

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
    catalog: catalogOf(["openf1", "zwiftracing"]),
    scheduler: false,
    // Its handlers are stand-ins of their own: there is no connections API to connect through.
    connectFakes: false,
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

describe.skipIf(externalTarget)("the stand-in's own HTTP answers carry Pacer's error shape", () => {
  const errorShape = { error: { code: expect.any(String), message: expect.any(String) } };

  it.each([
    [
      "headers over Node's 16 KB",
      431,
      `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`,
    ],
    ["garbage bytes", 400, "\u0000\u0001 not http at all\r\n\r\n"],
    ["a bad request line", 400, "GET /health HTTP/9.9 extra\r\n\r\n"],
    ["HTTP/1.1 without a Host", 400, "GET /health HTTP/1.1\r\n\r\n"],
    ["an Expect it cannot meet", 417, "GET /health HTTP/1.1\r\nHost: x\r\nExpect: tea\r\n\r\n"],
    [
      "a broken chunked body",
      400,
      "POST /sync HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ],
  ])("REST: answers %s with %i", async (_, status, bytes) => {
    const response = await rawHttp(stack.api, bytes);

    expect(response.status).toBe(status);
    expect(JSON.parse(response.body)).toEqual(errorShape);
  });

  it("REST: answers a method the resource does not have with 405, the error shape and Allow", async () => {
    const response = await fetch(`${stack.api}/jobs/j1`, { method: "PUT" });

    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET");
    expect(await response.json()).toEqual(errorShape);
  });

  it("REST: answers a body over API Gateway's 10 MB with 413 and the error shape", async () => {
    const response = await fetch(`${stack.api}/sync`, {
      method: "POST",
      headers: { authorization: "Bearer allow-t1" },
      body: "x".repeat(10 * 1024 * 1024 + 1),
    });

    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: "PAYLOAD_TOO_LARGE" } });
  });

  it.each([
    ["garbage bytes", 400, "\u0000\u0001 not http\r\n\r\n"],
    ["a plain GET", 426, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"],
    ["an upgrade without a token", 401, upgradeRequest("/")],
    ["an upgrade $connect refuses", 403, upgradeRequest("/?token=allow-t2")],
  ])("WebSocket port: answers %s with %i and the error shape", async (_, status, bytes) => {
    const response = await rawHttp(stack.ws, bytes);

    expect(response.status).toBe(status);
    expect(JSON.parse(response.body)).toEqual(errorShape);
  });
});

describe.skipIf(externalTarget)("WebSocket frames the gateway refuses itself", () => {
  it("tells the client its message is too large before closing with 1009", async () => {
    const socket = await openSocket();

    socket.ws.send(JSON.stringify({ action: "ping", pad: "x".repeat(MAX_MESSAGE_BYTES) }));
    const code = await socket.closed;

    expect(socket.frames).toEqual([
      {
        type: "error",
        error: { code: "MESSAGE_TOO_LARGE", message: expect.stringContaining(String(MAX_MESSAGE_BYTES)) },
      },
    ]);
    expect(code).toBe(1009);
  });

  it("tells the client binary frames are not taken before closing with 1003", async () => {
    const socket = await openSocket();

    socket.ws.send(Buffer.from([0xde, 0xad, 0xbe, 0xef]), { binary: true });
    const code = await socket.closed;

    expect(socket.frames).toEqual([
      { type: "error", error: { code: "UNSUPPORTED_FRAME", message: expect.any(String) } },
    ]);
    expect(code).toBe(1003);
  });

  it("answers text that is not UTF-8 with an error and keeps the connection", async () => {
    const socket = await openSocket();

    // ws checks UTF-8 only when sending a string: a Buffer sent as text reaches the gateway as is.
    socket.ws.send(Buffer.from([0x7b, 0xff, 0x7d]), { binary: false });
    socket.ws.send(JSON.stringify({ action: "ping" }));
    const frames = await eventually(
      () => socket.frames,
      (all) => all.length >= 2,
    );
    socket.ws.close();

    expect(frames).toEqual([
      { type: "error", error: { code: "VALIDATION_ERROR", message: expect.stringContaining("UTF-8") } },
      { routeKey: "ping", body: '{"action":"ping"}' },
    ]);
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

function upgradeRequest(path: string): string {
  return (
    `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
    "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
  );
}

/** Writes raw bytes to the server and reads one HTTP response: for what fetch cannot send. */
function rawHttp(base: string, bytes: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base.replace(/^ws/, "http"));
  return new Promise((resolve, reject) => {
    const socket = connectSocket(Number(port), hostname, () => socket.write(bytes));
    const chunks: Buffer[] = [];
    socket.on("data", (chunk) => {
      chunks.push(chunk);
      const text = Buffer.concat(chunks).toString("utf8");
      const head = text.indexOf("\r\n\r\n");
      const length = Number(/content-length: *(\d+)/i.exec(text)?.[1] ?? Number.NaN);
      if (head >= 0 && Buffer.byteLength(text.slice(head + 4)) >= length) finish(text, head);
    });
    socket.on("error", reject);
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      finish(text, text.indexOf("\r\n\r\n"));
    });
    let done = false;
    function finish(text: string, head: number) {
      if (done) return;
      done = true;
      socket.destroy();
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, body: head >= 0 ? text.slice(head + 4) : "" });
    }
  });
}

/** A raw ws connection as tenant t1, keeping the frames it receives and how it closed. */
async function openSocket(): Promise<{ ws: WebSocket; frames: unknown[]; closed: Promise<number> }> {
  const ws = new WebSocket(`${stack.ws}?token=allow-t1`);
  const frames: unknown[] = [];
  ws.on("message", (data) => frames.push(JSON.parse(data.toString())));
  ws.on("error", () => {});
  const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("unexpected-response", (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
  });
  return { ws, frames, closed };
}
