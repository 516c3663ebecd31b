/**
 * The REST API end to end: POST /sync through the queue and the provider worker to a terminal job,
 * delta detection on a repeat run, tenant isolation, the error contract and the OpenAPI document
 * the API serves (valid, complete, and true of what the API answers).
 *
 * By default the file starts its own local stack on free ports and stops it afterwards. To run it
 * against a stack that is already up (`npm run local`, or deployed), set PACER_API_URL, PACER_WS_URL
 * and PACER_TOKEN (and PACER_TOKEN_OTHER_TENANT where POST /dev/token does not exist); then it
 * starts nothing.
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { statusOf } from "#core/api/errors.ts";
import { REST_ROUTES, type RestRoute, routeErrors } from "#core/api/routes.ts";
import { call, startSync, waitForJob } from "./support/api-client.ts";
import { conforms, documentedCodes, operationsOf, type Schema } from "./support/openapi-fuzz.ts";
import { startTarget, type Target } from "./support/target.ts";

let target: Target;

beforeAll(async () => {
  target = await startTarget();
});

afterAll(async () => {
  await target?.stop();
});

describe("POST /sync", () => {
  it("accepts a sync with 202 and the job reaches succeeded", async () => {
    const response = await call<{ jobId: string; status: string; priority: string }>(
      target,
      "POST",
      "/sync",
      {
        body: { provider: "openf1", syncType: "meetings" },
      },
    );

    expect(response.status).toBe(202);
    expect(response.body).toEqual({ jobId: expect.any(String), status: "queued", priority: "high" });
    const job = await waitForJob(target, response.body.jobId);
    expect(job.status).toBe("succeeded");
    expect(job.counts?.fetched).toBeGreaterThan(0);
  });

  it("writes nothing when the same sync runs again on unchanged data", async () => {
    const first = await waitForJob(target, (await startSync(target, "openf1", "meetings")).jobId);
    const second = await waitForJob(target, (await startSync(target, "openf1", "meetings")).jobId);

    expect(first.status).toBe("succeeded");
    expect(second.status).toBe("succeeded");
    expect(second.counts).toEqual({
      pages: 1,
      fetched: first.counts?.fetched,
      written: 0,
      unchanged: first.counts?.fetched,
      removed: 0,
      pushed: 0,
    });
  });

  it("refuses a request without a token with 401 and the error shape", async () => {
    const response = await call(target, "POST", "/sync", {
      body: { provider: "openf1", syncType: "meetings" },
      token: null,
    });

    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: { code: "UNAUTHORIZED", message: expect.any(String) } });
  });

  it("refuses a token that is not a valid JWT with 401", async () => {
    const response = await call(target, "GET", "/status", { token: "not-a-jwt" });

    expect(response.status).toBe(401);
  });

  it("answers malformed JSON with 400 and an error code", async () => {
    const response = await call<{ error: { code: string } }>(target, "POST", "/sync", {
      rawBody: "{not json",
    });

    expect(response.status).toBe(400);
    expect(response.body.error.code).toEqual(expect.any(String));
  });

  it("answers a body without provider with 400", async () => {
    const response = await call<{ error: { code: string } }>(target, "POST", "/sync", {
      body: { syncType: "meetings" },
    });

    expect(response.status).toBe(400);
    expect(response.body.error.code).toEqual(expect.any(String));
  });

  it("answers an unknown provider with 400 or 404", async () => {
    const response = await call<{ error: { code: string } }>(target, "POST", "/sync", {
      body: { provider: "nosuchprovider", syncType: "meetings" },
    });

    expect([400, 404]).toContain(response.status);
    expect(response.body.error.code).toEqual(expect.any(String));
  });
});

describe("GET /jobs/{jobId}", () => {
  it("hides another tenant's job behind 404", async (context) => {
    const otherToken = await target.tokenFor("other");
    if (!otherToken) return context.skip("no token for a second tenant (set PACER_TOKEN_OTHER_TENANT)");
    const { jobId } = await startSync(target, "openf1", "meetings");

    const mine = await call(target, "GET", `/jobs/${jobId}`);
    const theirs = await call<{ error: { code: string } }>(target, "GET", `/jobs/${jobId}`, {
      token: otherToken,
    });

    expect(mine.status).toBe(200);
    expect(theirs.status).toBe(404);
    expect(theirs.body.error.code).toEqual(expect.any(String));
  });
});

describe("routing", () => {
  it("serves GET /health without a token", async () => {
    const response = await call(target, "GET", "/health", { token: null });

    expect(response.status).toBe(200);
  });

  it("answers an unknown route with 404 and the error shape", async () => {
    const response = await call(target, "GET", "/no/such/route");

    expect(response.status).toBe(404);
    expect(response.body).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
  });
});

interface ResolvedDocument {
  readonly paths: Record<string, Record<string, { responses: Record<string, ResolvedResponse> }>>;
}
interface ResolvedResponse {
  readonly content?: { "application/json"?: { schema?: Schema } };
}

/** `GET /openapi.json` without a token, validated as OpenAPI 3.1 and with its `$ref`s resolved. */
async function servedDocument(): Promise<ResolvedDocument> {
  const response = await call(target, "GET", "/openapi.json", { token: null });
  expect(response.status).toBe(200);
  const validator = new Validator();
  const result = await validator.validate(response.body as Record<string, unknown>);
  expect(result, JSON.stringify(result.errors)).toEqual({ valid: true });
  expect(validator.version).toBe("3.1");
  return validator.resolveRefs() as unknown as ResolvedDocument;
}

