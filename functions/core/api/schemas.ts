import { z } from "zod";
import type { Catalog } from "#catalog/types.ts";
import { DATA_QUERY_FIELDS, type DataPage } from "../data-reads.ts";
import { CONNECTION_ID_PATTERN, JobMessageSchema, type JobRecord, type JobStatus } from "../job.ts";
import type { LimitUsage } from "../limiter/types.ts";
import type { listParticipants } from "../race/events.ts";
import type { ResultListSchema } from "../race/publication-schemas.ts";
import type { listEventResults } from "../race/publications.ts";
import type { ParticipantListSchema } from "../race/schemas.ts";
import type { ProviderStatus } from "../sync-requests.ts";
import { SyncRequestSchema } from "../sync-requests.ts";
import type { ApiErrorCode } from "./errors.ts";

/**
 * The REST API's bodies as zod schemas: the requests the handler parses (reused from where the use
 * cases define them) and what it answers. The OpenAPI document and API Gateway's request models
 * are generated from these; the handler's answers are typed by them.
 */

export {
  ConnectionListSchema,
  ConnectionViewSchema,
  CreateConnectionSchema,
  connectionRequestBodies,
  UpdateConnectionSchema,
} from "../connections/schemas.ts";
export {
  CreateEventSchema,
  EventDeletedSchema,
  EventIdSchema,
  EventListSchema,
  EventViewSchema,
  ParticipantIdSchema,
  ParticipantListSchema,
  ParticipantViewSchema,
  UpdateEventSchema,
  UpdateParticipantSchema,
} from "../race/schemas.ts";
export { SyncRequestSchema };

/** A connection id in a path: Pacer mints `c-` and 20 lowercase hex digits. */
export const ConnectionIdSchema = z.string().regex(CONNECTION_ID_PATTERN);

/** A job id in a path: the same rule as a queued message's (core/job.ts). */
export const JobIdSchema = JobMessageSchema.shape.jobId.unwrap();

/** An ISO 8601 time as `Date.toISOString` writes it (documented by its format: zod's regex would only be noise). */
const timestamp = z.string().meta({ format: "date-time" });
const count = z.number().int().min(0);

export const JOB_STATUSES = [
  "queued",
  "deferred",
  "running",
  "succeeded",
  "skipped",
  "failed",
] as const satisfies readonly JobStatus[];
export const JobStatusSchema = z.enum(JOB_STATUSES);

export const SyncAcceptedSchema = z.object({
  jobId: z.string(),
  status: JobStatusSchema,
  priority: JobMessageSchema.shape.priority,
  merged: z
    .literal(true)
    .optional()
    .describe(
      "the same sync was already queued or running: this is its job (its priority raised if it was lower)",
    ),
});

export const JobRecordSchema = z
  .object({
    jobId: z.string(),
    tenantId: z.string(),
    connectionId: z.string(),
    provider: z.string(),
    syncType: z.string(),
    priority: JobMessageSchema.shape.priority,
    source: JobMessageSchema.shape.source,
    params: z.record(z.string(), z.string()),
    status: JobStatusSchema,
    attempts: count.describe("provider attempts made: runs that took their permits and called the provider"),
    deferrals: count.describe("times the job was put back to wait for a permit; not failures"),
    counts: z
      .object({
        pages: count.describe("pages stored"),
        fetched: count.describe("entities the provider returned"),
        written: count,
        unchanged: count,
        removed: count.describe("stored entities removed because the provider said they are gone"),
        pushed: count.describe(
          "records a push sent and the provider accepted (0 for a pull; 0 on jobs recorded before it was counted)",
        ),
      })
      .optional()
      .describe("progress, updated after every stored page; the totals once the job has ended"),
    parentJobId: z.string().optional().describe("the job that enqueued this one (fan-out)"),
    children: z
      .object({ total: count, succeeded: count, failed: count, skipped: count })
      .optional()
      .describe("the child jobs this one enqueued, and how they ended so far"),
    race: z
      .object({
        events: count.describe("Pacer events unified (those the sync's connection feeds)"),
        pulled: count.describe("registrations read across the events' feeds"),
        matched: count.describe(
          "registrations that joined another registration's participant (n registrations of one person count n − 1)",
        ),
        merged: count.describe("participants made of two or more registrations"),
        unchanged: count.describe(
          "participants and scoring records already stored as they are: no write, no push",
        ),
        conflicts: count.describe(
          "fields on which a participant's registrations (or one and Pacer) disagreed",
        ),
      })
      .optional()
      .describe(
        "on a succeeded registration sync that changed registrants: the unification of the events it feeds, summed; " +
          "each event's whole participant list is counted, not only what this sync changed",
      ),
    createdAt: timestamp,
    updatedAt: timestamp,
    startedAt: timestamp.optional(),
    finishedAt: timestamp.optional(),
    dataAsOf: timestamp
      .optional()
      .describe("when the oldest provider answer this run reused instead of calling was fetched"),
    durationMs: count.optional(),
    notBefore: timestamp.optional().describe("when a deferred job is next tried"),
    reason: z.string().optional().describe("why a job was skipped"),
    error: z
      .object({ code: z.string(), message: z.string() })
      .optional()
      .describe("the last failure; on a failed job, why it ended"),
    sweeps: count.optional().describe("times the job's lost message was sent again"),
  })
  .meta({ title: "JobRecord" });

