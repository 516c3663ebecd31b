/**
 * Hostile input at every door: generated bad requests to every REST operation the API's own
 * OpenAPI document (`GET /openapi.json`) lists, drawn from its schemas (spoiled bodies and path
 * parameters, missing and unknown fields, oversize and malformed bodies, tokens), methods and
 * routes it does not list, raw malformed HTTP, and every WebSocket action (bad topics and actions,
 * non-JSON, binary, invalid UTF-8, oversize frames). Each must be answered with a 4xx in the
 * documented error shape with a code the document lists for that operation (or an `error`
 * frame), never a 5xx, and none may write anything: no job, no status, no subscription, no queued
 * message. A route added to the contract is fuzzed here without anyone listing it.
 *
 * Starts its own local stack on free ports. With PACER_API_URL / PACER_WS_URL / PACER_TOKEN set
 * it runs against that stack instead, and checks "no writes" through GET /status only.
 */
import { connect as connectSocket } from "node:net";
import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { Validator } from "@seriousme/openapi-schema-validator";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { catalog } from "#catalog/index.ts";
import { knownTopics } from "#core/live-messages.ts";
import { clientConfig } from "../../local/aws/aws-config.ts";
import { MAX_MESSAGE_BYTES } from "../../local/gateways/connections-api.ts";
import {
  BAD_ESCAPES,
  type DocumentedOperation,
  documentedCodes,
  errorCodesOf,
  fillPath,
  invalidValue,
  operationsOf,
  pathSegment,
  type Schema,
  sendableInPath,
  validValue,
} from "./support/openapi-fuzz.ts";
import { externalTarget, startTarget, type Target } from "./support/target.ts";

const TENANT = "bad-input";
const TOPICS = knownTopics(catalog);
/** Routes only the local stand-in answers (the document describes the deployed API). */
const LOCAL_ONLY_PATHS = ["/dev/token", "/.well-known/jwks.json"];

let target: Target;
let token: string;
let statusBefore: unknown;
let workerMessagesBefore = 0;
/** What the API's own document says: its operations, and every code any error may carry. */
let operations: DocumentedOperation[];
let allCodes: readonly string[];

beforeAll(async () => {
  // OpenF1 only: a ZwiftRacing connection's initial runs would keep messages on its queues for an hour.
  target = await startTarget({ providers: ["openf1"] });
  token = (await target.tokenFor(TENANT)) ?? target.token;
  const served = await fetch(`${target.api}/openapi.json`);
  expect(served.status).toBe(200);
  const validator = new Validator();
  expect(await validator.validate((await served.json()) as Record<string, unknown>)).toEqual({ valid: true });
  const document = validator.resolveRefs() as {
    paths: Record<string, Record<string, unknown>>;
    components: { schemas: { Error: Parameters<typeof errorCodesOf>[0] } };
  };
  operations = operationsOf(document);
  allCodes = errorCodesOf(document.components.schemas.Error) ?? [];
  statusBefore = await statusSummary();
  workerMessagesBefore = workerMessages();
});

afterAll(async () => {
  await target?.stop();
});

interface Answer {
  readonly status: number;
  readonly text: string;
}

interface Call {
  readonly method: string;
  readonly path: string;
  readonly body?: string;
  /** The header's value; undefined: the tenant's bearer token; null: none. */
  readonly authorization?: string | null;
}

async function request(call: Call): Promise<Answer> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  const authorization = call.authorization === undefined ? `Bearer ${token}` : call.authorization;
  if (authorization !== null) headers.authorization = authorization;
  const response = await fetch(`${target.api}${call.path}`, {
    method: call.method,
    headers,
    body: call.body,
  });
  return { status: response.status, text: await response.text() };
}

/** A 4xx whose body is exactly `{"error":{"code","message"}}`. */
function expectRefusal(answer: Answer): void {
  expect(answer.status, answer.text).toBeGreaterThanOrEqual(400);
  expect(answer.status, answer.text).toBeLessThan(500);
  expectErrorShape(JSON.parse(answer.text));
}

