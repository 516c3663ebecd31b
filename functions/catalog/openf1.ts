import { days, hours, minutes, type ProviderDef, seconds } from "./types.ts";

/**
 * OpenF1 (https://openf1.org). Free tier: 3 requests/s and 30 requests/min, per client IP, so the
 * limits are global: every tenant shares the deployment's egress budget.
 */
export const openf1: ProviderDef = {
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
    },
  ],
};
