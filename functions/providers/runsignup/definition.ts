import { z } from "zod";
import { days, minutes, type ProviderDef, seconds } from "#catalog/types.ts";

/**
 * RunSignUp's REST API (shared/providers/runsignup.md), read with an API v2 key: `rsu_api_key` in
 * the query, the secret in `X-RSU-API-SECRET`. The module (./index.ts) always asks for JSON.
 */

const DIGITS_HINT = "expected a RunSignUp id of 1 to 12 digits";
const digits = z
  .string()
  .max(12, DIGITS_HINT)
  .regex(/^\d{1,12}$/, DIGITS_HINT);

/**
 * One event's participants on demand (both ids), or every stored event of the connection's races
 * (neither). One id without the other names no event, so it is refused here, before any call.
 */
const participantsParams = z
  .object({ raceId: digits.optional(), eventId: digits.optional() })
  .strict()
  .refine((params) => (params.raceId === undefined) === (params.eventId === undefined), {
    message: "give raceId and eventId together (one event), or neither (every event of the connection)",
    path: ["eventId"],
  });

/**
 * One event's approved results of one kind, as Pacer's publication stored them. Queued by the
 * publication's approval (functions/core/race/publications.ts), never on a schedule.
 */
const publishParams = z
  .object({
    eventId: digits,
    // Params are strings (SyncParamsSchema): an enum as a pattern.
    kind: z
      .string()
      .max(11)
      .regex(/^(final|preliminary)$/, 'expected "final" or "preliminary"'),
  })
  .strict();

/** The races this connection follows (RunSignUp race ids). */
const settings = z
  .object({
    raceIds: z
      .array(z.number().int().positive().max(999_999_999_999), { error: "expected an array of race ids" })
      .min(1, "name at least one race id")
      .max(50, "at most 50 race ids per connection"),
  })
  .strict();

/** RunSignUp does not document the keys' form; these bounds refuse only what cannot be a key. */
const KEY_HINT = "expected 8 to 128 letters, digits, '.', '_' or '-'";
const keyString = z
  .string()
  .min(8, KEY_HINT)
  .max(128, KEY_HINT)
  .regex(/^[A-Za-z0-9._-]+$/, KEY_HINT);
const credentials = z.object({ apiKey: keyString, apiSecret: keyString }).strict();

/** The group every call spends from: RunSignUp publishes no per-endpoint limits. */
const REST = "rest";

/**
 * RunSignUp documents no rate limit: its only signal is error 14 "Request throttled" (the "2
 * concurrent calls" figure is a third party's). Both limits below are Pacer's conservative guess,
 * per key. After a 429 without Retry-After, every worker leaves the API alone for a minute.
 */
export const runsignup = {
  id: "runsignup",
  role: "registration",
  displayName: "RunSignUp",
  baseUrl: "https://runsignup.com/Rest",
  pauseOn429: seconds(60),
  tiers: [{ id: "standard", description: "A RunSignUp API v2 key and secret (race or partner key)." }],
  connection: { settings, credentials, credentialsRequired: true },
  limits: [
    // Pacer's guess, not RunSignUp's number (none is published).
    { id: "per-second", calls: 2, perMs: seconds(1), scope: "tenant" },
    // Pacer's guess, not RunSignUp's number (none is published).
    { id: "per-minute", calls: 30, perMs: minutes(1), scope: "tenant" },
  ],
  endpointGroups: [
    {
      id: REST,
      limits: ["per-second", "per-minute"],
      endpoints: [
        "GET /race/{raceId}",
        "GET /race/{raceId}/participants",
        "GET /race/{raceId}/removed-participants",
        "GET /race/{raceId}/results/get-result-sets",
        "POST /race/{raceId}/results/new-result-set",
        "POST /race/{raceId}/results/full-results",
      ],
    },
  ],
  syncTypes: [
    {
      id: "races",
      description: "Daily: each followed race's events (distances, start and end in the race's timezone).",
      direction: "pull",
      calls: { [REST]: 1 },
      cadence: { kind: "cron", expression: "cron(10 3 * * ? *)", approxEveryMs: days(1) },
      priority: "low",
      entityTypes: ["events"],
    },
    {
      id: "participants",
      description:
        "Every 4 h, every 15 min in the 48 h before a Pacer event it feeds: registrations changed since the last run, per event (1000 per call), and those removed.",
      direction: "pull",
      // Two events of under 1000 runners each: a participants call and a removed call per event.
      calls: { [REST]: 4 },
      // The schedule fires at the tightest race-day cadence; the worker's race-day gate
      // (functions/core/race/gate.ts) runs a firing only when the events fed call for it: every
      // 4 h, every 15 min from 48 h before an event's start to its end.
      cadence: { kind: "rate", everyMs: minutes(15) },
      priority: "normal",
      entityTypes: ["registrants"],
      params: participantsParams,
      // One event within its race.
      feedParams: { raceId: "raceId", eventId: "eventId" },
    },
    {
      id: "publish",
      description:
        'On approval of a publication: posts the event\'s approved results of one kind that changed since their last post (250 rows per call, registration_id, bib, place, clock and chip time; no names) to one RunSignUp result set per kind ("Results", "Preliminary results"), created when missing. The rows\' JSON envelope is unverified.',
      direction: "push",
      // The result sets read, at most one set created, one post of up to 250 rows.
      calls: { [REST]: 3 },
      cadence: { kind: "manual" },
      priority: "normal",
      entityTypes: ["published_results"],
      params: publishParams,
    },
  ],
} as const satisfies ProviderDef;

/** A connection's parsed settings and credentials. */
export type RunSignUpSettings = z.output<typeof settings>;
export type RunSignUpCredentials = z.output<typeof credentials>;
