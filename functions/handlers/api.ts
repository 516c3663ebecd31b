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
import { envJson, envNumber, requireEnv } from "#core/env.ts";
import {
  ForbiddenError,
  NotFoundError,
  type PacerError,
  UnauthorizedError,
  UnknownSyncError,
  ValidationError,
} from "#core/errors.ts";
import { QUEUES_ENV_VAR, type QueueUrls, TABLES } from "#core/resources.ts";
import {
  getJob,
  type SyncRequestDeps,
  SyncRequestSchema,
  syncStatus,
  triggerSync,
} from "#core/sync-requests.ts";

const deps: SyncRequestDeps = {
  catalog,
  jobs: new JobStore({
    tableName: requireEnv(TABLES.data.envVar),
    client: documentClient,
    jobRetentionDays: envNumber("PACER_JOB_RETENTION_DAYS", 30),
  }),
  queue: new SqsJobQueue(sqsClient, envJson<QueueUrls>(QUEUES_ENV_VAR)),
  limiter: new DynamoLimiter({ tableName: requireEnv(TABLES.limiter.envVar), client: documentClient }),
};

type Route = (event: APIGatewayProxyEvent, tenantId: string) => Promise<APIGatewayProxyResult>;

const routes: Record<string, Route> = {
  "POST /sync": async (event, tenantId) => {
    const request = SyncRequestSchema.safeParse(parseJsonBody(event.body));
    if (!request.success) {
      throw new ValidationError(
        request.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "),
      );
    }
    const accepted = await triggerSync(deps, tenantId, request.data);
    return json(202, accepted, { Location: `/jobs/${accepted.jobId}` });
  },
  "GET /jobs/{jobId}": async (event, tenantId) => {
    const jobId = event.pathParameters?.jobId;
    if (!jobId) throw new ValidationError("jobId is required in the path");
    return json(200, await getJob(deps, tenantId, decodeURIComponent(jobId)));
  },
  "GET /status": async (_event, tenantId) => json(200, await syncStatus(deps, tenantId)),
};

/** REST API: parse, authorize by tenant, call the use case, map typed errors to statuses in one place. */
export const handler = middy(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  try {
    const resource = event.resource || resourceOf(event.path);
    if (event.httpMethod === "GET" && resource === "/health") {
      return json(200, { status: "ok", time: new Date().toISOString() });
    }
    const route = routes[`${event.httpMethod} ${resource}`];
    if (!route) {
      const known = Object.keys(routes).some((r) => r.endsWith(` ${resource}`));
      return known
        ? errorResponse(405, "METHOD_NOT_ALLOWED", `${event.httpMethod} is not allowed on ${resource}`)
        : errorResponse(404, "NOT_FOUND", `no route ${event.httpMethod} ${event.path}`);
    }
    const tenantId = event.requestContext?.authorizer?.tenantId;
    if (typeof tenantId !== "string" || tenantId === "")
      throw new UnauthorizedError("no tenant in the caller's token");
    return await route(event, tenantId);
  } catch (error) {
    return toErrorResponse(error);
  }
})
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger));

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

const STATUS_BY_ERROR: [new (...args: never[]) => PacerError, number][] = [
  [ValidationError, 400],
  [UnknownSyncError, 400],
  [UnauthorizedError, 401],
  [ForbiddenError, 403],
  [NotFoundError, 404],
];

function toErrorResponse(error: unknown): APIGatewayProxyResult {
  for (const [type, status] of STATUS_BY_ERROR) {
    if (error instanceof type) return errorResponse(status, error.code, error.message);
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
