import { z } from "zod";
import { valueAt } from "../connections/validate.ts";
import { ValidationError } from "../errors.ts";
import { CONNECTION_ID_PATTERN } from "../job.ts";
import { PARTICIPANT_FIELDS, type ParticipantField } from "./participants.ts";

/**
 * The REST contract of `/events`: the bodies a caller sends and what it gets back. The shapes are
 * bounded and strict; what only the tenant's data can say (whose connection, which provider, a
 * race naming a feed) is checked by the use cases (./events.ts).
 */

/** `ev-` and 20 lowercase hex digits, minted by Pacer. */
export const EVENT_ID_PATTERN = /^ev-[0-9a-f]{20}$/;
/** `p-` and 20 lowercase hex digits, derived by the unification (./participants.ts). */
export const PARTICIPANT_ID_PATTERN = /^p-[0-9a-f]{20}$/;
/**
 * An event or race id at a provider. No `:` (registrations are named `<provider>:<eventId>:<id>`
 * and races keyed `<connectionId>:<eventId>`), no spaces or slashes.
 */
export const PROVIDER_EVENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const PROVIDER_EVENT_ID_RULE = "a letter or digit, then up to 127 of A-Z a-z 0-9 _ . -";
/** ISO 8601 to the minute or finer, with `Z` or an offset: a start without a zone is ambiguous. */
export const TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const TIMESTAMP_RULE = "ISO 8601 with Z or an offset, e.g. 2026-05-03T08:00:00+02:00";
export const MAX_FEEDS = 20;
export const MAX_PROVIDERS_LISTED = 10;

const connectionId = z.string().regex(CONNECTION_ID_PATTERN, "expected c- and 20 lowercase hex digits");
const providerEventId = z.string().regex(PROVIDER_EVENT_ID_PATTERN, `expected ${PROVIDER_EVENT_ID_RULE}`);
const providerId = z.string().min(1).max(64);
const timestamp = z
  .string()
  .regex(TIMESTAMP_PATTERN, `expected ${TIMESTAMP_RULE}`)
  .refine((value) => !Number.isNaN(Date.parse(value)), "not a real time");

const name = z
  .string()
  .min(1)
  .max(200)
  .refine((value) => value.trim() !== "", "must not be blank");

/** A registration provider's event feeding the Pacer event. */
export const FeedSchema = z.strictObject({
  connectionId: connectionId.describe("one of the caller's connections to a registration provider"),
  eventId: providerEventId.describe("the event's id at that provider"),
});

/** `<connectionId>:<eventId>` of a feed. */
export const RACE_KEY_PATTERN = new RegExp(
  `^${CONNECTION_ID_PATTERN.source.slice(1, -1)}:${PROVIDER_EVENT_ID_PATTERN.source.slice(1, -1)}$`,
);

export const ScoringSchema = z.strictObject({
  connectionId: connectionId.describe("one of the caller's connections to a scoring provider"),
  eventId: providerEventId.describe("the event's id at the scoring provider"),
  races: z
    .record(
      z.string().regex(RACE_KEY_PATTERN, "expected <connectionId>:<eventId> of a registration feed"),
      providerEventId,
    )
    .optional()
    .describe("the scoring provider's race for the runners of each feed, keyed `<connectionId>:<eventId>`"),
  results: z
    .record(z.string(), z.string())
    .optional()
    .describe(
      "the params of the scoring provider's `results` sync for this event (checked against that sync type's), " +
        'e.g. Copernico\'s {"raceId":"<slug>","eventName":"10K"}; absent: {"eventId": eventId}',
    ),
});

const RuleSchema = z.discriminatedUnion(
  "kind",
  [
    z.strictObject({ kind: z.literal("newest") }),
    z.strictObject({
      kind: z.literal("prefer"),
      providers: z.array(providerId).min(1).max(MAX_PROVIDERS_LISTED),
    }),
  ],
  { error: 'expected {"kind":"newest"} or {"kind":"prefer","providers":[…]}' },
);

