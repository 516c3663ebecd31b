import type { z } from "zod";
import type { Catalog } from "#catalog/types.ts";
import {
  PreparePublicationSchema,
  PublicationIdSchema,
  PublicationListSchema,
  PublicationViewSchema,
  ResultListSchema,
} from "#core/race/publication-schemas.ts";
import { type ApiErrorCode, statusOf } from "./errors.ts";
import {
  ConnectionDeletedSchema,
  ConnectionIdSchema,
  ConnectionListSchema,
  ConnectionViewSchema,
  CreateConnectionSchema,
  CreateEventSchema,
  connectionRequestBodies,
  DataEntityTypeSchema,
  DataProviderSchema,
  DataQueryParams,
  DataReadSchema,
  EventDeletedSchema,
  EventIdSchema,
  EventListSchema,
  EventViewSchema,
  HealthSchema,
  JobIdSchema,
  JobRecordSchema,
  OpenApiDocumentSchema,
  ParticipantIdSchema,
  ParticipantListSchema,
  ParticipantViewSchema,
  SyncAcceptedSchema,
  SyncRequestSchema,
  SyncStatusSchema,
  syncRequestBodies,
  UpdateConnectionSchema,
  UpdateEventSchema,
  UpdateParticipantSchema,
} from "./schemas.ts";

/**
 * The REST API's contract as data: every route, its auth, what it takes and what it answers,
 * success and errors. The CDK construct builds API Gateway's resources, methods and request models
 * from it, the local stand-in its route table, the handler its dispatch, and `GET /openapi.json`
 * its document, so none of them can describe a route the others do not have.
 *
 * Not in it: `POST /dev/token` and the JWKS, which only the local stand-in answers (its own routes,
 * local/gateways/rest-gateway.ts): the document describes the API a deployment serves.
 */

/** Bodies this API accepts; its requests are a few hundred bytes (API Gateway's own cap is 10 MB). */
export const MAX_BODY_BYTES = 64 * 1024;

export type RouteAuth =
  /** A bearer JWT, checked by the Lambda TOKEN authorizer; the token's tenant is the caller's. */
  | { readonly kind: "bearer" }
  /** No token; `reason` says why that is safe (it is the cdk-nag acknowledgement too). */
  | { readonly kind: "none"; readonly reason: string };

export interface RouteBody {
  /** The shape API Gateway checks (its request model) and the handler parses before anything else. */
  readonly schema: z.ZodType;
  /** The request model's name. */
  readonly model: string;
  readonly maxBytes: number;
  /** What the catalog accepts, for the document: tighter than `schema`, checked by the handler. */
  readonly documented?: (catalog: Catalog) => z.ZodType;
}

export interface RestRoute {
  readonly operationId: string;
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** A resource template, API Gateway's way: `/jobs/{jobId}`. */
  readonly path: `/${string}`;
  readonly summary: string;
  readonly description?: string;
  readonly auth: RouteAuth;
  /** Each `{name}` of the path, with the schema of its (decoded) value. */
  readonly pathParams?: Readonly<Record<string, z.ZodType>>;
  /** Each optional query parameter, with the schema of its value (its `description` documents it). */
  readonly queryParams?: Readonly<Record<string, z.ZodType>>;
  readonly body?: RouteBody;
  readonly success: {
    readonly status: number;
    readonly description: string;
    readonly schema: z.ZodType;
    /** Response headers, each with what it says. */
    readonly headers?: Readonly<Record<string, string>>;
  };
  /** Codes this route answers beyond those its kind implies (see {@link routeErrors}). */
  readonly errors: readonly ApiErrorCode[];
}