const LimitUsageSchema = z.object({
  limitId: z.string(),
  scope: z.enum(["global", "tenant"]),
  calls: count,
  perMs: count,
  used: count.describe("permits granted within the last `perMs`"),
  reserved: count.describe("permits reserved ahead"),
  pausedUntil: timestamp.optional().describe("set while the provider told Pacer to back off"),
});

export const SyncStatusSchema = z.object({
  tenantId: z.string(),
  providers: z.array(
    z.object({
      provider: z.string(),
      syncTypes: z.array(
        z.object({
          syncType: z.string(),
          cadence: z.string(),
          lastStatus: z.string().nullable().describe("the last run's job status"),
          lastJobId: z.string().nullable().describe("the last run's job (GET /jobs/{jobId})"),
          lastRunAt: timestamp.nullable(),
          lastSuccessAt: timestamp.nullable(),
          freshnessSeconds: count.nullable().describe("seconds since the last success; null: never"),
          pendingJobs: count,
        }),
      ),
      limits: z.array(
        LimitUsageSchema.extend({ connectionId: z.string().describe("the connection whose budget this is") }),
      ),
    }),
  ),
});

export const HealthSchema = z.object({ status: z.literal("ok"), time: timestamp });

/** A provider id in a path: the catalog's ids are lower-case letters and digits. */
export const DataProviderSchema = z
  .string()
  .regex(/^[a-z0-9]{1,64}$/, "provider: a provider id, e.g. zwiftracing");
/** An entity type in a path, e.g. `signups` or `eventResults`. */
export const DataEntityTypeSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, "entityType: an entity type of the provider, e.g. signups");
/** `GET /data/{provider}/{entityType}`'s query parameters, all optional (`id` and `prefix` exclude each other). */
export const DataQueryParams = DATA_QUERY_FIELDS;

export const DataReadSchema = z.object({
  items: z.array(z.object({ id: z.string(), data: z.record(z.string(), z.unknown()) })),
  nextCursor: z
    .string()
    .nullable()
    .describe("pass it as `cursor` for the next page; null: this was the last"),
  freshness: z
    .object({
      syncType: z.string().describe("the sync that refreshes this data"),
      params: z.record(z.string(), z.string()),
      lastSuccessAt: timestamp.nullable().describe("its last success for the tenant; null: never"),
      ageSeconds: count.nullable().describe("seconds since then; null: never synced"),
      targetSeconds: count
        .nullable()
        .describe(
          "how old it may be; null: no refresh needed (final, e.g. a started event's signups, or not due yet)",
        ),
      refresh: z
        .object({ jobId: z.string() })
        .nullable()
        .describe(
          "the job refreshing it (queued by this read, or already queued or running); null: none needed or allowed",
        ),
    })
    .nullable()
    .describe("null: the read spans several syncs' data (name one with `id` or `prefix`)"),
});

/** What `DELETE /connections/{connectionId}` answers. */
export const ConnectionDeletedSchema = z.object({ connectionId: z.string(), deleted: z.literal(true) });

/** The document `GET /openapi.json` answers: its outline (the validators check the rest). */
export const OpenApiDocumentSchema = z.looseObject({
  openapi: z.string().regex(/^3\.1\.\d+$/),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
});

/** The error body, with `code` one of `codes`. */
export function errorBodySchema(codes: readonly ApiErrorCode[]) {
  const [first = "INTERNAL_ERROR", ...rest] = codes;
  return z.strictObject({
    error: z.strictObject({ code: z.enum([first, ...rest]), message: z.string() }),
  });
}

/** A sync type that takes no params: `params`, if sent, must be empty. */
const NO_PARAMS = z.object({}).strict();

/**
 * The `POST /sync` bodies the catalog accepts: one variant per pull sync type, with its provider
 * and sync type fixed and its own params. Tighter than {@link SyncRequestSchema}, the shape API
 * Gateway checks: which provider and sync type exist is the handler's to say (`UNKNOWN_SYNC`).
 */
export function syncRequestBodies(catalog: Catalog): z.ZodType {
  const variants = catalog.providers.flatMap((provider) =>
    provider.syncTypes
      .filter((syncType) => syncType.direction === "pull")
      .map((syncType) =>
        SyncRequestSchema.extend({
          provider: z.literal(provider.id),
          syncType: z.literal(syncType.id),
          params: (syncType.params ?? NO_PARAMS).optional(),
        }).meta({ title: `${provider.id}/${syncType.id}`, description: syncType.description }),
      ),
  );
  const [first, second, ...rest] = variants;
  if (first === undefined) return z.never();
  return second === undefined ? first : z.union([first, second, ...rest]);
}

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Expect<T extends true> = T;

/**
 * The answers the use cases return are the answers documented: this fails to compile when a type
 * and its schema drift apart.
 */
export type SchemasMatchTheirTypes = [
  Expect<Same<z.infer<typeof JobStatusSchema>, JobStatus>>,
  Expect<Same<z.infer<typeof JobRecordSchema>, JobRecord>>,
  Expect<Same<z.infer<typeof LimitUsageSchema>, LimitUsage>>,
  Expect<ProviderStatus extends z.infer<typeof SyncStatusSchema>["providers"][number] ? true : false>,
  Expect<DataPage extends z.infer<typeof DataReadSchema> ? true : false>,
  Expect<
    Awaited<ReturnType<typeof listParticipants>> extends z.infer<typeof ParticipantListSchema> ? true : false
  >,
  Expect<
    Awaited<ReturnType<typeof listEventResults>> extends z.infer<typeof ResultListSchema> ? true : false
  >,
];
