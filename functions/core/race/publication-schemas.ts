import { z } from "zod";
import { RESULT_KINDS, type ResultKind } from "#providers/race/shapes.ts";
import { PageRefreshSchema } from "./schemas.ts";

/**
 * The REST contract of `/events/{eventId}/publications`: what a caller sends to prepare one, and
 * what it reads back — the rows each registration provider would receive and how they differ from
 * what it was published before.
 */

/** `pub-` and 20 lowercase hex digits, minted by Pacer. */
export const PUBLICATION_ID_PATTERN = /^pub-[0-9a-f]{20}$/;
export const PublicationIdSchema = z
  .string()
  .regex(PUBLICATION_ID_PATTERN, "expected pub- and 20 lowercase hex digits");

const kind = z.enum(RESULT_KINDS as [ResultKind, ...ResultKind[]]);

export const PreparePublicationSchema = z
  .object({
    kind: kind
      .optional()
      .describe(
        "Which results: `final` (default) or `preliminary`. They are never mixed; a provider that tells them apart gets them apart.",
      ),
  })
  .strict()
  .meta({ title: "PreparePublication" });

const at = z.string().describe("ISO 8601");
const count = z.number().int().nonnegative();

export const PublishedRowSchema = z
  .object({
    eventId: z.string().describe("the registration provider's event"),
    registrationId: z.string(),
    kind,
    bib: z.string().optional(),
    firstName: z.string().optional(),
    lastName: z.string().optional(),
    place: z.number().optional(),
    genderPlace: z.number().optional(),
    categoryPlace: z.number().optional(),
    gunTimeMs: z.number().optional(),
    chipTimeMs: z.number().optional(),
    status: z.string().optional(),
  })
  .meta({ title: "PublishedResult" });

export const PublicationTargetSchema = z.object({
  connectionId: z.string(),
  provider: z.string(),
  eventId: z.string().describe("the registration provider's event"),
  supported: z
    .boolean()
    .describe("whether the provider can receive results; false: nothing is sent there (see `reason`)"),
  reason: z.string().optional(),
  rows: count.describe("results this publication holds for the event's registrations there"),
  added: count,
  changed: count,
  removed: count.describe("published before and absent now: reported, not withdrawn at the provider"),
  unchanged: count,
});

export const PublicationDiffSchema = z.object({
  connectionId: z.string(),
  eventId: z.string(),
  added: z.array(PublishedRowSchema),
  changed: z.array(z.object({ before: PublishedRowSchema, after: PublishedRowSchema })),
  removed: z.array(PublishedRowSchema),
});

export const PublicationViewSchema = z
  .object({
    publicationId: z.string(),
    eventId: z.string(),
    kind,
    status: z
      .enum(["prepared", "approved"])
      .describe("prepared: nothing sent; approved: the changes are sent by the `jobs` of `approval`"),
    preparedAt: at,
    preparedBy: z.string().describe("the subject of the caller that prepared it"),
    basedOn: z
      .string()
      .nullable()
      .describe("the approved publication of this kind its diff is against; null: the first"),
    results: count.describe("results of this kind the scoring provider holds for the event"),
    matched: count,
    unmatched: count.describe("results no participant could be found for: never sent"),
    targets: z.array(PublicationTargetSchema),
    approval: z
      .object({
        by: z.string(),
        at,
        sent: count.describe("rows approved to be sent (added and changed, where supported)"),
        jobs: z.array(z.string()).describe("one publish job per provider event with something to send"),
      })
      .nullable(),
    diff: z
      .array(PublicationDiffSchema)
      .optional()
      .describe("per target, the rows that change (GET of one publication only)"),
  })
  .meta({ title: "Publication" });

export type PublicationView = z.infer<typeof PublicationViewSchema>;
export const PublicationListSchema = z.object({ publications: z.array(PublicationViewSchema) });

/** A result row of the event's scoring event (functions/providers/race/shapes.ts `ResultRow`). */
export const ResultRowSchema = z
  .object({
    eventId: z.string().describe("the scoring provider's event"),
    raceId: z.string().optional(),
    raceName: z.string().optional(),
    bib: z.string().optional(),
    entryId: z.string().optional(),
    participantId: z.string().optional(),
    firstName: z.string().optional(),
    lastName: z.string().optional(),
    gender: z.enum(["M", "F", "X"]).optional(),
    age: z.number().optional(),
    category: z.string().optional(),
    place: z.number().optional(),
    genderPlace: z.number().optional(),
    categoryPlace: z.number().optional(),
    gunTimeMs: z.number().optional(),
    chipTimeMs: z.number().optional(),
    status: z.string().optional(),
    preliminary: z.boolean(),
  })
  .meta({ title: "ResultRow" });

export const ResultListSchema = z.object({ results: z.array(ResultRowSchema), refresh: PageRefreshSchema });
