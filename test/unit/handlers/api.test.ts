import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import fc from "fast-check";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { logger } from "#adapters/observability.ts";
import { catalog } from "#catalog/index.ts";
import { openApiDocument } from "#core/api/openapi.ts";
import { REST_ROUTES } from "#core/api/routes.ts";
import { createApiHandler, MAX_BODY_BYTES } from "#handlers/api.ts";
import { toRestEvent } from "../../../local/gateways/rest-event.ts";
import { MemoryConnectionStore, MemorySchedules, MemorySecretStore } from "../core/connections/fakes.ts";
import { connection, MemoryEntities, MemoryJobs, MemoryQueue, ScriptedLimiter } from "../core/fakes.ts";
import { MemoryRaceEventStore } from "../core/race/events-fakes.ts";
import { MemoryPublicationStore } from "../core/race/publication-fakes.ts";

vi.hoisted(() => {
  // The handler module wires its adapters from the environment at load time.
  process.env.PACER_DATA_TABLE = "test-data";
  process.env.PACER_LIMITER_TABLE = "test-limiter";
  process.env.PACER_QUEUES = "{}";
  process.env.PACER_SECRET_PREFIX = "pacer/connections/";
  process.env.PACER_FINGERPRINT_KEY_SECRET = "pacer/fingerprint-key";
  process.env.PACER_SCHEDULE_GROUP = "pacer-connections";
  process.env.PACER_SCHEDULER_ROLE_ARN = "arn:aws:iam::000000000000:role/scheduler";
});

/** acme's OpenF1 connection, there before each test: the one its manual syncs run for. */
const acmeOpenF1 = connection({ tenantId: "acme" });

let jobs: MemoryJobs;
let queue: MemoryQueue;
let secrets: MemorySecretStore;
let handle: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

beforeEach(() => {
  jobs = new MemoryJobs();
  queue = new MemoryQueue();
  secrets = new MemorySecretStore();
  const connections = new MemoryConnectionStore();
  connections.records.set(`acme#${acmeOpenF1.connectionId}`, acmeOpenF1);
  let ids = 1;
  handle = createApiHandler({
    catalog,
    connections,
    racing: {
      catalog,
      events: new MemoryRaceEventStore(),
      connections,
      participants: async () => [],
      unify: async () => {
        throw new Error("not used by these tests");
      },
    },
    publishing: {
      catalog,
      events: new MemoryRaceEventStore(),
      publications: new MemoryPublicationStore(),
      entities: new MemoryEntities(),
      jobs,
      queue,
    },
    connecting: {
      catalog,
      connections,
      secrets,
      schedules: new MemorySchedules(),
      fingerprintKey: async () => "fingerprint-key-of-this-deployment",
      secretPrefix: "pacer/connections/",
      // After acmeOpenF1 was made, so a new connection lists after it.
      clock: () => Date.parse("2026-12-01T00:00:00Z"),
      newId: () => `c-${(++ids).toString(16).padStart(20, "0")}`,
    },
    reading: {
      catalog,
      entities: new MemoryEntities(),
      subjects: jobs,
      connections,
      enqueue: { jobs, queue },
    },
    jobs,
    queue,
    limiter: new ScriptedLimiter(),
    clock: () => 0,
  });
});

function request(
  method: string,
  resource: string,
  options: {
    path?: string;
    body?: string | null;
    jobId?: string;
    connectionId?: string;
    tenantId?: string | null;
  } = {},
): APIGatewayProxyEvent {
  const tenantId = options.tenantId === undefined ? "acme" : options.tenantId;
  const pathParameters = {
    ...(options.jobId === undefined ? {} : { jobId: options.jobId }),
    ...(options.connectionId === undefined ? {} : { connectionId: options.connectionId }),
  };
  return toRestEvent({
    method,
    path: options.path ?? resource,
    resource,
    pathParameters: Object.keys(pathParameters).length === 0 ? null : pathParameters,
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    body: options.body ?? null,
    sourceIp: "127.0.0.1",
    host: "localhost",
    ...(tenantId === null ? {} : { authorizer: { tenantId, principalId: "p" } }),
  });
}

const sync = (body: unknown) =>
  request("POST", "/sync", { body: typeof body === "string" ? body : JSON.stringify(body) });
const getJob = (jobId: string) => request("GET", "/jobs/{jobId}", { path: `/jobs/${jobId}`, jobId });
const atConnection = (
  method: string,
  connectionId: string,
  options: { body?: unknown; tenantId?: string } = {},
) =>
  request(method, "/connections/{connectionId}", {
    path: `/connections/${connectionId}`,
    connectionId,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    ...(options.tenantId === undefined ? {} : { tenantId: options.tenantId }),
  });

