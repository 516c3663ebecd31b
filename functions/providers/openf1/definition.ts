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

/**
 * OpenF1 (https://openf1.org). Free tier: 3 requests/s and 30 requests/min, per client IP, so the
 * limits are global: every tenant shares the deployment's egress budget. `as const` keeps the ids
 * literal, so the module (./index.ts) must implement exactly these sync types.
 */
export const openf1 = {
  id: "openf1",
  displayName: "OpenF1",
  baseUrl: "https://api.openf1.org",
  limits: [
    { id: "per-second", calls: 3, perMs: seconds(1), scope: "global" },
    { id: "per-minute", calls: 30, perMs: minutes(1), scope: "global" },
  ],
  endpointGroups: [
    {
      id: "api",
      limits: ["per-second", "per-minute"],
      paths: ["/v1/meetings", "/v1/sessions", "/v1/weather", "/v1/race_control"],
    },
  ],
  syncTypes: [
    {
      id: "meetings",
      description: "Static data, daily: the season's meetings and the circuits they run on.",
      direction: "pull",
      endpointGroup: "api",
      cost: 1,
      cadence: { kind: "cron", expression: "cron(15 0 * * ? *)", approxEveryMs: days(1) },
      priority: "low",
      entityTypes: ["meetings", "circuits"],
      params: seasonParams,
    },
    {
      id: "sessions",
      description: "Semi-dynamic data, hourly: the season's session schedule.",
      direction: "pull",
      endpointGroup: "api",
      cost: 1,
      cadence: { kind: "rate", everyMs: hours(1) },
      priority: "normal",
      entityTypes: ["sessions"],
      params: seasonParams,
    },
    {
      id: "weather",
      description: "Real-time, every 30 s while a session is live: track weather.",
      direction: "pull",
      endpointGroup: "api",
      cost: 1,
      cadence: { kind: "rate", everyMs: seconds(30) },
      priority: "normal",
      entityTypes: ["weather"],
      params: sessionParams,
    },
    {
      id: "race_control",
      description: "Real-time, every 30 s while a session is live: race control messages.",
      direction: "pull",
      endpointGroup: "api",
      cost: 1,
      cadence: { kind: "rate", everyMs: seconds(30) },
      priority: "normal",
      entityTypes: ["race_control"],
      params: sessionParams,
    },
  ],
} as const satisfies ProviderDef;