/** One rule per field at most; a field not named is `newest`. */
export const RulesSchema = z
  .strictObject(
    Object.fromEntries(PARTICIPANT_FIELDS.map((field) => [field, RuleSchema.optional()])) as Record<
      ParticipantField,
      z.ZodOptional<typeof RuleSchema>
    >,
  )
  .describe("how a field is chosen when registrations disagree; a field not named is `newest`");

const providerOrder = z
  .array(providerId)
  .max(MAX_PROVIDERS_LISTED)
  .describe("registration providers in the order that breaks ties");

const registration = z
  .array(FeedSchema)
  .min(1)
  .max(MAX_FEEDS)
  .describe("the registration providers' events whose registrants make the participant list");

/** `POST /events`. */
export const CreateEventSchema = z.strictObject({
  name,
  startsAt: timestamp.describe("when the race starts: it decides the sync cadence"),
  endsAt: timestamp.optional().describe("after startsAt"),
  registration,
  scoring: ScoringSchema.optional().describe("where the participant list is pushed"),
  rules: RulesSchema.optional(),
  providerOrder: providerOrder.optional(),
});
export type CreateEventBody = z.infer<typeof CreateEventSchema>;

/** `PATCH /events/{eventId}`: the version it was read at, and at least one change. */
export const UpdateEventSchema = z
  .strictObject({
    version: z.number().int().min(1).describe("the version read; another is refused (409)"),
    name: name.optional(),
    startsAt: timestamp.optional(),
    endsAt: timestamp.nullable().optional().describe("null removes it"),
    registration: registration.optional().describe("replaces the feeds"),
    scoring: ScoringSchema.nullable().optional().describe("replaces the scoring target; null removes it"),
    rules: RulesSchema.optional().describe("replaces the rules"),
    providerOrder: providerOrder.optional().describe("replaces the order"),
  })
  .refine((patch) => Object.keys(patch).some((key) => key !== "version"), {
    message: "at least one of name, startsAt, endsAt, registration, scoring, rules, providerOrder",
  });
export type UpdateEventPatch = z.infer<typeof UpdateEventSchema>;

const OwnedValueSchema = z
  .string()
  .min(1)
  .max(200)
  .refine((value) => value.trim() !== "", "must not be blank; null releases the field");

/** What a value set in Pacer must look like, per field: the registrations' own vocabulary. */
const OWNED_VALUE_SCHEMAS: Readonly<Record<ParticipantField, z.ZodType<string>>> = {
  ...(Object.fromEntries(PARTICIPANT_FIELDS.map((field) => [field, OwnedValueSchema])) as unknown as Record<
    ParticipantField,
    z.ZodType<string>
  >),
  birthDate: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD")
    .refine((value) => !Number.isNaN(Date.parse(value)), "not a real date"),
  gender: z.enum(["M", "F", "X"], { error: "expected M, F or X" }),
};

/** `PATCH /events/{eventId}/participants/{participantId}`: values set in Pacer, or released (null). */
export const UpdateParticipantSchema = z.strictObject({
  fields: z
    .strictObject(
      Object.fromEntries(
        PARTICIPANT_FIELDS.map((field) => [field, OWNED_VALUE_SCHEMAS[field].nullable().optional()]),
      ) as Record<ParticipantField, z.ZodOptional<z.ZodNullable<z.ZodType<string>>>>,
    )
    .refine((fields) => Object.keys(fields).length > 0, { message: "at least one field" })
    .describe(
      "a value owns its field: no sync blanks or replaces it; null hands the field back to the registrations",
    ),
});
export type UpdateParticipantBody = z.infer<typeof UpdateParticipantSchema>;

export const EventIdSchema = z.string().regex(EVENT_ID_PATTERN);
export const ParticipantIdSchema = z.string().regex(PARTICIPANT_ID_PATTERN);

const at = z.string().meta({ format: "date-time" });
const count = z.number().int().min(0);

const FeedViewSchema = z.object({ connectionId: z.string(), provider: z.string(), eventId: z.string() });
const RuleViewSchema = z.union([
  z.object({ kind: z.literal("newest") }),
  z.object({ kind: z.literal("prefer"), providers: z.array(z.string()) }),
]);