/** The body of a success, checked against the schema the contract gives the operation. */
function successOf(operationId: (typeof REST_ROUTES)[number]["operationId"], result: APIGatewayProxyResult) {
  const route = REST_ROUTES.find((r) => r.operationId === operationId);
  expect(result.statusCode, result.body).toBe(route?.success.status);
  return route?.success.schema.parse(JSON.parse(result.body)) as Record<string, unknown>;
}

function errorOf(result: APIGatewayProxyResult): { code: string; message: string } {
  const body = JSON.parse(result.body) as { error?: { code: string; message: string } };
  expect(body).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
  return body.error as { code: string; message: string };
}

describe("POST /sync input", () => {
  it("accepts a sync with params its sync type declares", async () => {
    const result = await handle(sync({ provider: "openf1", syncType: "meetings", params: { year: "2024" } }));

    expect(result.statusCode).toBe(202);
    expect(queue.sent[0]?.message.params).toEqual({ year: "2024" });
  });

  it.each([
    ["meetings", { year: "20x4" }, "params.year"],
    ["meetings", { year: "2024&meeting_key=1" }, "params.year"],
    ["weather", { session_key: "1 OR 1=1" }, "params.session_key"],
    ["meetings", { meeting_key: "1" }, "params.meeting_key"],
  ])("refuses %s with %j: 400 naming %s, nothing queued", async (syncType, params, field) => {
    const result = await handle(sync({ provider: "openf1", syncType, params }));

    expect(result.statusCode).toBe(400);
    expect(errorOf(result)).toMatchObject({
      code: "VALIDATION_ERROR",
      message: expect.stringContaining(field),
    });
    expect(jobs.records.size).toBe(0);
    expect(queue.sent).toEqual([]);
  });

  it("refuses 2,000 params with a 400 that stays short", async () => {
    const params = Object.fromEntries(Array.from({ length: 2_000 }, (_, i) => [`p${i}`, "x"]));

    const result = await handle(sync({ provider: "openf1", syncType: "meetings", params }));

    expect(result.statusCode).toBe(400);
    expect(errorOf(result).message).toContain("at most 16 params");
    expect(result.body.length).toBeLessThan(1_000);
  });

  it.each(["provider", "syncType", "tenantId"])("bounds %s to 64 characters", async (field) => {
    const body = { provider: "openf1", syncType: "meetings", [field]: "a".repeat(65) };

    const result = await handle(sync(body));

    expect(result.statusCode).toBe(400);
    expect(errorOf(result).message).toContain(field);
  });

  it("answers a body over the limit with 413, before parsing it", async () => {
    const body = JSON.stringify({
      provider: "openf1",
      syncType: "meetings",
      pad: "x".repeat(MAX_BODY_BYTES),
    });

    const result = await handle(sync(body));

    expect(result.statusCode).toBe(413);
    expect(errorOf(result).code).toBe("PAYLOAD_TOO_LARGE");
    expect(queue.sent).toEqual([]);
  });

  it("keeps the message short when a body has thousands of unknown keys", async () => {
    const body = Object.fromEntries(Array.from({ length: 3_000 }, (_, i) => [`k${i}`, 1]));

    const result = await handle(sync({ provider: "openf1", syncType: "meetings", ...body }));

    expect(result.statusCode).toBe(400);
    expect(result.body.length).toBeLessThan(1_000);
  });
});

describe("POST /sync for a connection", () => {
  it("runs for the tenant's only connection to the provider", async () => {
    const result = await handle(sync({ provider: "openf1", syncType: "meetings" }));

    expect(result.statusCode).toBe(202);
    expect(queue.sent[0]?.message.connectionId).toBe(acmeOpenF1.connectionId);
  });

  it("answers a tenant with no connection to the provider with 404", async () => {
    const result = await handle(
      request("POST", "/sync", {
        body: JSON.stringify({ provider: "openf1", syncType: "meetings" }),
        tenantId: "globex",
      }),
    );

    expect(result.statusCode).toBe(404);
    expect(errorOf(result).code).toBe("NOT_FOUND");
    expect(queue.sent).toEqual([]);
  });

  it("answers a disabled connection with 409", async () => {
    await handle(atConnection("PATCH", acmeOpenF1.connectionId, { body: { enabled: false } }));

    const result = await handle(
      sync({ provider: "openf1", syncType: "meetings", connectionId: acmeOpenF1.connectionId }),
    );

    expect(result.statusCode).toBe(409);
    expect(errorOf(result).code).toBe("CONFLICT");
    expect(queue.sent).toEqual([]);
  });
});

