import { z } from "zod";
import { days, minutes, type ProviderDef, seconds } from "#catalog/types.ts";

/**
 * ChronoTrack Live's "Open Platform" API as Pacer uses it (shared/providers/chronotrack.md): its
 * events and races, results paged by its X-Ctlive-* headers, and (experimental: the facts
 * document no write endpoint) pushing participants as entries. See ./README.md for what is
 * verified and what is assumed.
 */

const EVENT_ID_HINT = 'expected a ChronoTrack event id of 1 to 12 digits, e.g. "90001"';
const eventId = z
  .string()
  .max(12, EVENT_ID_HINT)
  .regex(/^\d{1,12}$/, EVENT_ID_HINT);
const eventParams = z.object({ eventId }).strict();

/** The most events a connection may name: each costs two calls of the daily events sync. */
export const MAX_EVENT_IDS = 50;

const settings = z
  .object({
    /** The events to sync; absent: every event the account can see (`GET /event`). */
    eventIds: z.array(eventId).max(MAX_EVENT_IDS, `at most ${MAX_EVENT_IDS} eventIds`).optional(),
    /** Pushing participants uses a write endpoint the facts do not document: off unless asked for. */
    experimental: z.boolean().optional(),
  })
  .strict();

/** The "simple" scheme's three values; the password is sent only as its SHA-1 (./client.ts). */
const CLIENT_ID_HINT = "expected the application's client id: 1 to 64 letters, digits, '-' or '_'";
const USER_ID_HINT = "expected the ChronoTrack Live login (an email), without spaces";
const PASSWORD_HINT = "expected the ChronoTrack Live password (1 to 256 characters)";
const credentials = z
  .object({
    clientId: z
      .string()
      .min(1, CLIENT_ID_HINT)
      .max(64, CLIENT_ID_HINT)
      .regex(/^[A-Za-z0-9_-]+$/, CLIENT_ID_HINT),
    userId: z.string().min(1, USER_ID_HINT).max(254, USER_ID_HINT).regex(/^\S+$/, USER_ID_HINT),
    password: z.string().min(1, PASSWORD_HINT).max(256, PASSWORD_HINT),
  })
  .strict();

/**
 * ChronoTrack publishes no rate limit (none was found in the facts). Pacer's guess, conservative
 * and per credential: 5 calls a second (the most one client sends in parallel) and 120 a minute.
 */
export const GUESSED_LIMITS = {
  perSecond: { calls: 5, perMs: seconds(1) },
  perMinute: { calls: 120, perMs: minutes(1) },
} as const;

export const chronotrack = {
  id: "chronotrack",
  role: "scoring",
  displayName: "ChronoTrack Live",
  baseUrl: "https://api.chronotrack.com/api",
  tiers: [{ id: "standard", description: "A ChronoTrack Live account; no tiers are documented." }],
  connection: { settings, credentials, credentialsRequired: true },
  limits: [
    // Pacer's guess (see GUESSED_LIMITS): ChronoTrack documents none.
    { id: "api-second", ...GUESSED_LIMITS.perSecond, scope: "tenant" },
    { id: "api-minute", ...GUESSED_LIMITS.perMinute, scope: "tenant" },
  ],
  endpointGroups: [
    {
      id: "api",
      limits: ["api-second", "api-minute"],
      endpoints: [
        "GET /event",
        "GET /event/{eventId}",
        "GET /event/{eventId}/race",
        "GET /event/{eventId}/results",
        // UNVERIFIED: no write endpoint is documented; see ./mapping.ts (ENTRY_WRITE).
        "POST /event/{eventId}/entry",
        "PUT /entry/{entryId}",
      ],
    },
  ],
  syncTypes: [
    {
      id: "events",
      description:
        "Daily: the connection's events (its eventIds, else every event the account sees) and their races.",
      direction: "pull",
      calls: { api: 4 },
      cadence: { kind: "cron", expression: "cron(40 3 * * ? *)", approxEveryMs: days(1) },
      priority: "low",
      entityTypes: ["events"],
    },
    {
      id: "participants",
      description:
        "On demand (experimental): push the event's participants that changed since their last push, as entries.",
      direction: "push",
      calls: { api: 10 },
      cadence: { kind: "manual" },
      priority: "normal",
      entityTypes: ["participants", "entryLinks"],
      params: eventParams,
      requiresSetting: "experimental",
    },
    {
      id: "results",
      description:
        "One event's results, 500 rows per call: on demand, and every 30 min while a Pacer event it scores runs.",
      direction: "pull",
      calls: { api: 2 },
      // Per event (it takes the event's id), so not on a connection's schedule: race-day cadence
      // (functions/core/race/cadence.ts) says when.
      cadence: { kind: "manual" },
      priority: "normal",
      entityTypes: ["results"],
      params: eventParams,
    },
  ],
} as const satisfies ProviderDef;

/** A connection's parsed settings and credentials. */
export type ChronoTrackSettings = z.output<typeof settings>;
export type ChronoTrackCredentials = z.output<typeof credentials>;
