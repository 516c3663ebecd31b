import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import type { z } from "zod";
import { documentClient, schedulerClient, sqsClient } from "#adapters/aws-clients.ts";
import { DynamoConnectionStore } from "#adapters/dynamo/connection-store.ts";
import { DynamoLimiter } from "#adapters/dynamo/dynamo-limiter.ts";
import { EntityStore } from "#adapters/dynamo/entity-store.ts";
import { JobStore } from "#adapters/dynamo/job-store.ts";
import { DynamoPublicationStore } from "#adapters/dynamo/publication-store.ts";
import { DynamoRaceEventStore } from "#adapters/dynamo/race-event-store.ts";
import { schedulesFor } from "#adapters/eventbridge-schedules.ts";
import { logger, tracing } from "#adapters/observability.ts";
import { fingerprintKeyFrom, secretStoreFor } from "#adapters/secret-store-for.ts";
import { SqsJobQueue } from "#adapters/sqs-job-queue.ts";
import { catalog } from "#catalog/index.ts";
import { type ApiErrorBody, type ApiErrorCode, statusOf } from "#core/api/errors.ts";
import { type OpenApiDocument, openApiDocument } from "#core/api/openapi.ts";
import { type OperationId, REST_ROUTES, type RestRoute, type RouteOf, resourceOf } from "#core/api/routes.ts";
import {
  type ConnectionDeps,
  createConnection,
  deleteConnection,
  getConnection,
  listConnections,
  updateConnection,
} from "#core/connections/use-cases.ts";
import { type DataReadDeps, readData } from "#core/data-reads.ts";
import { parseEnv } from "#core/env.ts";
import {
  NotFoundError,
  PacerError,
  PayloadTooLargeError,
  UnauthorizedError,
  ValidationError,
} from "#core/errors.ts";
import { FUNCTIONS } from "#core/functions.ts";
import { scaledCatalog } from "#core/limit-time-scale.ts";
import { policyWithMarginFloor } from "#core/limiter/sliding-log.ts";
import {
  createEvent,
  deleteEvent,
  getEvent,
  listEvents,
  listParticipants,
  type RaceEventDeps,
  updateEvent,
  updateParticipant,
} from "#core/race/events.ts";
import { pushSlotMs, queuePush } from "#core/race/follow-ups.ts";
import {
  approvePublication,
  getPublication,
  listEventResults,
  listPublications,
  type PublicationDeps,
  preparePublication,
} from "#core/race/publications.ts";
import {
  eventNamespace,
  type ParticipantView,
  type RaceEventRecord,
  type UnifyCounts,
} from "#core/race/types.ts";
import { unifyEvent } from "#core/race/unify-event.ts";
import {
  getJob,
  MAX_JOB_ID_LENGTH,
  type SyncRequestDeps,
  SyncRequestSchema,
  syncStatus,
  triggerSync,
} from "#core/sync-requests.ts";
import { RACE_ENTITY } from "#providers/race/shapes.ts";

export { MAX_BODY_BYTES } from "#core/api/routes.ts";

/** A raw job id longer than this decodes to more than the bound (one character is at most 12 escaped). */
const MAX_RAW_JOB_ID_LENGTH = MAX_JOB_ID_LENGTH * 12;

/** What an operation answers: its contract's success body (the status is the contract's too). */
interface Reply<Id extends OperationId> {
  readonly body: z.infer<RouteOf<Id>["success"]["schema"]>;
  readonly headers?: Record<string, string>;
}

/** An operation of the contract; one the token guards gets the caller's tenant. */
type Operation<Id extends OperationId> = RouteOf<Id>["auth"]["kind"] extends "bearer"
  ? (event: APIGatewayProxyEvent, tenantId: string) => Promise<Reply<Id>>
  : (event: APIGatewayProxyEvent) => Promise<Reply<Id>>;

/**
 * The REST API: route by the contract (core/api/routes.ts), parse, authorize by tenant, call the
 * use case, map typed errors to statuses in one place. Every refusal of caller input is a 4xx with
 * `{"error":{"code","message"}}`. An operation the contract lists but this handler lacks is a
 * compile error.
 */
