/**
 * Hostile input at every door: generated bad requests to every REST route (bodies, ids, params,
 * escapes, tokens, methods, unknown routes, oversize bodies, raw malformed HTTP) and every
 * WebSocket action (bad topics and actions, non-JSON, binary, invalid UTF-8, oversize frames).
 * Each must be answered with a 4xx (or an `error` frame) in the contract's shape, never a 5xx,
 * and none may write anything: no job, no status, no subscription, no queued message.
 *
 * Starts its own local stack on free ports. With PACER_API_URL / PACER_WS_URL / PACER_TOKEN set
 * it runs against that stack instead, and checks "no writes" through GET /status only.
 */
import { connect as connectSocket } from "node:net";
import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { catalog } from "#catalog/index.ts";
import { knownTopics } from "#core/live-messages.ts";
import { clientConfig } from "../../local/aws/aws-config.ts";
import { MAX_MESSAGE_BYTES } from "../../local/gateways/connections-api.ts";
import { externalTarget, startTarget, type Target } from "./support/target.ts";

const TENANT = "bad-input";
const SYNC_TYPES = catalog.providers.flatMap((p) => p.syncTypes.map((s) => s.id));
const TOPICS = knownTopics(catalog);

let target: Target;
let token: string;
let statusBefore: unknown;
let workerMessagesBefore = 0;