/** A Pacer event as callers see it. */
export const EventViewSchema = z
  .object({
    eventId: z.string(),
    name: z.string(),
    startsAt: z.string(),
    endsAt: z.string().nullable(),
    registration: z.array(FeedViewSchema),
    scoring: FeedViewSchema.extend({
      races: z.record(z.string(), z.string()),
      results: z
        .record(z.string(), z.string())
        .describe("the params its results are pulled with: every 30 min while the event runs, once after"),
    })
      .nullable()
      .describe("null: the list is pushed nowhere"),
    rules: z.record(z.string(), RuleViewSchema),
    providerOrder: z.array(z.string()),
    topics: z
      .array(z.string())
      .describe("WebSocket topics of the event: its participants, results and publications"),
    createdAt: at,
    updatedAt: at,
    version: count,
  })
  .meta({ title: "RaceEvent" });
export type EventView = z.infer<typeof EventViewSchema>;

export const EventListSchema = z.object({ events: z.array(EventViewSchema) });
export const EventDeletedSchema = z.object({ eventId: z.string(), deleted: z.literal(true) });

const fieldRecord = <T extends z.ZodType>(value: T) =>
  z.partialRecord(z.enum(PARTICIPANT_FIELDS), value) as z.ZodType<
    Partial<Record<ParticipantField, z.infer<T>>>
  >;

/** A unified participant: one person across the registration feeds. */
export const ParticipantViewSchema = z
  .object({
    participantId: z.string(),
    eventId: z.string(),
    fields: fieldRecord(z.string()),
    origins: fieldRecord(
      z.union([
        z.object({ kind: z.literal("pacer"), by: z.string(), at }),
        z.object({ kind: z.literal("registration"), source: z.string() }),
      ]),
    ).describe("where each value came from: set in Pacer, or the registration chosen"),
    sources: z.array(z.string()).describe("its registrations, `<provider>:<eventId>:<registrationId>`"),
    conflicts: z.array(
      z.object({
        field: z.enum(PARTICIPANT_FIELDS),
        values: z.array(z.object({ source: z.string(), value: z.string() })),
        chosen: z.string(),
        resolvedBy: z.enum(["owned", "newest", "prefer"]),
      }),
    ),
    cancelled: z.boolean().describe("every registration of this person is cancelled"),
  })
  .meta({ title: "Participant" });

export type ParticipantOut = z.infer<typeof ParticipantViewSchema>;

/**
 * What a read of an event's page queued to refresh it: one entry per stale feeding sync, the job
 * this read queued or the one already queued or running that it merged into.
 */
export const PageRefreshSchema = z
  .array(
    z.object({
      provider: z.string(),
      syncType: z.string(),
      jobId: z.string().describe("follow it at GET /jobs/{jobId}"),
    }),
  )
  .describe(
    "the syncs refreshing what this page shows, queued (source `read`, priority high) because their data was older than its target, or already queued or running; empty: all fresh, or none may refresh on read",
  );
export type PageRefresh = z.infer<typeof PageRefreshSchema>[number];

export const ParticipantListSchema = z.object({
  participants: z.array(ParticipantViewSchema),
  refresh: PageRefreshSchema,
});

/** Parses a body, refusing with its first problem as one line naming the field: `registration[1].eventId: …`. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new ValidationError(issueLine(parsed.error.issues[0], body));
}

function issueLine(issue: z.core.$ZodIssue | undefined, body: unknown): string {
  if (issue === undefined) return "body: not valid";
  const at = pathText(issue.path);
  if (issue.code === "unrecognized_keys") {
    const key = (issue.keys[0] ?? "").slice(0, 64);
    return `${pathText([...issue.path, key])}: not a known field`;
  }
  if (issue.code === "invalid_type" && valueAt(body, issue.path) === undefined) return `${at}: required`;
  return `${at}: ${issue.message}`;
}

/** `["registration", 1, "connectionId"]` → `registration[1].connectionId`. */
function pathText(path: readonly PropertyKey[]): string {
  let text = "";
  for (const part of path) {
    if (typeof part === "number") text += `[${part}]`;
    else text += text === "" ? String(part) : `.${String(part)}`;
  }
  return text || "body";
}

/** A caller's string in a message, cut short. */
export function quote(value: string, max = 64): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}
