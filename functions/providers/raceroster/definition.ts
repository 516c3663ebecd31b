import { z } from "zod";
import { days, minutes, type ProviderDef, seconds } from "#catalog/types.ts";

/**
 * Race Roster's private REST API v1 (shared/providers/raceroster.md, confidence low-medium). Paths
 * and shapes come from public client projects; what is unverified is listed in ./README.md and
 * marked in ./mapping.ts.
 */

/** A Race Roster event id (the parent of its sub-events): digits only, so it goes into paths as it is. */
const EVENT_ID_HINT = 'expected a Race Roster event id of 1 to 12 digits, e.g. "7301"';
const eventId = z
  .string()
  .max(12, EVENT_ID_HINT)
  .regex(/^\d{1,12}$/, EVENT_ID_HINT);
const participantsParams = z.object({ eventId: eventId.optional() }).strict();

/** Most events a connection may name; beyond that, leave `eventIds` out and let the list find them. */
export const MAX_EVENT_IDS = 50;

/**
 * `eventIds`: the Race Roster events to follow. Absent: every event the account can see that
 * starts from 7 days ago on (the events list filtered by date).
 */
const settings = z
  .object({
    eventIds: z
      .array(z.number().int().positive())
      .min(1, "give at least one event id, or leave eventIds out to follow every event")
      .max(MAX_EVENT_IDS, `at most ${MAX_EVENT_IDS} event ids`)
      .optional(),
  })
  .strict();

const required = (what: string) =>
  z.string().min(1, `${what} is required`).max(512, `${what} is at most 512 characters`);

/**
 * API credentials (client id and secret, from raceroster.com/dashboard/account/api-settings) and
 * the Race Roster account's username and password: the token grant takes all four.
 */
const credentials = z
  .object({
    clientId: required("clientId"),
    clientSecret: required("clientSecret"),
    username: required("username"),
    password: required("password"),
  })
  .strict();

export const raceroster = {
  id: "raceroster",
  role: "registration",
  displayName: "Race Roster",
  baseUrl: "https://raceroster.com/api/v1",
  hosts: { auth: "https://raceroster.com/api/oauth" },
  tiers: [{ id: "standard", description: "A Race Roster account with API credentials (one plan known)." }],
  connection: { settings, credentials, credentialsRequired: true },
  // Race Roster documents no limit and no 429 (one client waits 0.5 s between pages). These
  // numbers are Pacer's conservative guess, per credential, until Race Roster says otherwise.
  limits: [
    { id: "per-second", calls: 2, perMs: seconds(1), scope: "tenant" },
    { id: "per-minute", calls: 60, perMs: seconds(60), scope: "tenant" },
  ],
  endpointGroups: [
    {
      id: "api",
      limits: ["per-second", "per-minute"],
      endpoints: [
        "GET /events",
        // UNVERIFIED: one event by id; seen in no client, assumed from the REST conventions.
        "GET /events/{eventId}",
        // Path seen in one client; its parameters and row shape are unverified (./mapping.ts).
        "GET /events/{eventId}/participants",
      ],
    },
  ],
  syncTypes: [
    {
      id: "events",
      description:
        "Daily: the account's events (or the configured eventIds) from 7 days ago on, one event per sub-event.",
      direction: "pull",
      calls: { api: 2 },
      cadence: { kind: "cron", expression: "cron(40 3 * * ? *)", approxEveryMs: days(1) },
      priority: "low",
      entityTypes: ["events"],
    },
    {
      id: "participants",
      description:
        "Every 4 h, every 15 min in the 48 h before a Pacer event it feeds: every registrant of one event (params.eventId) or of every stored event; a full read each run.",
      direction: "pull",
      calls: { api: 4 },
      // The schedule fires at the tightest race-day cadence; the worker's race-day gate
      // (functions/core/race/gate.ts) runs a firing only when the events fed call for it: every
      // 4 h, every 15 min from 48 h before an event's start to its end.
      cadence: { kind: "rate", everyMs: minutes(15) },
      priority: "normal",
      entityTypes: ["registrants"],
      params: participantsParams,
      // The Race Roster event the feed's sub-event belongs to: a run reads its every sub-event.
      feedParams: { eventId: "raceId" },
    },
  ],
} as const satisfies ProviderDef;

/** A connection's parsed settings. */
export type RaceRosterSettings = z.output<typeof settings>;
/** A connection's parsed credentials. */
export type RaceRosterCredentials = z.output<typeof credentials>;