function expectErrorShape(body: unknown): void {
  expect(body).toEqual({
    error: { code: expect.stringMatching(/^[A-Z][A-Z_]+$/), message: expect.any(String) },
  });
}

/** A refusal in the error shape whose code the document lists: for `operation` at its status, or at all. */
function expectDocumentedRefusal(answer: Answer, operation?: DocumentedOperation): void {
  expectRefusal(answer);
  const { code } = (JSON.parse(answer.text) as { error: { code: string } }).error;
  if (operation) {
    const where = `${operation.method} ${operation.path} answered ${answer.status} ${answer.text.slice(0, 300)}`;
    expect(documentedCodes(operation, answer.status), where).toContain(code);
  } else expect(allCodes, answer.text.slice(0, 300)).toContain(code);
}

// ---- generators -------------------------------------------------------------------------------

/** Any JSON value but a string, or a string of any length and alphabet. */
const junk = fc.oneof(
  fc.string({ maxLength: 40, unit: "grapheme" }),
  fc.integer(),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
);
const longString = fc.integer({ min: 65, max: 5_000 }).map((n) => "x".repeat(n));
const notOneOf = (values: readonly unknown[]) =>
  fc.oneof(junk, longString).filter((v) => !values.includes(v as string));

/** Bodies that are not JSON, or not one value. */
const malformedJson = fc.constantFrom(
  "",
  "   ",
  "{",
  "{not json",
  "[1,",
  '{"provider":',
  "\u0000",
  "nul",
  "{}{}",
);

/** Path parameters no decoder accepts, each inside an otherwise plausible value. */
const badEscapeSegment = fc
  .tuple(
    fc.stringMatching(/^[a-z0-9-]{0,20}$/),
    fc.constantFrom(...BAD_ESCAPES),
    fc.stringMatching(/^[a-z0-9]{0,5}$/),
  )
  .map(([before, bad, after]) => `${before}${bad}${after}`);

/** Every documented parameter with a valid value (path ones encoded as a segment). */
function validParams(operation: DocumentedOperation): fc.Arbitrary<Record<string, string>> {
  return fc.record(
    Object.fromEntries(
      operation.params.map((p) => [
        p.name,
        p.in === "path"
          ? (validValue(p.schema) as fc.Arbitrary<string>).filter(sendableInPath).map(pathSegment)
          : validValue(p.schema).map(String),
      ]),
    ),
  );
}

/** The call with these parameter values: path ones in the path, the others in the query. */
function toCall(
  operation: DocumentedOperation,
  params: Record<string, string | undefined>,
  body?: string,
): Call {
  const query = new URLSearchParams();
  for (const p of operation.params) {
    const value = params[p.name];
    if (p.in === "query" && value !== undefined) query.set(p.name, value);
  }
  const path = fillPath(operation.path, params as Record<string, string>);
  return { method: operation.method, path: query.size > 0 ? `${path}?${query}` : path, body };
}

/** Calls to `operation` with one part broken (body or one parameter), the rest as documented. */
function badCalls(operation: DocumentedOperation): fc.Arbitrary<Call>[] {
  const params = validParams(operation);
  const { body } = operation;
  const validBody = body ? validValue(body.schema).map((b) => JSON.stringify(b)) : fc.constant(undefined);
  const calls: fc.Arbitrary<Call>[] = [];
  if (body) {
    const spoiled = fc.oneof(
      invalidValue(body.schema).map((b) => JSON.stringify(b)),
      malformedJson,
    );
    calls.push(fc.tuple(params, spoiled).map(([p, b]) => toCall(operation, p, b)));
    const { maxBytes } = body;
    if (maxBytes !== undefined) {
      // A valid body, made one byte to 100 KB too large with whitespace JSON allows.
      const oversize = fc
        .tuple(validBody, fc.integer({ min: 1, max: 100_000 }))
        .map(([b = "{}", extra]) => " ".repeat(Math.max(0, maxBytes - Buffer.byteLength(b)) + extra) + b);
      calls.push(fc.tuple(params, oversize).map(([p, b]) => toCall(operation, p, b)));
    }
  }
  for (const param of operation.params) {
    const invalid = (invalidValue(param.schema) as fc.Arbitrary<unknown>)
      .filter((v): v is string => typeof v === "string" && (param.in === "query" || sendableInPath(v)))
      .map((v) => (param.in === "path" ? pathSegment(v) : v));
    const bad: fc.Arbitrary<string | undefined> =
      param.in === "path"
        ? fc.oneof(invalid, badEscapeSegment)
        : param.required
          ? fc.oneof(invalid, fc.constant(undefined))
          : invalid;
    calls.push(
      fc
        .tuple(params, bad, validBody)
        .map(([p, value, b]) => toCall(operation, { ...p, [param.name]: value }, b)),
    );
  }
  return calls;
}

