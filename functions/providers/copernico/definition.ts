import { z } from "zod";
import { minutes, type ProviderDef, seconds } from "#catalog/types.ts";

/**
 * Copernico (Timingsense / Sportmaniacs), after shared/providers/copernico.md: registrations are
 * pushed to `api.copernico.cloud`, results read from the public preset export on
 * `public-api.copernico.cloud`. The facts document no rate limit, no error body and no auth for
 * the push: see ./README.md for what is assumed.
 */

const UUID_HINT = 'expected a Sportmaniacs race UUID, e.g. "5fbe1dc5-deb8-40dd-8a08-2375ac1f13d5"';
const sportmaniacsRaceId = z
  .string()
  .max(36, UUID_HINT)
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, UUID_HINT);

const SLUG_HINT = 'expected a Copernico race slug of letters, digits, "-" or "_", e.g. "harbour-run-2026"';
const copernicoRaceSlug = z
  .string()
  .max(200, SLUG_HINT)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,199}$/, SLUG_HINT);

/** The event (distance) name exactly as the preset shows it: Copernico matches it verbatim. */
const eventName = z.string().min(1, 'expected the event\'s name, e.g. "10K"').max(200);

const participantsParams = z.object({ eventId: sportmaniacsRaceId }).strict();
const resultsParams = z.object({ raceId: copernicoRaceSlug, eventName }).strict();

const HEADER_HINT = "expected an HTTP header name (letters, digits and -), e.g. x-api-key";
const COLUMN_HINT = "expected the preset's column key, 1 to 200 characters";
const column = z.string().min(1, COLUMN_HINT).max(200, COLUMN_HINT);

/**
 * Which preset column holds which ResultRow field, for presets whose columns differ from the
 * integration's defaults (./mapping.ts, PRESET_COLUMNS). A field named here replaces its default.
 */
const presetColumns = z
  .object({
    bib: column,
    entryId: column,
    participantId: column,
    firstName: column,
    lastName: column,
    gender: column,
    age: column,
    category: column,
    status: column,
    place: column,
    genderPlace: column,
    categoryPlace: column,
    gunTimeMs: column,
    chipTimeMs: column,
  })
  .partial()
  .strict();

const settings = z
  .object({
    /**
     * The header the push sends the key in. UNVERIFIED: the push page names no auth; "x-api-key"
     * is what Copernico's athlete endpoint takes.
     */
    apiKeyHeader: z
      .string()
      .max(64, HEADER_HINT)
      .regex(/^[A-Za-z0-9][A-Za-z0-9-]*$/, HEADER_HINT)
      .optional(),
    /** The Copernico account email that saved the results preset. */
    presetLogin: z.email("expected the email of the Copernico account that saved the preset").optional(),
    /** The preset's name, exactly as saved in Copernico. */
    presetName: z.string().min(1).max(200).optional(),
    presetColumns: presetColumns.optional(),
  })
  .strict();

const KEY_HINT = "expected the API key Timingsense issued, 8 to 256 printable characters";
const credentials = z
  .object({
    apiKey: z
      .string()
      .min(8, KEY_HINT)
      .max(256, KEY_HINT)
      .regex(/^[\x21-\x7e]+$/, KEY_HINT),
  })
  .strict();

/**
 * Copernico's catalog entry. Neither host has a documented limit: every number below is Pacer's
 * conservative guess (integrators poll presets every 10 s and batch 10 calls at most). The push
 * carries the tenant's key, so its budget is per key (`tenant`); the preset export carries no
 * credential at all, so whatever Copernico counts it by is the caller's address: one budget for
 * the whole deployment (`global`).
 */
export const copernico = {
  id: "copernico",
  role: "scoring",
  displayName: "Copernico",
  baseUrl: "https://api.copernico.cloud",
  hosts: { public: "https://public-api.copernico.cloud/api" },
  // No Retry-After is documented: after a 429, leave the group alone for the whole window.
  pauseOn429: "window",
  tiers: [{ id: "standard", description: "A Copernico account with an API key issued by Timingsense." }],
  connection: { settings, credentials, credentialsRequired: true },
  limits: [
    // Pacer's guess, not Copernico's: none is documented.
    { id: "push-second", calls: 1, perMs: seconds(1), scope: "tenant" },
    { id: "push-minute", calls: 30, perMs: minutes(1), scope: "tenant" },
    { id: "export-second", calls: 1, perMs: seconds(1), scope: "global" },
    { id: "export-minute", calls: 30, perMs: minutes(1), scope: "global" },
  ],
  endpointGroups: [
    {
      id: "registrations",
      limits: ["push-second", "push-minute"],
      endpoints: ["POST /race-registrations/{raceId}"],
    },
    {
      id: "presets",
      host: "public",
      limits: ["export-second", "export-minute"],
      endpoints: ["GET /races/{raceId}/preset/{preset}/{eventName}"],
    },
  ],
  syncTypes: [
    {
      id: "participants",
      description:
        "Pushes the race's participants that changed since their last push, 500 per call (create or update by id).",
      direction: "push",
      calls: { registrations: 1 },
      cadence: { kind: "manual" },
      priority: "normal",
      entityTypes: ["participants"],
      params: participantsParams,
    },
    {
      id: "results",
      description:
        "One event's results from the connection's saved preset (one call, ≤ 6 MB): on demand, and every 30 min while a Pacer event it scores runs.",
      direction: "pull",
      calls: { presets: 1 },
      // Per event (it takes the event's id), so not on a connection's schedule: race-day cadence
      // (functions/core/race/cadence.ts) says when.
      cadence: { kind: "manual" },
      priority: "normal",
      entityTypes: ["results"],
      params: resultsParams,
    },
  ],
} as const satisfies ProviderDef;

/** A connection's parsed settings. */
export type CopernicoSettings = z.output<typeof settings>;
/** A ResultRow field a preset column may be named for. */
export type PresetField = keyof z.output<typeof presetColumns>;