export const REST_ROUTES = [
  {
    operationId: "triggerSync",
    method: "POST",
    path: "/sync",
    summary: "Trigger a sync now",
    description:
      "Records a job as queued and sends it to the provider's high-priority queue, for one of the caller's connections to the provider (`connectionId`, needed only when the tenant has several). `tenantId`, if given, must be the caller's.",
    auth: { kind: "bearer" },
    body: {
      schema: SyncRequestSchema,
      model: "SyncRequest",
      maxBytes: MAX_BODY_BYTES,
      documented: syncRequestBodies,
    },
    success: {
      status: 202,
      description: "The job is queued.",
      schema: SyncAcceptedSchema,
      headers: { Location: "the job's URL, `/jobs/{jobId}`" },
    },
    errors: ["UNKNOWN_SYNC", "NOT_FOUND", "CONFLICT"],
  },
  {
    operationId: "createConnection",
    method: "POST",
    path: "/connections",
    summary: "Connect a provider",
    description:
      "Checks the tier, settings and credentials against the provider's own schema, keeps the credentials in a secret of their own (never returned again: a fingerprint at most), and creates the schedules of the provider's sync types for this connection, each at a minute the slot planner picks. A plan that would not fit a limit (this connection's and every other one sharing the budget: its key's, or the deployment's for global limits) is refused with 422 PLAN_DOES_NOT_FIT, one line per limit, before anything is written. Queues one initial run of each scheduled sync type. `activeHours` confines the schedules to office hours; `refreshOnRead: false` stops stale reads from queueing refreshes.",
    auth: { kind: "bearer" },
    body: {
      schema: CreateConnectionSchema,
      model: "CreateConnection",
      maxBytes: MAX_BODY_BYTES,
      documented: connectionRequestBodies,
    },
    success: {
      status: 201,
      description: "The connection, enabled, with its schedules running.",
      schema: ConnectionViewSchema,
      headers: { Location: "the connection's URL, `/connections/{connectionId}`" },
    },
    errors: ["PLAN_DOES_NOT_FIT"],
  },
  {
    operationId: "listConnections",
    method: "GET",
    path: "/connections",
    summary: "The caller's tenant's connections",
    auth: { kind: "bearer" },
    success: { status: 200, description: "Every connection of the tenant.", schema: ConnectionListSchema },
    errors: [],
  },
  {
    operationId: "getConnection",
    method: "GET",
    path: "/connections/{connectionId}",
    summary: "A connection of the caller's tenant",
    description: "Another tenant's connection is answered as a missing one (404).",
    auth: { kind: "bearer" },
    pathParams: { connectionId: ConnectionIdSchema },
    success: { status: 200, description: "The connection.", schema: ConnectionViewSchema },
    errors: ["NOT_FOUND"],
  },
  {
    operationId: "updateConnection",
    method: "PATCH",
    path: "/connections/{connectionId}",
    summary: "Enable, disable, rotate credentials, change tier or settings",
    description:
      "Disabling removes the connection's schedules and enabling puts them back; settings are merged over the current ones (`null` removes one) and checked whole; new credentials replace the secret's value (and queue a recovery run of each sync type whose last run failed). A change that enables, or changes tier, settings, office hours or credentials, is checked against the limits as at creation (422 PLAN_DOES_NOT_FIT).",
    auth: { kind: "bearer" },
    pathParams: { connectionId: ConnectionIdSchema },
    body: { schema: UpdateConnectionSchema, model: "UpdateConnection", maxBytes: MAX_BODY_BYTES },
    success: { status: 200, description: "The connection as it now is.", schema: ConnectionViewSchema },
    errors: ["NOT_FOUND", "CONFLICT", "PLAN_DOES_NOT_FIT"],
  },
  {
    operationId: "deleteConnection",
    method: "DELETE",
    path: "/connections/{connectionId}",
    summary: "Disconnect a provider",
    description: "Removes the connection's schedules (its live windows too), its record and its secret.",
    auth: { kind: "bearer" },
    pathParams: { connectionId: ConnectionIdSchema },
    success: { status: 200, description: "The connection is gone.", schema: ConnectionDeletedSchema },
    errors: ["NOT_FOUND"],
  },
  {
    operationId: "createEvent",
    method: "POST",
    path: "/events",
    summary: "Create a race event",
    description:
      "A Pacer event: the registration providers' events whose registrants make its one participant list (each `connectionId` one of the caller's connections to a registration provider), and optionally the scoring provider's event the list is pushed to. A connection the caller does not have is refused as a missing one.",
    auth: { kind: "bearer" },
    body: { schema: CreateEventSchema, model: "CreateEvent", maxBytes: MAX_BODY_BYTES },
    success: {
      status: 201,
      description: "The event.",
      schema: EventViewSchema,
      headers: { Location: "the event's URL, `/events/{eventId}`" },
    },
    errors: [],
  },
  {
    operationId: "listEvents",
    method: "GET",
    path: "/events",
    summary: "The caller's tenant's race events",
    auth: { kind: "bearer" },
    success: {
      status: 200,
      description: "Every event of the tenant, soonest start first.",
      schema: EventListSchema,
    },
    errors: [],
  },
  {
    operationId: "getEvent",
    method: "GET",
    path: "/events/{eventId}",
    summary: "A race event of the caller's tenant",
    description: "Another tenant's event is answered as a missing one (404).",
    auth: { kind: "bearer" },
    pathParams: { eventId: EventIdSchema },
    success: { status: 200, description: "The event.", schema: EventViewSchema },
    errors: ["NOT_FOUND"],
  },
  {
    operationId: "updateEvent",
    method: "PATCH",
    path: "/events/{eventId}",
    summary: "Change an event's name, times, feeds, scoring target or rules",
    description:
      "Each field given replaces the current one (`null` removes `endsAt` or `scoring`). `version` must be the version read: another is refused with 409.",
    auth: { kind: "bearer" },
    pathParams: { eventId: EventIdSchema },
    body: { schema: UpdateEventSchema, model: "UpdateEvent", maxBytes: MAX_BODY_BYTES },
    success: { status: 200, description: "The event as it now is.", schema: EventViewSchema },
    errors: ["NOT_FOUND", "CONFLICT"],
  },
  {
    operationId: "deleteEvent",
    method: "DELETE",
    path: "/events/{eventId}",
    summary: "Delete a race event",
    description: "Removes the event and the values set in Pacer for its participants.",
    auth: { kind: "bearer" },
    pathParams: { eventId: EventIdSchema },
    success: { status: 200, description: "The event is gone.", schema: EventDeletedSchema },
    errors: ["NOT_FOUND"],
  },
  {
    operationId: "listParticipants",
    method: "GET",
    path: "/events/{eventId}/participants",
    summary: "An event's unified participants",
    description:
      "One participant per person across the event's registration feeds, each with its registrations, where each value came from and the disagreements resolved. Answered at once, as last built; a feed whose registrations are older than their freshness target queues its participants sync (source `read`, priority high, through the feed's own connection; merged into one already queued or running), each named in `refresh`: read again or subscribe to `events/{eventId}/participants` for the fresh list. A connection with `refreshOnRead: false` (or disabled) is left to its schedules.",
    auth: { kind: "bearer" },
    pathParams: { eventId: EventIdSchema },
    success: {
      status: 200,
      description: "The participant list as last built, and the refreshes this read queued or joined.",
      schema: ParticipantListSchema,
    },
    errors: ["NOT_FOUND"],
  },
  {
    operationId: "updateParticipant",
    method: "PATCH",
    path: "/events/{eventId}/participants/{participantId}",
    summary: "Set or release values of a participant",
    description:
      "A value set here (a bib the timer assigned, a corrected name) owns its field: no sync blanks or replaces it. `null` hands the field back to the registrations. The list is then rebuilt.",
    auth: { kind: "bearer" },
    pathParams: { eventId: EventIdSchema, participantId: ParticipantIdSchema },
    body: { schema: UpdateParticipantSchema, model: "UpdateParticipant", maxBytes: MAX_BODY_BYTES },
    success: { status: 200, description: "The participant as rebuilt.", schema: ParticipantViewSchema },
    errors: ["NOT_FOUND"],
  },
  {
    operationId: "listEventResults",
    method: "GET",
    path: "/events/{eventId}/results",
    summary: "An event's results as its scoring provider last gave them",
    description:
      "The result rows of the event's scoring event, as the last results pull stored them (watch `events/{eventId}/results` for changes). Preliminary rows say so. Answered at once; from the event's start until a week after its end, results older than their freshness target queue the scoring connection's results pull (source `read`, priority high; merged into one already queued or running), named in `refresh`. A connection with `refreshOnRead: false` (or disabled) is left to the race clock.",
    auth: { kind: "bearer" },
    pathParams: { eventId: EventIdSchema },
    success: {
      status: 200,
      description: "The results, and the refreshes this read queued or joined.",
      schema: ResultListSchema,
    },
    errors: ["NOT_FOUND"],
  },
  {
    operationId: "preparePublication",
    method: "POST",
    path: "/events/{eventId}/publications",
    summary: "Prepare a publication of an event's results (nothing is sent)",
    description:
      "Builds what each registration provider feeding the event would receive — one row per registration of each participant with a result — and the difference from what it was last published. Nothing is sent until the publication is approved. A provider that documents no way to receive results is listed as not supported. Preliminary and final results are never mixed.",
    auth: { kind: "bearer" },
    pathParams: { eventId: EventIdSchema },
    body: { schema: PreparePublicationSchema, model: "PreparePublication", maxBytes: MAX_BODY_BYTES },
    success: {
      status: 201,
      description: "Prepared; read its diff at the Location.",
      schema: PublicationViewSchema,
      headers: { Location: "the publication's URL" },
    },
    errors: ["NOT_FOUND"],
  },
  {
    operationId: "listPublications",
    method: "GET",
    path: "/events/{eventId}/publications",
    summary: "An event's publications, newest first (without their rows)",
    auth: { kind: "bearer" },
    pathParams: { eventId: EventIdSchema },
    success: { status: 200, description: "The publications.", schema: PublicationListSchema },
    errors: ["NOT_FOUND"],
  },
  {
    operationId: "getPublication",
    method: "GET",
    path: "/events/{eventId}/publications/{publicationId}",
    summary: "A publication with its diff",
    description: "Per registration provider event: the rows added, changed (before and after) and removed.",
    auth: { kind: "bearer" },
    pathParams: { eventId: EventIdSchema, publicationId: PublicationIdSchema },
    success: { status: 200, description: "The publication.", schema: PublicationViewSchema },
    errors: ["NOT_FOUND"],
  },
  {
    operationId: "approvePublication",
    method: "POST",
    path: "/events/{eventId}/publications/{publicationId}/approve",
    summary: "Approve a publication: its changes are sent",
    description:
      "Records who approved it and when, and queues one publish job per provider event with rows to send (none when nothing changed). Approving it again finishes an approval cut short and sends nothing twice. A publication prepared before another of its kind was approved is refused (409): prepare a new one.",
    auth: { kind: "bearer" },
    pathParams: { eventId: EventIdSchema, publicationId: PublicationIdSchema },
    success: { status: 200, description: "Approved.", schema: PublicationViewSchema },
    errors: ["NOT_FOUND", "CONFLICT"],
  },
  {
    operationId: "getJob",
    method: "GET",
    path: "/jobs/{jobId}",
    summary: "A job of the caller's tenant",
    description: "Another tenant's job is answered as a missing one (404).",
    auth: { kind: "bearer" },
    pathParams: { jobId: JobIdSchema },
    success: { status: 200, description: "The job record.", schema: JobRecordSchema },
    errors: ["NOT_FOUND"],
  },
  {
    operationId: "readData",
    method: "GET",
    path: "/data/{provider}/{entityType}",
    summary: "Synced data of the caller's tenant, refreshed when it is older than its target",
    description:
      "The stored entities of one entity type (`id`: one; `prefix`: ids starting with it, e.g. `prefix=<eventId>` for an event's signups; paged by `limit` and `cursor`), answered at once, with how old they are against their freshness target. Data older than its target queues its sync (source `read`, priority high; merged into one already queued or running, whose id `refresh` then names): read again or subscribe to its topic for the fresh data. A connection with `refreshOnRead: false` is left to its schedules. Another tenant's data is never listed or refreshed.",
    auth: { kind: "bearer" },
    pathParams: { provider: DataProviderSchema, entityType: DataEntityTypeSchema },
    queryParams: DataQueryParams,
    success: { status: 200, description: "The stored data and its freshness.", schema: DataReadSchema },
    errors: ["NOT_FOUND"],
  },
  {
    operationId: "getStatus",
    method: "GET",
    path: "/status",
    summary: "Per provider and sync type: last success, freshness, pending jobs, permits used per limit",
    auth: { kind: "bearer" },
    success: { status: 200, description: "The caller's tenant's status.", schema: SyncStatusSchema },
    errors: [],
  },
  {
    operationId: "getHealth",
    method: "GET",
    path: "/health",
    summary: "Liveness",
    auth: {
      kind: "none",
      reason:
        "GET /health is the liveness probe for load balancers and uptime checks; it reveals no tenant data.",
    },
    success: { status: 200, description: "The API answers.", schema: HealthSchema },
    errors: [],
  },
  {
    operationId: "getOpenApi",
    method: "GET",
    path: "/openapi.json",
    summary: "This API's OpenAPI 3.1 document",
    auth: {
      kind: "none",
      reason:
        "GET /openapi.json describes the API's routes and schemas, which are public in the repository; it holds no tenant data, and clients and tools read it before they have a token.",
    },
    success: { status: 200, description: "The OpenAPI document.", schema: OpenApiDocumentSchema },
    errors: [],
  },
] as const satisfies readonly RestRoute[];

