import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { captureLambdaHandler } from "@aws-lambda-powertools/tracer/middleware";
import middy from "@middy/core";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { documentClient, sqsClient } from "#adapters/aws-clients.ts";
import { DynamoLimiter } from "#adapters/dynamo/dynamo-limiter.ts";
import { JobStore } from "#adapters/dynamo/job-store.ts";
import { logger, tracer } from "#adapters/observability.ts";
import { SqsJobQueue } from "#adapters/sqs-job-queue.ts";
import { catalog } from "#catalog/index.ts";
import { parseEnv } from "#core/env.ts";
import { PacerError, PayloadTooLargeError, UnauthorizedError, ValidationError } from "#core/errors.ts";
import { FUNCTIONS } from "#core/functions.ts";
import { QUEUES_ENV_VAR, type QueueUrls, TABLES } from "#core/resources.ts";
import {
  getJob,
  MAX_JOB_ID_LENGTH,
  type SyncRequestDeps,
  SyncRequestSchema,
  syncStatus,
  triggerSync,
} from "#core/sync-requests.ts";

/** Bodies this API accepts; its requests are a few hundred bytes (API Gateway's own cap is 10 MB). */
export const MAX_BODY_BYTES = 64 * 1024;

/** A raw job id longer than this decodes to more than the bound (one character is at most 12 escaped). */
const MAX_RAW_JOB_ID_LENGTH = MAX_JOB_ID_LENGTH * 12;

type Route = (event: APIGatewayProxyEvent, tenantId: string) => Promise<APIGatewayProxyResult>;

/**
 * The REST API: parse, authorize by tenant, call the use case, map typed errors to statuses in
 * one place. Every refusal of caller input is a 4xx with `{"error":{"code","message"}}`.
 */
export function createApiHandler(
  deps: SyncRequestDeps,
): (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult> {
  const routes: Record<string, Route> = {
    "POST /sync": async (event, tenantId) => {
      const request = SyncRequestSchema.safeParse(parseJsonBody(bodyOf(event)));
      if (!request.success) throw new ValidationError(describeIssues(request.error.issues));
      const accepted = await triggerSync(deps, tenantId, request.data);
      return json(202, accepted, { Location: `/jobs/${accepted.jobId}` });
    },
    "GET /jobs/{jobId}": async (event, tenantId) => {
      const raw = event.pathParameters?.jobId;
      if (!raw) throw new ValidationError("jobId is required in the path");
      return json(200, await getJob(deps, tenantId, decodeJobId(raw)));
    },
    "GET /status": async (_event, tenantId) => json(200, await syncStatus(deps, tenantId)),
  };

  return async (event) => {
    try {
      const resource = event.resource || resourceOf(event.path ?? "/");
      if (event.httpMethod === "GET" && resource === "/health") {
        return json(200, { status: "ok", time: new Date().toISOString() });
      }
      const route = routes[`${event.httpMethod} ${resource}`];
      if (!route) {
        const known = Object.keys(routes).some((r) => r.endsWith(` ${resource}`));
        return known
          ? errorResponse(405, "METHOD_NOT_ALLOWED", `${event.httpMethod} is not allowed on ${resource}`)
          : errorResponse(404, "NOT_FOUND", `no route ${event.httpMethod} ${clip(event.path ?? "", 200)}`);
      }
      const tenantId = event.requestContext?.authorizer?.tenantId;
      if (typeof tenantId !== "string" || tenantId === "")
        throw new UnauthorizedError("no tenant in the caller's token");
      return await route(event, tenantId);
    } catch (error) {
      return toErrorResponse(error);
    }
  };
}

/** The body as text, refused past {@link MAX_BODY_BYTES} before anything parses it. */
function bodyOf(event: APIGatewayProxyEvent): string | null {
  if (event.body === null || event.body === undefined) return null;
  const bytes = event.isBase64Encoded ? Buffer.from(event.body, "base64") : Buffer.from(event.body, "utf8");
  if (bytes.length > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError(
      `the body is ${bytes.length} bytes; at most ${MAX_BODY_BYTES} are accepted`,
    );
  }
  return event.isBase64Encoded ? bytes.toString("utf8") : event.body;
}

/** REST path parameters arrive still URL-encoded; a malformed escape is the caller's mistake. */
function decodeJobId(raw: string): string {
  if (raw.length > MAX_RAW_JOB_ID_LENGTH) {
    throw new ValidationError(`jobId: at most ${MAX_JOB_ID_LENGTH} characters`);
  }
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ValidationError("jobId: malformed percent-escape in the path");
  }
}

/** zod's issues as one line: the first few, each cut short, so a hostile body cannot make it huge. */
function describeIssues(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  const shown = issues
    .slice(0, 3)
    .map((i) => clip(`${i.path.map(String).join(".") || "body"}: ${i.message}`, 300));
  const more = issues.length > shown.length ? `; and ${issues.length - shown.length} more` : "";
  return shown.join("; ") + more;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function parseJsonBody(body: string | null): unknown {
  if (body === null || body.trim() === "") throw new ValidationError("a JSON body is required");
  try {
    return JSON.parse(body);
  } catch {
    throw new ValidationError("the body is not valid JSON");
  }
}

/** API Gateway fills `resource`; the fallback keeps direct invocations working. */
function resourceOf(path: string): string {
  return /^\/jobs\/[^/]+$/.test(path) ? "/jobs/{jobId}" : path.replace(/\/+$/, "") || "/";
}

function toErrorResponse(error: unknown): APIGatewayProxyResult {
  if (error instanceof PacerError && error.httpStatus !== undefined) {
    return errorResponse(error.httpStatus, error.code, error.message);
  }
  logger.error("unexpected error", { error: error as Error });
  return errorResponse(500, "INTERNAL_ERROR", "internal error");
}

function errorResponse(status: number, code: string, message: string): APIGatewayProxyResult {
  return json(status, { error: { code, message } });
}

function json(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { "Content-Type": "application/json", "Cache-Control": "no-store", ...headers },
    body: JSON.stringify(body),
  };
}

const env = parseEnv(FUNCTIONS.api.env);

/** API Gateway REST handler, wired from the environment at load. */
export const handler = middy(
  createApiHandler({
    catalog,
    jobs: new JobStore({
      tableName: env.dataTable,
      client: documentClient,
      jobRetentionDays: env.jobRetentionDays,
    }),
    queue: new SqsJobQueue(sqsClient, env.queues),
    limiter: new DynamoLimiter({ tableName: env.limiterTable, client: documentClient }),
    onSendFailed: (jobId, error) =>
      logger.error("job recorded but not queued; the sweep will send it", { jobId, error }),
  }),
)
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger));