describe("connections", () => {
  const PASSWORD = "Zq7SecretPassword9Xw";
  const create = (tenantId = "acme") =>
    request("POST", "/connections", {
      body: JSON.stringify({
        provider: "openf1",
        tier: "paid",
        credentials: { username: "racer", password: PASSWORD },
      }),
      tenantId,
    });

  it("creates one, at the Location it answers, showing a fingerprint of its credentials and never them", async () => {
    const result = await handle(create());

    const created = successOf("createConnection", result);
    expect(created).toMatchObject({ provider: "openf1", tier: "paid", enabled: true });
    expect(result.headers?.Location).toBe(`/connections/${created.connectionId}`);
    expect(result.body).not.toContain(PASSWORD);
    expect(created.credentials).toEqual({ fingerprint: expect.any(String) });
  });

  it("lists, reads, changes and deletes the caller's own", async () => {
    const { connectionId } = successOf("createConnection", await handle(create()));
    const id = String(connectionId);

    const listed = successOf("listConnections", await handle(request("GET", "/connections")));
    const read = successOf("getConnection", await handle(atConnection("GET", id)));
    const changed = successOf(
      "updateConnection",
      await handle(atConnection("PATCH", id, { body: { enabled: false } })),
    );
    const deleted = successOf("deleteConnection", await handle(atConnection("DELETE", id)));
    const after = await handle(atConnection("GET", id));

    expect((listed.connections as { connectionId: string }[]).map((c) => c.connectionId)).toEqual([
      acmeOpenF1.connectionId,
      id,
    ]);
    expect(read).toMatchObject({ connectionId: id, enabled: true });
    expect(changed).toMatchObject({ connectionId: id, enabled: false });
    expect(deleted).toEqual({ connectionId: id, deleted: true });
    expect(after.statusCode).toBe(404);
    expect(secrets.values.size).toBe(0);
  });

  it("answers another tenant's connection as a missing one, and leaves it as it was", async () => {
    const id = acmeOpenF1.connectionId;

    const answers = [
      await handle(atConnection("GET", id, { tenantId: "globex" })),
      await handle(atConnection("PATCH", id, { body: { enabled: false }, tenantId: "globex" })),
      await handle(atConnection("DELETE", id, { tenantId: "globex" })),
      await handle(
        request("POST", "/sync", {
          body: JSON.stringify({ provider: "openf1", syncType: "meetings", connectionId: id }),
          tenantId: "globex",
        }),
      ),
    ];
    const own = successOf("getConnection", await handle(atConnection("GET", id)));
    const listed = successOf(
      "listConnections",
      await handle(request("GET", "/connections", { tenantId: "globex" })),
    );

    expect(answers.map((r) => [r.statusCode, errorOf(r).code])).toEqual(Array(4).fill([404, "NOT_FOUND"]));
    expect(own).toMatchObject({ connectionId: id, enabled: true });
    expect(listed).toEqual({ connections: [] });
  });

  it.each([
    ["an unknown provider", { provider: "nosuch" }],
    ["an unknown tier", { provider: "openf1", tier: "gold" }],
    ["an unknown field", { provider: "openf1", colour: "red" }],
  ])("refuses %s with a 400, creating nothing", async (_, body) => {
    const result = await handle(request("POST", "/connections", { body: JSON.stringify(body) }));

    expect(result.statusCode).toBe(400);
    errorOf(result);
    const listed = successOf("listConnections", await handle(request("GET", "/connections")));
    expect(listed.connections).toHaveLength(1);
  });
});

describe("GET /jobs/{jobId} input", () => {
  it("finds a job of the caller's tenant", async () => {
    const accepted = JSON.parse((await handle(sync({ provider: "openf1", syncType: "meetings" }))).body);

    const result = await handle(getJob(encodeURIComponent(accepted.jobId)));

    expect(result.statusCode).toBe(200);
  });

  it.each([
    ["a malformed percent-escape", 400, "%ZZ"],
    ["a lone surrogate's escape", 400, "%ED%A0%80"],
    ["an id over 200 characters", 400, "j".repeat(201)],
    ["an id of 3,000 characters", 400, "j".repeat(3_000)],
    ["characters no job id has", 404, encodeURIComponent("a b'\"<>")],
    ["a well-formed id of no job", 404, "m-00000000-0000-0000-0000-000000000000"],
  ])("answers %s with %i and the error shape", async (_, status, jobId) => {
    const result = await handle(getJob(jobId));

    expect(result.statusCode).toBe(status);
    errorOf(result);
  });
});

describe("GET /openapi.json", () => {
  it("answers the contract's document without a tenant", async () => {
    const result = await handle(request("GET", "/openapi.json", { tenantId: null }));

    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual(openApiDocument(catalog));
  });
});