beforeAll(async () => {
  target = await startTarget();
  token = (await target.tokenFor(TENANT)) ?? target.token;
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

async function request(
  method: string,
  path: string,
  options: { body?: string; authorization?: string | null } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  const authorization = options.authorization === undefined ? `Bearer ${token}` : options.authorization;
  if (authorization !== null) headers.authorization = authorization;
  const response = await fetch(`${target.api}${path}`, { method, headers, body: options.body });
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

type Body = Record<string, unknown>;
type Spoil = (body: Body) => Body | string;

/** One change that on its own makes a valid `POST /sync` body invalid. */
const spoil: fc.Arbitrary<Spoil> = fc.oneof<fc.Arbitrary<Spoil>[]>(
  notOneOf(["openf1"]).map((provider) => (b: Body) => ({ ...b, provider })),
  notOneOf(SYNC_TYPES).map((syncType) => (b: Body) => ({ ...b, syncType })),
  notOneOf([TENANT]).map((tenantId) => (b: Body) => ({ ...b, tenantId })),
  fc
    .string({ maxLength: 20 })
    .filter((k) => !["provider", "syncType", "tenantId", "params"].includes(k))
    .map((key) => (b: Body) => ({ ...b, [key]: 1 })),
  fc
    .oneof(
      fc
        .oneof(
          fc.string({ maxLength: 300 }),
          fc.constantFrom("20x4", "2024&meeting_key=1", "1 OR 1=1", "2024 "),
        )
        .filter((year) => !/^\d{4}$/.test(year))
        .map((year) => ({ year })),
      fc
        .string({ maxLength: 80 })
        .filter((key) => key !== "year")
        .map((key) => ({ [key]: "1" })),
      fc.constantFrom({ session_key: "1 OR 1=1" }, { meeting_key: "1" }, { year: 2024 }),
      fc
        .integer({ min: 17, max: 2_000 })
        .map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}`, "1"]))),
      junk.filter((v) => typeof v !== "object" || v === null || Array.isArray(v)),
    )
    .map((params) => (b: Body) => ({ ...b, params })),
  fc
    .constantFrom("", "   ", "{", "{not json", "[]", "null", "42", '"sync"', "\u0000")
    .map((text) => () => text),
  fc.integer({ min: 64 * 1024 + 1, max: 200 * 1024 }).map((n) => (b: Body) => ({ ...b, pad: "x".repeat(n) })),
);

const syncBody = fc.array(spoil, { minLength: 1, maxLength: 3 }).map((changes) => {
  let body: Record<string, unknown> | string = { provider: "openf1", syncType: "meetings" };
  for (const change of changes) body = typeof body === "string" ? body : change(body);
  return typeof body === "string" ? body : JSON.stringify(body);
});

const BAD_ESCAPES = ["%ZZ", "%", "%4", "%E0%A4", "%ED%A0%80", "%C0%AF", "%FF", "%%", "%u0041"];
const jobIdPath = fc.oneof(
  fc.string({ maxLength: 300, unit: "binary" }).map((id) => encodeURIComponent(id)),
  fc
    .tuple(
      fc.stringMatching(/^[a-z0-9-]{0,20}$/),
      fc.constantFrom(...BAD_ESCAPES),
      fc.stringMatching(/^[a-z0-9]{0,5}$/),
    )
    .map(([before, bad, after]) => `${before}${bad}${after}`),
  fc.integer({ min: 201, max: 4_000 }).map((n) => "j".repeat(n)),
  fc.uuid().map((uuid) => `m-${uuid}`),
);

const KNOWN_PATHS = /^\/(sync|status|health|jobs\/[^/]+|dev\/token|\.well-known\/jwks\.json)$/;
const unknownPath = fc
  .oneof(
    fc.webPath(),
    fc.stringMatching(/^\/[a-z/]{0,30}$/),
    fc.constantFrom("/sync/", "/jobs", "/jobs/", "//sync", "/SYNC"),
  )
  .map((path) => (path.startsWith("/") ? path : `/${path}`))
  .filter((path) => !KNOWN_PATHS.test(new URL(`http://x${path}`).pathname));

const wrongMethod = fc.oneof(
  fc.constantFrom(["GET", "/sync"], ["PUT", "/sync"], ["DELETE", "/sync"], ["PATCH", "/sync"]),
  fc.constantFrom(["POST", "/status"], ["DELETE", "/status"], ["PUT", "/health"], ["POST", "/health"]),
  fc.constantFrom(["POST", "/jobs/j1"], ["DELETE", "/jobs/j1"], ["OPTIONS", "/sync"], ["FOO", "/status"]),
);

const badAuthorization = fc.oneof(
  fc.constant(null),
  fc.constantFrom("", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "bearer x.y.z"),
  fc.stringMatching(/^[\x21-\x7e]{1,300}$/),
  fc.stringMatching(/^[\x21-\x7e]{1,300}$/).map((t) => `Bearer ${t}`),
  fc
    .tuple(fc.base64String(), fc.base64String(), fc.base64String())
    .map((parts) => `Bearer ${parts.map((p) => p.replace(/=+$/, "")).join(".")}`),
);

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

describe("REST: every bad request is a 4xx in the error shape", () => {
  it("POST /sync with a spoiled body, spoiled params or an oversize body", async () => {
    await fc.assert(
      fc.asyncProperty(syncBody, async (body) => {
        expectRefusal(await request("POST", "/sync", { body }));
      }),
      { numRuns: 150 },
    );
  });

  it("GET /jobs/{jobId} with odd, over-long and malformed-escape ids", async () => {
    await fc.assert(
      fc.asyncProperty(jobIdPath, async (id) => {
        expectRefusal(await request("GET", `/jobs/${id}`));
      }),
      { numRuns: 120 },
    );
  });

  it("every authorized route with a missing, malformed or forged token", async () => {
    const routes = fc.constantFrom(
      ["POST", "/sync", JSON.stringify({ provider: "openf1", syncType: "meetings" })],
      ["GET", "/status", undefined],
      ["GET", "/jobs/m-1", undefined],
    );
    await fc.assert(
      fc.asyncProperty(routes, badAuthorization, async ([method, path, body], authorization) => {
        const answer = await request(method as string, path as string, { body, authorization });
        expectRefusal(answer);
        expect([401, 403]).toContain(answer.status);
      }),
      { numRuns: 80 },
    );
  });

  it("unknown routes and methods a route does not have, with or without a token", async () => {
    const calls = fc.oneof(fc.tuple(fc.constantFrom("GET", "POST", "DELETE"), unknownPath), wrongMethod);
    await fc.assert(
      fc.asyncProperty(calls, fc.boolean(), async ([method, path], withToken) => {
        const answer = await request(method, path, { authorization: withToken ? undefined : null });
        expectRefusal(answer);
      }),
      { numRuns: 100 },
    );
  });

  it("raw malformed HTTP, to the REST and the WebSocket port alike", async () => {
    await fc.assert(
      fc.asyncProperty(malformedHttp, fc.boolean(), async (bytes, toWs) => {
        const answer = await rawHttp(toWs ? target.ws : target.api, bytes);
        expectRefusal(answer);
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
    "left no message on any queue, no job, status or subscription item for the tenant",
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
        ]);

        expect(
          counts.every((n) => n === 0),
          JSON.stringify(counts),
        ).toBe(true);
        expect(items).toEqual([[], [], []]);
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
  const answer = await request("GET", "/status");
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