/** A documented call as it should be, for what only the token breaks. */
function validCall(operation: DocumentedOperation): fc.Arbitrary<Call> {
  const validBody = operation.body ? validValue(operation.body.schema as Schema) : fc.constant(undefined);
  return fc
    .tuple(validParams(operation), validBody)
    .map(([p, b]) => toCall(operation, p, b === undefined ? undefined : JSON.stringify(b)));
}

const badAuthorization = fc.oneof(
  fc.constant(null),
  fc.constantFrom("", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "bearer x.y.z"),
  fc.stringMatching(/^[\x21-\x7e]{1,300}$/),
  fc.stringMatching(/^[\x21-\x7e]{1,300}$/).map((t) => `Bearer ${t}`),
  fc
    .tuple(fc.base64String(), fc.base64String(), fc.base64String())
    .map((parts) => `Bearer ${parts.map((p) => p.replace(/=+$/, "")).join(".")}`),
);

/** Whether some documented template, or a local-only route, has this path. */
function isKnownPath(path: string): boolean {
  const pathname = new URL(`http://x${path}`).pathname;
  return (
    LOCAL_ONLY_PATHS.includes(pathname) ||
    operations.some((op) =>
      new RegExp(`^${op.path.replace(/\{\w+\}/g, "[^/]+").replace(/\./g, "\\.")}$`).test(pathname),
    )
  );
}

const unknownPath = fc
  .oneof(
    fc.webPath(),
    fc.stringMatching(/^\/[a-z/]{0,30}$/),
    fc.constantFrom("/sync/", "/jobs", "/jobs/", "//sync", "/SYNC", "/openapi.yaml", "/health/"),
  )
  .map((path) => (path.startsWith("/") ? path : `/${path}`));

/** Methods each documented path does not have (HEAD aside: its answer has no body to check). */
function wrongMethods(): fc.Arbitrary<Call> {
  const paths = [...new Set(operations.map((op) => op.path))];
  return fc.oneof(
    ...paths.map((path) => {
      const documented = operations.filter((op) => op.path === path);
      const others = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "FOO"].filter(
        (m) => !documented.some((op) => op.method === m),
      );
      return fc
        .tuple(fc.constantFrom(...others), validCall(documented[0] as DocumentedOperation))
        .map(([method, call]) => ({ ...call, method, body: method === "GET" ? undefined : call.body }));
    }),
  );
}