export type OperationId = (typeof REST_ROUTES)[number]["operationId"];
export type RouteOf<Id extends OperationId> = Extract<(typeof REST_ROUTES)[number], { operationId: Id }>;

/**
 * Every code a route answers with: what it takes implies some (a body, path or query parameter:
 * `VALIDATION_ERROR`; a body: `PAYLOAD_TOO_LARGE`; a token: `UNAUTHORIZED`, `FORBIDDEN`), every
 * route may be `THROTTLED`, and its own `errors` add the rest. Ordered by status.
 */
export function routeErrors(route: RestRoute): ApiErrorCode[] {
  const codes = new Set<ApiErrorCode>();
  if (route.body || route.pathParams || route.queryParams) codes.add("VALIDATION_ERROR");
  if (route.body) codes.add("PAYLOAD_TOO_LARGE");
  if (route.auth.kind === "bearer") codes.add("UNAUTHORIZED").add("FORBIDDEN");
  for (const code of route.errors) codes.add(code);
  codes.add("THROTTLED");
  return [...codes].sort((a, b) => statusOf(a) - statusOf(b));
}

/** What a route may answer when something on Pacer's side is broken: a 5xx is a bug or an outage. */
export function routeServerErrors(route: RestRoute): ApiErrorCode[] {
  return route.auth.kind === "bearer"
    ? ["INTERNAL_ERROR", "AUTHORIZER_ERROR", "BAD_GATEWAY"]
    : ["INTERNAL_ERROR", "BAD_GATEWAY"];
}

/**
 * The path parameters of `path` when it fits the resource template (values as they arrive,
 * still URL-encoded), or undefined. A parameter matches one non-empty segment.
 */
export function matchTemplate(template: string, path: string): Record<string, string> | undefined {
  const parts = template.split("/");
  const segments = path.split("/");
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of parts.entries()) {
    const segment = segments[i] ?? "";
    const name = /^\{(\w+)\}$/.exec(part)?.[1];
    if (name === undefined) {
      if (part !== segment) return undefined;
    } else {
      if (segment === "") return undefined;
      params[name] = segment;
    }
  }
  return params;
}

/** The resource template `path` falls under, or undefined when no route has it. */
export function resourceOf(path: string): string | undefined {
  return REST_ROUTES.find((route) => matchTemplate(route.path, path) !== undefined)?.path;
}
