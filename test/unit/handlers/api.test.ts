import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import fc from "fast-check";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { logger } from "#adapters/observability.ts";
import { catalog } from "#catalog/index.ts";
import { openApiDocument } from "#core/api/openapi.ts";
import { createApiHandler, MAX_BODY_BYTES } from "#handlers/api.ts";
import { toRestEvent } from "../../../local/gateways/rest-event.ts";
import { MemoryJobs, MemoryQueue, ScriptedLimiter } from "../core/fakes.ts";

vi.hoisted(() => {
  // The handler module wires its adapters from the environment at load time.
  process.env.PACER_DATA_TABLE = "test-data";
  process.env.PACER_LIMITER_TABLE = "test-limiter";
  process.env.PACER_QUEUES = "{}";
});

let jobs: MemoryJobs;
let queue: MemoryQueue;
let handle: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

beforeEach(() => {
  jobs = new MemoryJobs();
  queue = new MemoryQueue();
  handle = createApiHandler({ catalog, jobs, queue, limiter: new ScriptedLimiter(), clock: () => 0 });
});

function request(
  method: string,
  resource: string,
  options: { path?: string; body?: string | null; jobId?: string; tenantId?: string | null } = {},
): APIGatewayProxyEvent {
  const tenantId = options.tenantId === undefined ? "acme" : options.tenantId;
  return toRestEvent({
    method,
    path: options.path ?? resource,
    resource,
    pathParameters: options.jobId === undefined ? null : { jobId: options.jobId },
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

describe("GET /jobs/{jobId} input", () => {
  it("finds a job of the caller's tenant", async () => {
    const accepted = JSON.parse((await handle(sync({ provider: "openf1", syncType: "meetings" }))).body);

    const result = await handle(getJob(encodeURIComponent(accepted.jobId)));

    expect(result.statusCode).toBe(200);
  });

  it.each([
    ["a malformed percent-escape", "%ZZ", 400],
    ["a lone surrogate's escape", "%ED%A0%80", 400],
    ["an id over 200 characters", "j".repeat(201), 400],
    ["an id of 3,000 characters", "j".repeat(3_000), 400],
    ["characters no job id has", encodeURIComponent("a b'\"<>"), 404],
    ["a well-formed id of no job", "m-00000000-0000-0000-0000-000000000000", 404],
  ])("answers %s with %i and the error shape", async (_, jobId, status) => {
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
