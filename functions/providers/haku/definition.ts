import { z } from "zod";
import { days, hours, minutes, type ProviderDef } from "#catalog/types.ts";

/**
 * Haku ids (an event's hex-ish id): letters, digits, '-' and '_', so they go into paths as they
 * are. UNVERIFIED: the facts show hex event ids only; the wider alphabet is Pacer's allowance.
 */
const HAKU_ID_HINT = "expected a Haku id of 1 to 50 letters, digits, '-' or '_'";
const hakuId = z
  .string()
  .max(50, HAKU_ID_HINT)
  .regex(/^[A-Za-z0-9_-]{1,50}$/, HAKU_ID_HINT);

/** Which events a connection syncs: all the organisation's (the default), or only these. */
const settings = z
  .object({
    eventIds: z.array(hakuId).min(1, "list at least one event id, or leave eventIds out").max(50).optional(),
  })
  .strict();

/** One OAuth client per Haku organisation (its Cognito app client). Printable, no spaces. */
const CLIENT_HINT = "expected 1 to 256 printable characters without spaces";
const clientValue = z
  .string()
  .min(1, CLIENT_HINT)
  .max(256, CLIENT_HINT)
  .regex(/^[\x21-\x7e]+$/, CLIENT_HINT);
const credentials = z.object({ clientId: clientValue, clientSecret: clientValue }).strict();

const participantsParams = z.object({ eventId: hakuId.optional() }).strict();

/**
 * Haku's partner API (shared/providers/haku.md, confidence LOW: one integrator's adapter, no
 * Haku document). Credentials are per organisation, so the limit is `tenant`-scoped: one budget
 * per client id. 500 calls/hour is the integrator's working number, unconfirmed by Haku. The
 * OAuth token request goes to its own host and is sent unlimited (no Haku document says it counts).
 */
export const haku = {
  id: "haku",
  role: "registration",
  displayName: "Haku",
  baseUrl: "https://api.hakuapp.com",
  hosts: { auth: "https://prod-auth.hakuapp.com" },
  // UNVERIFIED: no 429 or Retry-After behaviour was ever observed; a minute is Pacer's guess.
  pauseOn429: minutes(1),
  tiers: [{ id: "partner", description: "A Haku partner API client (one per organisation)." }],
  connection: { settings, credentials, credentialsRequired: true },
  limits: [
    // UNVERIFIED: the integrator's "500 calls/hour", never confirmed by a Haku document.
    { id: "api", calls: 500, perMs: hours(1), scope: "tenant" },
  ],
  endpointGroups: [
    {
      id: "api",
      limits: ["api"],
      endpoints: [
        "GET /events",
        "GET /events/{eventId}/participants",
        "GET /events/{eventId}/registrations/{registrationNumber}",
      ],
    },
  ],
  syncTypes: [
    {
      id: "events",
      description: "Daily: the organisation's events (inactive ones too), 100 per call.",
      direction: "pull",
      calls: { api: 2 },
      cadence: { kind: "cron", expression: "cron(40 3 * * ? *)", approxEveryMs: days(1) },
      priority: "low",
      entityTypes: ["events"],
    },
    {
      id: "participants",
      description:
        "Every 4 h, every 15 min in the 48 h before a Pacer event it feeds: one event's registrants (without eventId: every stored event), 100 summaries per " +
        "call, plus one detail call per new or changed registration (bib, chip, birth date).",
      direction: "pull",
      calls: { api: 20 },
      // The schedule fires at the tightest race-day cadence; the worker's race-day gate
      // (functions/core/race/gate.ts) runs a firing only when the events fed call for it: every
      // 4 h, every 15 min from 48 h before an event's start to its end.
      cadence: { kind: "rate", everyMs: minutes(15) },
      priority: "normal",
      entityTypes: ["registrants", "registrationSummaries"],
      params: participantsParams,
      // The event itself.
      feedParams: { eventId: "eventId" },
    },
  ],
} as const satisfies ProviderDef;

/** A connection's parsed settings. */
export type HakuSettings = z.output<typeof settings>;
/** A connection's parsed credentials. */
export type HakuCredentials = z.output<typeof credentials>;