describe("POST /sync against its documented body", () => {
  const document = openApiDocument(catalog) as unknown as {
    components: { schemas: Record<string, z.core.JSONSchema.JSONSchema> };
    paths: { "/sync": { post: { responses: Record<string, unknown> } } };
  };
  const documentedBody = z.fromJSONSchema(
    document.components.schemas.SyncRequest as z.core.JSONSchema.JSONSchema,
  );
  /** The codes the document lists for POST /sync at `status`. */
  const documentedCodes = (status: number): unknown =>
    (
      document.paths["/sync"].post.responses[String(status)] as
        | {
            content: {
              "application/json": {
                schema: { properties: { error: { properties: { code: { enum: string[] } } } } };
              };
            };
          }
        | undefined
    )?.content["application/json"].schema.properties.error.properties.code.enum;

  it("accepts every body the document accepts, and refuses every other with a code it lists", async () => {
    // Mostly known values, so that about half the bodies are ones the document accepts.
    const text = (known: string[]) =>
      fc.oneof(
        { arbitrary: fc.constantFrom(...known), weight: 6 },
        { arbitrary: fc.string({ maxLength: 70 }), weight: 1 },
      );
    const fields = fc.record(
      {
        provider: text(["openf1", "openf1", "nosuch"]),
        syncType: text(["meetings", "sessions", "weather", "race_control", "laps"]),
        tenantId: text(["acme", "acme", "other"]),
        params: fc.oneof(
          { arbitrary: fc.constant({}), weight: 2 },
          fc.dictionary(
            fc.constantFrom("year", "session_key", "meeting_key", "A1"),
            fc.oneof(fc.constantFrom("2024", "9158", "0", "20x4"), fc.string({ maxLength: 5 })),
            { maxKeys: 2 },
          ),
          fc.constantFrom(null, "2024", []),
        ),
      },
      { requiredKeys: ["provider", "syncType"] },
    );
    const extra = fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, fc.integer());
    const body = fc
      .tuple(fields, extra)
      .map(([known, unknown]) => (unknown === undefined ? known : { ...known, extra: unknown }));

    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        const result = await handle(sync(value));

        const acceptable = documentedBody.safeParse(value).success && (value.tenantId ?? "acme") === "acme";
        if (acceptable) expect(result.statusCode, result.body).toBe(202);
        else expect(documentedCodes(result.statusCode), result.body).toContain(errorOf(result).code);
      }),
      { numRuns: 300 },
    );
  });
});

describe("any input", () => {
  it("is answered with a 2xx or a 4xx in the error shape, never a 5xx, and a refusal writes nothing", async () => {
    const logged = vi.spyOn(logger, "error").mockImplementation(() => undefined);
    const value = fc.oneof(fc.string({ maxLength: 80 }), fc.integer(), fc.constant(null), fc.boolean());
    const params = fc.oneof(
      fc.dictionary(fc.constantFrom("year", "session_key", "x", "__proto__"), fc.string({ maxLength: 8 })),
      value,
    );
    const body = fc.oneof(
      fc.record(
        {
          provider: fc.oneof(fc.constantFrom("openf1", ""), value),
          syncType: fc.oneof(fc.constantFrom("meetings", "weather", "laps"), value),
          tenantId: fc.oneof(fc.constantFrom("acme", "other"), value),
          params,
          extra: value,
        },
        { requiredKeys: [] },
      ),
      fc.jsonValue(),
    );
    const events = fc.oneof(
      body.map((b) => sync(b)),
      fc.string({ maxLength: 100 }).map((text) => sync(text)),
      fc.string({ maxLength: 300 }).map((id) => getJob(id)),
      fc.jsonValue().map((b) => request("POST", "/connections", { body: JSON.stringify(b) })),
      fc
        .tuple(fc.constantFrom("GET", "PATCH", "DELETE"), fc.string({ maxLength: 80 }), fc.jsonValue())
        .map(([method, id, b]) => atConnection(method, id, method === "PATCH" ? { body: b } : {})),
      fc.constantFrom("GET", "PUT", "DELETE", "PATCH").map((method) => request(method, "/sync")),
      fc.webPath().map((path) => request("GET", path, { path })),
    );

    await fc.assert(
      fc.asyncProperty(events, async (event) => {
        const before = queue.sent.length;
        const result = await handle(event);
        expect(result.statusCode).toBeLessThan(500);
        if (result.statusCode >= 400) {
          errorOf(result);
          expect(queue.sent.length).toBe(before);
        }
      }),
      { numRuns: 300 },
    );
    expect(logged).not.toHaveBeenCalled();
  });
});
