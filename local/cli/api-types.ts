import { z } from "zod";

/**
 * The shapes the CLI reads from the API and the WebSocket (README "REST API", "WebSocket API"),
 * checked on arrival. Loose on purpose: a field the CLI does not show may come and go without
 * breaking it; only what it shows is required.
 */

const counts = z.object({
  pages: z.number().optional(),
  fetched: z.number(),
  written: z.number(),
  unchanged: z.number(),
  removed: z.number().optional(),
});
const children = z.object({
  total: z.number(),
  succeeded: z.number(),
  failed: z.number(),
  skipped: z.number(),
});

export const JobSchema = z.looseObject({
  jobId: z.string(),
  tenantId: z.string().optional(),
  provider: z.string(),
  syncType: z.string(),
  priority: z.string().optional(),
  source: z.string().optional(),
  params: z.record(z.string(), z.string()).optional(),
  status: z.string(),
  attempts: z.number().default(0),
  deferrals: z.number().default(0),
  counts: counts.optional(),
  connectionId: z.string().optional(),
  parentJobId: z.string().optional(),
  children: children.optional(),
  createdAt: z.string().optional(),
  updatedAt: z.string().optional(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  durationMs: z.number().optional(),
  notBefore: z.string().optional(),
  reason: z.string().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  sweeps: z.number().optional(),
});
export type Job = z.infer<typeof JobSchema>;

export const TERMINAL_JOB_STATUSES: readonly string[] = ["succeeded", "skipped", "failed"];

export const SyncAcceptedSchema = z.looseObject({
  jobId: z.string(),
  status: z.string(),
  priority: z.string().optional(),
});
export type SyncAccepted = z.infer<typeof SyncAcceptedSchema>;

const nullableString = z.string().nullable().optional();

export const StatusSchema = z.looseObject({
  tenantId: z.string().optional(),
  providers: z.array(
    z.looseObject({
      provider: z.string(),
      syncTypes: z.array(
        z.looseObject({
          syncType: z.string(),
          cadence: z.string().optional(),
          lastStatus: nullableString,
          lastRunAt: nullableString,
          lastSuccessAt: nullableString,
          freshnessSeconds: z.number().nullable().optional(),
          pendingJobs: z.number().default(0),
        }),
      ),
      limits: z.array(
        z.looseObject({
          limitId: z.string(),
          scope: z.string().optional(),
          calls: z.number(),
          perMs: z.number(),
          used: z.number(),
          reserved: z.number().default(0),
          pausedUntil: z.string().optional(),
          /** The connection whose budget this is (one set of limits per connection). */
          connectionId: z.string().optional(),
        }),
      ),
    }),
  ),
});
export type Status = z.infer<typeof StatusSchema>;

/** A connection as `/connections` shows it; its credentials are a fingerprint at most, never a value. */
export const ConnectionSchema = z.looseObject({
  connectionId: z.string(),
  provider: z.string(),
  tier: z.string(),
  settings: z.record(z.string(), z.unknown()).default({}),
  enabled: z.boolean(),
  credentials: z.looseObject({ fingerprint: z.string() }).nullable().default(null),
  syncTypes: z
    .array(
      z.looseObject({
        syncType: z.string(),
        cadence: z.string().optional(),
        scheduled: z.boolean(),
        enabled: z.boolean().default(true),
      }),
    )
    .default([]),
  limits: z
    .array(
      z.looseObject({
        limitId: z.string(),
        scope: z.string().optional(),
        calls: z.number(),
        perMs: z.number(),
        endpointGroups: z.array(z.string()).default([]),
        shared: z.string().optional(),
      }),
    )
    .default([]),
  createdAt: z.string().optional(),
  updatedAt: z.string().optional(),
  version: z.number().optional(),
});
export type Connection = z.infer<typeof ConnectionSchema>;

export const ConnectionListSchema = z.looseObject({ connections: z.array(ConnectionSchema) });

export const ConnectionDeletedSchema = z.looseObject({ connectionId: z.string(), deleted: z.literal(true) });

export const ApiErrorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** What API Gateway itself answers with (a refused authorizer, a route it does not have). */
export const GatewayErrorBodySchema = z.object({ message: z.string() });

/** API Gateway REST's answer for a path it has no route for. */
export const NO_ROUTE_MESSAGE = "Missing Authentication Token";

export const DevTokenSchema = z.object({ token: z.string().min(1) });

const UpdateFrame = z.looseObject({
  type: z.literal("update"),
  topic: z.string(),
  entity: z.looseObject({
    type: z.string(),
    id: z.string(),
    data: z.record(z.string(), z.unknown()).optional(),
  }),
  change: z.string(),
  at: z.string().optional(),
  dataOmitted: z.looseObject({ reason: z.string(), bytes: z.number() }).optional(),
});

const KnownFrameSchema = z.discriminatedUnion("type", [
  UpdateFrame,
  z.looseObject({ type: z.literal("job"), job: JobSchema }),
  z.looseObject({ type: z.literal("error"), error: z.object({ code: z.string(), message: z.string() }) }),
  z.looseObject({ type: z.literal("subscribed"), topic: z.string() }),
  z.looseObject({ type: z.literal("unsubscribed"), topic: z.string() }),
  z.looseObject({ type: z.literal("pong"), at: z.string().optional() }),
]);

export type UpdateFrame = z.infer<typeof UpdateFrame>;

/** A frame the server sent; one the CLI does not know (or a malformed one) is `other`, kept as it came. */
export type ServerFrame =
  | z.infer<typeof KnownFrameSchema>
  | { readonly type: "other"; readonly raw: unknown };

export function parseServerFrame(raw: unknown): ServerFrame {
  const parsed = KnownFrameSchema.safeParse(raw);
  return parsed.success ? parsed.data : { type: "other", raw };
}