/** Bytes Node's HTTP parser (or the gateway) must refuse, each with a request line no route can serve. */
const malformedHttp = fc.oneof(
  fc
    .tuple(fc.integer({ min: 0x80, max: 0xff }), fc.uint8Array({ maxLength: 200 }))
    .map(([first, rest]) => Buffer.concat([Buffer.from([first]), rest, Buffer.from("\r\n\r\n")])),
  fc
    .integer({ min: 17_000, max: 40_000 })
    .map((n) => Buffer.from(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(n)}\r\n\r\n`)),
  fc
    .constantFrom(
      "GET /health HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n",
      "POST /sync HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
      "POST /sync HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "POST /sync HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "GET /health HTTP/7.0\r\nHost: x\r\n\r\n",
      "GET /health HTTP/1.1\r\n\r\n",
      "GET /health HTTP/1.1\r\nHost: x\r\nExpect: tea\r\n\r\n",
      "GET http://[ HTTP/1.1\r\nHost: x\r\n\r\n",
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    )
    .map((text) => Buffer.from(text)),
);

const badTopic = fc.oneof(
  fc.string({ maxLength: 60 }).filter((t) => !TOPICS.includes(t)),
  fc.integer({ min: 201, max: 3_000 }).map((n) => "a".repeat(n)),
  fc.integer({ min: 1, max: 300 }).map((n) => `openf1/${"w".repeat(n)}`),
  fc.constantFrom("OPENF1/weather", "openf1/weathr", "openf1/", "/jobs", "jobs ", "openf1/weather/x"),
  junk.filter((v) => typeof v !== "string"),
);

/** Text frames that no route can act on: each must get one `error` back. */
const badFrame = fc.oneof(
  fc
    .record(
      { action: fc.constantFrom("subscribe", "unsubscribe"), topic: badTopic },
      { requiredKeys: ["action"] },
    )
    .map((m) => JSON.stringify(m)),
  notOneOf(["subscribe", "unsubscribe", "ping"]).map((action) => JSON.stringify({ action })),
  fc.constantFrom("", " ", "{", "ping", "[]", "null", "7", '"subscribe"', '{"type":"ping"}', "{}"),
  fc.string({ maxLength: 200 }).filter((text) => {
    try {
      JSON.parse(text);
      return false;
    } catch {
      return true;
    }
  }),
  fc
    .jsonValue()
    .filter((v) => typeof v !== "object" || v === null || Array.isArray(v))
    .map((v) => JSON.stringify(v)),
);

// ---- REST ---------------------------------------------------------------------------------------

describe("REST: every bad request is a 4xx the document lists", () => {
  it("every documented operation, with a spoiled body or path parameter, an oversize or malformed body", async () => {
    const fuzzed = operations.filter((op) => badCalls(op).length > 0);
    expect(fuzzed.map((op) => `${op.method} ${op.path}`)).toEqual(
      expect.arrayContaining(["POST /sync", "GET /jobs/{jobId}"]),
    );
    for (const operation of fuzzed) {
      await fc.assert(
        fc.asyncProperty(fc.oneof(...badCalls(operation)), async (call) => {
          expectDocumentedRefusal(await request(call), operation);
        }),
        { numRuns: 150 },
      );
    }
  });

  it("every documented operation that needs a token, with a missing, malformed or forged one", async () => {
    const secured = operations.filter((op) => op.secured);
    const calls = fc.oneof(
      ...secured.map((op) =>
        fc
          .tuple(validCall(op), badAuthorization)
          .map(([call, authorization]) => ({ op, call, authorization })),
      ),
    );
    await fc.assert(
      fc.asyncProperty(calls, async ({ op, call, authorization }) => {
        const answer = await request({ ...call, authorization });
        expectDocumentedRefusal(answer, op);
        expect([401, 403]).toContain(answer.status);
      }),
      { numRuns: 80 },
    );
  });

  it("paths the document does not list and methods a path does not have, with or without a token", async () => {
    const unknown = unknownPath
      .filter((path) => !isKnownPath(path))
      .chain((path) => fc.constantFrom("GET", "POST", "DELETE").map((method): Call => ({ method, path })));
    await fc.assert(
      fc.asyncProperty(fc.oneof(unknown, wrongMethods()), fc.boolean(), async (call, withToken) => {
        const answer = await request({ ...call, authorization: withToken ? undefined : null });
        expectDocumentedRefusal(answer);
      }),
      { numRuns: 100 },
    );
  });

  it("raw malformed HTTP, to the REST and the WebSocket port alike", async () => {
    await fc.assert(
      fc.asyncProperty(malformedHttp, fc.boolean(), async (bytes, toWs) => {
        const answer = await rawHttp(toWs ? target.ws : target.api, bytes);
        if (toWs) expectRefusal(answer);
        else expectDocumentedRefusal(answer);
      }),
      { numRuns: 60 },
    );
  });
});

// ---- WebSocket ----------------------------------------------------------------------------------

describe("WebSocket: every bad message gets exactly one error frame", () => {
  it("subscribe / unsubscribe with bad topics, unknown actions and frames that are not a message", async () => {
    const socket = await openSocket(token);
    let sent = 0;
    try {
      await fc.assert(
        fc.asyncProperty(badFrame, async (frame) => {
          socket.ws.send(frame);
          sent += 1;
          const frames = await socket.untilFrames(sent);
          const reply = frames[sent - 1] as { type?: string; error?: { code?: string } } | undefined;
          expect(reply?.type, JSON.stringify(reply)).toBe("error");
          expectErrorShape({ error: reply?.error });
          expect(reply?.error?.code).not.toBe("INTERNAL_ERROR");
        }),
        { numRuns: 150 },
      );
      // Replies come in order, so a stray second frame for any message would sit before the pong.
      socket.ws.send(JSON.stringify({ action: "ping" }));
      const frames = await socket.untilFrames(sent + 1);
      expect(frames.length).toBe(sent + 1);
      expect(frames[sent]).toMatchObject({ type: "pong" });
    } finally {
      socket.ws.close();
    }
  });

  it("binary, invalid UTF-8 and oversize frames", async () => {
    const frames = fc.oneof(
      fc
        .uint8Array({ minLength: 1, maxLength: 64 })
        .map((bytes) => ({ data: Buffer.from(bytes), binary: true })),
      fc
        .constantFrom([0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0x7b, 0xe2, 0x82])
        .map((bytes) => ({ data: Buffer.from(bytes), binary: false })),
      fc.integer({ min: MAX_MESSAGE_BYTES + 1, max: 1024 * 1024 }).map((n) => ({
        data: Buffer.from(JSON.stringify({ action: "ping", pad: "x".repeat(n) })),
        binary: false,
      })),
    );
    await fc.assert(
      fc.asyncProperty(frames, async ({ data, binary }) => {
        const socket = await openSocket(token);
        socket.ws.send(data, { binary });
        const [reply] = await socket.untilFrames(1);
        socket.ws.close();
        expect((reply as { type?: string })?.type).toBe("error");
        expectErrorShape({ error: (reply as { error?: unknown }).error });
      }),
      { numRuns: 20 },
    );
  });

  it("refuses an upgrade with a missing or bad token in the error shape", async () => {
    const tokens = fc.oneof(fc.constant(undefined), fc.stringMatching(/^[A-Za-z0-9._-]{1,200}$/));
    await fc.assert(
      fc.asyncProperty(tokens, async (badToken) => {
        const query = badToken === undefined ? "" : `?token=${badToken}`;
        const answer = await rawHttp(
          target.ws,
          Buffer.from(
            `GET /${query} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
              "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
          ),
        );
        expectRefusal(answer);
        expect(answer.status).toBe(401);
      }),
      { numRuns: 30 },
    );
  });
});