/** The schema the document gives `method path`'s answer with `status`. */
function answerSchema(document: ResolvedDocument, method: string, path: string, status: number): Schema {
  const schema =
    document.paths[path]?.[method.toLowerCase()]?.responses[String(status)]?.content?.["application/json"]
      ?.schema;
  if (!schema) throw new Error(`the document has no ${status} answer for ${method} ${path}`);
  return schema;
}

describe("GET /openapi.json", () => {
  it("serves a valid OpenAPI 3.1 document without a token, listing every route with the codes it answers", async () => {
    const document = await servedDocument();

    const operations = operationsOf(document);
    expect(operations.map((op) => `${op.method} ${op.path}`).sort()).toEqual(
      REST_ROUTES.map((r) => `${r.method} ${r.path}`).sort(),
    );
    for (const route of REST_ROUTES as readonly RestRoute[]) {
      const operation = operations.find((op) => op.method === route.method && op.path === route.path);
      expect(operation?.secured, route.path).toBe(route.auth.kind === "bearer");
      for (const code of routeErrors(route)) {
        expect(operation && documentedCodes(operation, statusOf(code)), `${route.path} ${code}`).toContain(
          code,
        );
      }
    }
  });

  it("describes what the API answers: a trigger, its job, the status, health and an error", async () => {
    const document = await servedDocument();

    const accepted = await call(target, "POST", "/sync", {
      body: { provider: "openf1", syncType: "meetings" },
    });
    const job = await waitForJob(target, (accepted.body as { jobId: string }).jobId);
    const status = await call(target, "GET", "/status");
    const health = await call(target, "GET", "/health", { token: null });
    const refused = await call(target, "POST", "/sync", { body: { provider: "openf1" } });

    expect(accepted.status).toBe(202);
    expect(conforms(answerSchema(document, "POST", "/sync", 202), accepted.body)).toBe(true);
    expect(conforms(answerSchema(document, "GET", "/jobs/{jobId}", 200), job), JSON.stringify(job)).toBe(
      true,
    );
    expect(
      conforms(answerSchema(document, "GET", "/status", 200), status.body),
      JSON.stringify(status.body),
    ).toBe(true);
    expect(conforms(answerSchema(document, "GET", "/health", 200), health.body)).toBe(true);
    expect(conforms(answerSchema(document, "POST", "/sync", refused.status), refused.body)).toBe(true);
  });
});