export function createApiHandler(
  deps: ApiDeps,
): (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult> {
  let document: OpenApiDocument | undefined;
  const syncRoute = routeById("triggerSync");
  const createRoute = routeById("createConnection");
  const updateRoute = routeById("updateConnection");
  const createEventRoute = routeById("createEvent");
  const updateEventRoute = routeById("updateEvent");
  const updateParticipantRoute = routeById("updateParticipant");
  const preparePublicationRoute = routeById("preparePublication");
  const operations: { readonly [Id in OperationId]: Operation<Id> } = {
    createConnection: async (event, tenantId) => {
      const created = await createConnection(
        deps.connecting,
        tenantId,
        parseJsonBody(bodyOf(event, createRoute)),
      );
      return { body: created, headers: { Location: `/connections/${created.connectionId}` } };
    },
    listConnections: async (_event, tenantId) => ({ body: await listConnections(deps.connecting, tenantId) }),
    getConnection: async (event, tenantId) => ({
      body: await getConnection(deps.connecting, tenantId, connectionIdOf(event)),
    }),
    updateConnection: async (event, tenantId) => {
      const patch = parseJsonBody(bodyOf(event, updateRoute));
      return { body: await updateConnection(deps.connecting, tenantId, connectionIdOf(event), patch) };
    },
    deleteConnection: async (event, tenantId) => {
      const connectionId = connectionIdOf(event);
      await deleteConnection(deps.connecting, tenantId, connectionId);
      return { body: { connectionId, deleted: true as const } };
    },
    createEvent: async (event, tenantId) => {
      const created = await createEvent(
        deps.racing,
        tenantId,
        parseJsonBody(bodyOf(event, createEventRoute)),
      );
      return { body: created, headers: { Location: `/events/${created.eventId}` } };
    },
    listEvents: async (_event, tenantId) => ({ body: await listEvents(deps.racing, tenantId) }),
    getEvent: async (event, tenantId) => ({
      body: await getEvent(deps.racing, tenantId, pathIdOf(event, "eventId", "event")),
    }),
    updateEvent: async (event, tenantId) => {
      const patch = parseJsonBody(bodyOf(event, updateEventRoute));
      const eventId = pathIdOf(event, "eventId", "event");
      return { body: await updateEvent(deps.racing, tenantId, eventId, patch) };
    },
    deleteEvent: async (event, tenantId) => {
      const eventId = pathIdOf(event, "eventId", "event");
      await deleteEvent(deps.racing, tenantId, eventId);
      return { body: { eventId, deleted: true as const } };
    },
    listParticipants: async (event, tenantId) => ({
      body: await listParticipants(
        { ...deps.racing, refreshing: deps.reading },
        tenantId,
        pathIdOf(event, "eventId", "event"),
      ),
    }),
    updateParticipant: async (event, tenantId) => {
      const body = parseJsonBody(bodyOf(event, updateParticipantRoute));
      const eventId = pathIdOf(event, "eventId", "event");
      const participantId = pathIdOf(event, "participantId", "participant");
      const by = callerOf(event, tenantId);
      return { body: await updateParticipant(deps.racing, tenantId, eventId, participantId, body, by) };
    },
    listEventResults: async (event, tenantId) => ({
      body: await listEventResults(
        { ...deps.publishing, refreshing: deps.reading },
        tenantId,
        pathIdOf(event, "eventId", "event"),
      ),
    }),
    preparePublication: async (event, tenantId) => {
      const body = parseJsonBody(bodyOf(event, preparePublicationRoute));
      const eventId = pathIdOf(event, "eventId", "event");
      const prepared = await preparePublication(
        deps.publishing,
        tenantId,
        eventId,
        body,
        callerOf(event, tenantId),
      );
      return {
        body: prepared,
        headers: { Location: `/events/${eventId}/publications/${prepared.publicationId}` },
      };
    },
    listPublications: async (event, tenantId) => ({
      body: await listPublications(deps.publishing, tenantId, pathIdOf(event, "eventId", "event")),
    }),
    getPublication: async (event, tenantId) => ({
      body: await getPublication(
        deps.publishing,
        tenantId,
        pathIdOf(event, "eventId", "event"),
        pathIdOf(event, "publicationId", "publication"),
      ),
    }),
    approvePublication: async (event, tenantId) => ({
      body: await approvePublication(
        deps.publishing,
        tenantId,
        pathIdOf(event, "eventId", "event"),
        pathIdOf(event, "publicationId", "publication"),
        callerOf(event, tenantId),
      ),
    }),
    triggerSync: async (event, tenantId) => {
      const request = SyncRequestSchema.safeParse(parseJsonBody(bodyOf(event, syncRoute)));
      if (!request.success) throw new ValidationError(describeIssues(request.error.issues));
      const accepted = await triggerSync(deps, tenantId, request.data);
      return { body: accepted, headers: { Location: `/jobs/${accepted.jobId}` } };
    },
    getJob: async (event, tenantId) => {
      const raw = event.pathParameters?.jobId;
      if (!raw) throw new ValidationError("jobId is required in the path");
      return { body: await getJob(deps, tenantId, decodeJobId(raw)) };
    },
    readData: async (event, tenantId) => ({
      body: await readData(
        deps.reading,
        tenantId,
        pathIdOf(event, "provider", "provider"),
        pathIdOf(event, "entityType", "entity type"),
        event.queryStringParameters,
      ),
    }),
    getStatus: async (_event, tenantId) => ({ body: await syncStatus(deps, tenantId) }),
    getHealth: async () => ({ body: { status: "ok", time: new Date().toISOString() } }),
    getOpenApi: async () => {
      document ??= openApiDocument(deps.catalog);
      return { body: document, headers: { "Cache-Control": "public, max-age=300" } };
    },
  };

  return async (event) => {
    try {
      const resource = event.resource || resourceOf(event.path ?? "/");
      const atResource = REST_ROUTES.filter((r) => r.path === resource);
      const route = atResource.find((r) => r.method === event.httpMethod) as RestRoute | undefined;
      if (!route) {
        return atResource.length > 0
          ? apiError("METHOD_NOT_ALLOWED", `${event.httpMethod} is not allowed on ${resource}`)
          : apiError("NOT_FOUND", `no route ${event.httpMethod} ${clip(event.path ?? "", 200)}`);
      }
      const operation = operations[route.operationId as OperationId] as (
        event: APIGatewayProxyEvent,
        tenantId?: string,
      ) => Promise<{ body: unknown; headers?: Record<string, string> }>;
      let reply: { body: unknown; headers?: Record<string, string> };
      if (route.auth.kind === "bearer") {
        const tenantId = event.requestContext?.authorizer?.tenantId;
        if (typeof tenantId !== "string" || tenantId === "")
          throw new UnauthorizedError("no tenant in the caller's token");
        reply = await operation(event, tenantId);
      } else reply = await operation(event);
      return json(route.success.status, reply.body, reply.headers);
    } catch (error) {
      return toErrorResponse(error);
    }
  };
}

/** What the REST API runs on: the sync and job use cases' ports, the connections' and the events'. */
export type ApiDeps = SyncRequestDeps & {
  readonly connecting: ConnectionDeps;
  readonly racing: RaceEventDeps;
  readonly publishing: PublicationDeps;
  readonly reading: DataReadDeps;
};

/** Who acts (sets a value, approves): the token's subject, else (no subject in the context) the tenant. */
function callerOf(event: APIGatewayProxyEvent, tenantId: string): string {
  const subject = event.requestContext?.authorizer?.sub;
  return typeof subject === "string" && subject !== "" ? subject : tenantId;
}

/** A connection id from the path; one Pacer could not have minted names no connection (404). */
function connectionIdOf(event: APIGatewayProxyEvent): string {
  return pathIdOf(event, "connectionId", "connection");
}

/** A Pacer-minted id from the path, decoded; one far longer than any Pacer mints names nothing (404). */
function pathIdOf(event: APIGatewayProxyEvent, name: string, noun: string): string {
  const raw = event.pathParameters?.[name] ?? "";
  if (raw.length > 64) throw new NotFoundError(`no ${noun} "${raw.slice(0, 64)}…"`);
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ValidationError(`${name}: malformed percent-escape in the path`);
  }
}