// ---- no writes ----------------------------------------------------------------------------------

describe("rejected input writes nothing", () => {
  it("leaves the tenant's status as it was: no job queued or run", async () => {
    expect(await statusSummary()).toEqual(statusBefore);
  });

  it.skipIf(externalTarget)(
    "left no message on any queue, no job, status, subscription or race event item for the tenant",
    async () => {
      const local = target.local;
      if (!local) throw new Error("no local stack");
      const sqs = new SQSClient(clientConfig(local.sqsEndpoint));
      const dynamo = new DynamoDBClient(clientConfig(local.dynamoEndpoint));
      try {
        const urls = Object.values(local.queues).flatMap((byPriority) =>
          Object.values(byPriority).flatMap((q) => [q.url, q.dlqUrl]),
        );
        const counts = await Promise.all(urls.map((url) => messagesOn(sqs, url)));
        const items = await Promise.all([
          scanPrefix(dynamo, local.tables.data, `JOB#${TENANT}#`),
          scanPrefix(dynamo, local.tables.data, `STATUS#${TENANT}`),
          scanPrefix(dynamo, local.tables.connections, `SUB#${TENANT}#`),
          // Race events and the values set for their participants (RACE#<tenant> and RACE#<tenant>#<event>).
          scanPrefix(dynamo, local.tables.data, `RACE#${TENANT}`),
        ]);

        expect(
          counts.every((n) => n === 0),
          JSON.stringify(counts),
        ).toBe(true);
        expect(items).toEqual([[], [], [], []]);
        expect(workerMessages()).toBe(workerMessagesBefore);
      } finally {
        sqs.destroy();
        dynamo.destroy();
      }
    },
  );
});

