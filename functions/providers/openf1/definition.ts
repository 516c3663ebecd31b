import { z } from "zod";
import { days, hours, minutes, type ProviderDef, seconds } from "#catalog/types.ts";

/**
 * The params the OpenF1 module reads (functions/providers/openf1/index.ts): `year` for the season
 * syncs (absent: the current year), `session_key` for the live ones (absent: plan() finds the
 * live session). The module accepts neither `latest` nor `meeting_key`, so neither is offered.
 * These schemas are the only check: the module gets its params already parsed by them.
 */
const YEAR_HINT = 'expected 4 digits, e.g. "2024"';
const SESSION_KEY_HINT = 'expected a positive integer, e.g. "9158"';
const year = z
  .string()
  .max(4, YEAR_HINT)
  .regex(/^\d{4}$/, YEAR_HINT);
const sessionKey = z
  .string()
  .max(12, SESSION_KEY_HINT)
  .regex(/^[1-9]\d*$/, SESSION_KEY_HINT);
const seasonParams = z.object({ year: year.optional() }).strict();
const sessionParams = z.object({ session_key: sessionKey.optional() }).strict();

/** An OpenF1 account (needed for live data): the username and password its `/token` takes. */
const credentials = z
  .object({
    username: z.string().min(1).max(256),
    password: z.string().min(1).max(256),
  })
  .strict();

/**
 * OpenF1 (https://openf1.org). Free tier: 3 requests/s and 30 requests/min; a paid (sponsor)
 * account doubles both. OpenF1 counts per client IP, so the limits are global: every connection
 * of a deployment shares its egress budget, whatever tier each names; a paid connection's calls
 * may fill that shared budget up to the paid numbers, a free one's only up to the free ones.
 * `as const` keeps the ids literal, so the module (./index.ts) must implement exactly these sync
 * types.
 */
export const openf1 = {
  id: "openf1",
  displayName: "OpenF1",
  baseUrl: "https://api.openf1.org",
  tiers: [
    { id: "free", description: "No account, or a free one: 3 requests/s and 30/min per client IP." },
    { id: "paid", description: "A sponsor account: 6 requests/s and 60/min, and live data." },
  ],
  connection: {
    settings: z.object({}).strict(),
    credentials,
    // Historical data needs no account; live sessions do (the module says so when one is missing).
    credentialsRequired: false,
  },
  limits: [
    { id: "per-second", calls: 3, perMs: seconds(1), scope: "global", tiers: { paid: 6 } },
    { id: "per-minute", calls: 30, perMs: minutes(1), scope: "global", tiers: { paid: 60 } },
  ],
  endpointGroups: [
    {
      id: "api",
      limits: ["per-second", "per-minute"],
      endpoints: ["GET /v1/meetings", "GET /v1/sessions", "GET /v1/weather", "GET /v1/race_control"],
    },
  ],
  syncTypes: [
    {
      id: "meetings",
      description: "Static data, daily: the season's meetings and the circuits they run on.",
      direction: "pull",
      calls: { api: 1 },
      cadence: { kind: "cron", expression: "cron(15 0 * * ? *)", approxEveryMs: days(1) },
      priority: "low",
      entityTypes: ["meetings", "circuits"],
      params: seasonParams,
    },
    {
      id: "sessions",
      description:
        "Semi-dynamic data, hourly: the season's session schedule, which also opens the real-time syncs' live windows.",
      direction: "pull",
      calls: { api: 1 },
      cadence: { kind: "rate", everyMs: hours(1) },
      priority: "normal",
      entityTypes: ["sessions"],
      params: seasonParams,
    },
    {
      id: "weather",
      description: "Real-time, every 30 s while a session is live: track weather.",
      direction: "pull",
      calls: { api: 1 },
      cadence: { kind: "rate", everyMs: seconds(30) },
      // Only inside the live windows the sessions sync names (./windows.ts), never around the clock.
      windowed: true,
      priority: "normal",
      entityTypes: ["weather"],
      params: sessionParams,
    },
    {
      id: "race_control",
      description: "Real-time, every 30 s while a session is live: race control messages.",
      direction: "pull",
      calls: { api: 1 },
      cadence: { kind: "rate", everyMs: seconds(30) },
      windowed: true,
      priority: "normal",
      entityTypes: ["race_control"],
      params: sessionParams,
    },
  ],
} as const satisfies ProviderDef;