function routeById(id: OperationId): RestRoute {
  return REST_ROUTES.find((r) => r.operationId === id) as RestRoute;
}

/** The body as text, refused past the route's bound before anything parses it. */
function bodyOf(event: APIGatewayProxyEvent, route: RestRoute): string | null {
  if (event.body === null || event.body === undefined) return null;
  const maxBytes = route.body?.maxBytes ?? 0;
  const bytes = event.isBase64Encoded ? Buffer.from(event.body, "base64") : Buffer.from(event.body, "utf8");
  if (bytes.length > maxBytes) {
    throw new PayloadTooLargeError(`the body is ${bytes.length} bytes; at most ${maxBytes} are accepted`);
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

function toErrorResponse(error: unknown): APIGatewayProxyResult {
  if (error instanceof PacerError && error.httpStatus !== undefined) {
    return errorResponse(error.httpStatus, error.code, error.message);
  }
  logger.error("unexpected error", { error: error as Error });
  return apiError("INTERNAL_ERROR", "internal error");
}

/** An answer with one of the contract's codes, at its status. */
function apiError(code: ApiErrorCode, message: string): APIGatewayProxyResult {
  return errorResponse(statusOf(code), code, message);
}

function errorResponse(status: number, code: string, message: string): APIGatewayProxyResult {
  const body: ApiErrorBody = { error: { code, message } };
  return json(status, body);
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
const secrets = secretStoreFor(env);
const connectionStore = new DynamoConnectionStore({ tableName: env.dataTable, client: documentClient });
const raceEvents = new DynamoRaceEventStore({ tableName: env.dataTable, client: documentClient });
const entities = new EntityStore({
  tableName: env.dataTable,
  client: documentClient,
  historyRetentionDays: env.historyRetentionDays,
});
const jobs = new JobStore({
  tableName: env.dataTable,
  client: documentClient,
  jobRetentionDays: env.jobRetentionDays,
});
const queue = new SqsJobQueue(sqsClient, env.queues);
// The limits GET /status and the connection views report, scaled as the workers take them (1 deployed).
const scaled = scaledCatalog(catalog, env.limitTimeScale);

/** The unified participants of an event, as the last unification stored them. */
async function storedParticipants(tenantId: string, eventId: string): Promise<ParticipantView[]> {
  const stored = await entities.reader(tenantId, eventNamespace(eventId)).list(RACE_ENTITY.participants);
  return stored.map((entity) => entity.data as unknown as ParticipantView);
}

/**
 * Rebuilds an event's list after a value was set in Pacer and, where what its scoring provider is
 * to receive changed, queues the event's push for the current slot, as a registration sync does.
 */
async function unifyAndPush(tenantId: string, event: RaceEventRecord): Promise<UnifyCounts> {
  const counts = await unifyEvent({ entities, events: raceEvents }, tenantId, event);
  if (counts.scoringChanged) {
    await queuePush({ jobs, queue, pushSlotMs: pushSlotMs(env.limitTimeScale) }, event, Date.now());
  }
  return counts;
}

/** Connections' schedules, listed by name too: a connection deleted or disabled loses its live windows. */
const connectionSchedules = schedulesFor(schedulerClient, {
  groupName: env.scheduleGroup,
  roleArn: env.schedulerRoleArn,
  deadLetterArn: env.scheduleDlqArn,
  queues: env.queues,
});

/** API Gateway REST handler, wired from the environment at load. */
export const handler = middy(
  createApiHandler({
    catalog: scaled,
    connections: connectionStore,
    connecting: {
      catalog: scaled,
      connections: connectionStore,
      secrets,
      schedules: connectionSchedules,
      windowSchedules: connectionSchedules,
      fingerprintKey: fingerprintKeyFrom(secrets, env.fingerprintKeySecret),
      secretPrefix: env.secretPrefix,
      // A new or re-enabled connection's initial runs, and recovery runs after new credentials.
      jobs,
      queue,
      onSendFailed: (jobId, error) =>
        logger.error("job recorded but not queued; the sweep will send it", { jobId, error }),
      onFollowUpFailed: (syncType, source, error) =>
        logger.error("a follow-up sync could not be queued", { syncType, source, error }),
      onUndoFailed: (step, error) =>
        logger.error("undoing a failed connection change failed; something may be left behind", {
          step,
          error,
        }),
    },
    racing: {
      catalog: scaled,
      events: raceEvents,
      connections: connectionStore,
      participants: storedParticipants,
      unify: unifyAndPush,
    },
    publishing: {
      catalog: scaled,
      events: raceEvents,
      publications: new DynamoPublicationStore({ tableName: env.dataTable, client: documentClient }),
      entities,
      jobs,
      queue,
    },
    reading: {
      catalog: scaled,
      entities,
      subjects: jobs,
      connections: connectionStore,
      enqueue: {
        jobs,
        queue,
        onSendFailed: (jobId, error) =>
          logger.error("refresh recorded but not queued; the sweep will send it", { jobId, error }),
      },
      onRefreshFailed: (error) => logger.error("refresh on read could not be queued", { error }),
    },
    jobs,
    queue,
    limiter: new DynamoLimiter({
      tableName: env.limiterTable,
      client: documentClient,
      policy: policyWithMarginFloor(env.limitMarginMs),
    }),
    onSendFailed: (jobId, error) =>
      logger.error("job recorded but not queued; the sweep will send it", { jobId, error }),
  }),
)
  .use(tracing)
  .use(injectLambdaContext(logger));