/** What GET /status says of every sync type's runs for the tenant. */
async function statusSummary(): Promise<unknown> {
  const answer = await request({ method: "GET", path: "/status" });
  expect(answer.status).toBe(200);
  const body = JSON.parse(answer.text) as {
    providers: {
      provider: string;
      syncTypes: { syncType: string; pendingJobs: number; lastRunAt: unknown }[];
    }[];
  };
  return body.providers.flatMap((p) =>
    p.syncTypes.map((s) => ({
      id: `${p.provider}/${s.syncType}`,
      pending: s.pendingJobs,
      lastRunAt: s.lastRunAt,
    })),
  );
}

function workerMessages(): number {
  const workers = target.local?.stats().workers ?? {};
  return Object.values(workers).reduce((sum, stats) => sum + (stats?.messages ?? 0), 0);
}

async function messagesOn(sqs: SQSClient, url: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
      ],
    }),
  );
  return Object.values(Attributes ?? {}).reduce((sum, n) => sum + Number(n), 0);
}

async function scanPrefix(dynamo: DynamoDBClient, table: string, prefix: string): Promise<unknown[]> {
  const { Items } = await dynamo.send(
    new ScanCommand({
      TableName: table,
      FilterExpression: "begins_with(pk, :prefix)",
      ExpressionAttributeValues: { ":prefix": { S: prefix } },
    }),
  );
  return Items ?? [];
}

interface Socket {
  readonly ws: WebSocket;
  readonly frames: unknown[];
  /** Resolves with every frame so far once there are at least `count`. */
  untilFrames(count: number): Promise<unknown[]>;
}

/** A raw ws connection that keeps every frame it receives. */
async function openSocket(withToken: string): Promise<Socket> {
  const ws = new WebSocket(`${target.ws}?token=${encodeURIComponent(withToken)}`);
  const frames: unknown[] = [];
  ws.on("message", (data) => {
    try {
      frames.push(JSON.parse(data.toString()));
    } catch {
      frames.push({ notJson: data.toString() });
    }
    ws.emit("frame");
  });
  ws.on("error", () => {});
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("unexpected-response", (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
  });
  const untilFrames = (count: number) =>
    new Promise<unknown[]>((resolve, reject) => {
      const check = () => {
        if (frames.length < count) return;
        cleanup();
        resolve(frames);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${frames.length} of ${count} frames came; last ${JSON.stringify(frames.at(-1))}`));
      }, 15_000);
      const cleanup = () => {
        clearTimeout(timer);
        ws.off("frame", check);
      };
      ws.on("frame", check);
      check();
    });
  return { ws, frames, untilFrames };
}

/** Writes raw bytes and reads one HTTP response (status and body), for what fetch cannot send. */
function rawHttp(base: string, bytes: Buffer): Promise<Answer> {
  const { hostname, port } = new URL(base.replace(/^ws/, "http"));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let done = false;
    const socket = connectSocket(Number(port), hostname, () => socket.write(bytes));
    const finish = () => {
      if (done) return;
      done = true;
      socket.destroy();
      const text = Buffer.concat(chunks).toString("utf8");
      const head = text.indexOf("\r\n\r\n");
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, text: head >= 0 ? text.slice(head + 4) : text });
    };
    socket.on("data", (chunk) => {
      chunks.push(chunk);
      const text = Buffer.concat(chunks).toString("utf8");
      const head = text.indexOf("\r\n\r\n");
      const length = Number(/content-length: *(\d+)/i.exec(text)?.[1] ?? Number.NaN);
      if (head >= 0 && Buffer.byteLength(text.slice(head + 4)) >= length) finish();
    });
    // The server may reset the connection after its answer while bytes are still being written.
    socket.on("error", (error) => (chunks.length > 0 ? finish() : reject(error)));
    socket.on("close", finish);
  });
}
