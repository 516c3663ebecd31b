import { z } from "zod";
import { days, hours, minutes, type ProviderDef } from "#catalog/types.ts";

/**
 * The params the ZwiftRacing.app module reads (./index.ts): Zwift ids, digits only, so they go
 * into paths as they are. These schemas are the only check: the module gets its params parsed.
 */
const RIDER_ID_HINT = 'expected a Zwift rider id of 1 to 12 digits, e.g. "5574"';
export const EVENT_ID_HINT = 'expected a Zwift event id of 1 to 12 digits, e.g. "4613373"';
const riderId = z
  .string()
  .max(12, RIDER_ID_HINT)
  .regex(/^\d{1,12}$/, RIDER_ID_HINT);
const eventId = z
  .string()
  .max(12, EVENT_ID_HINT)
  .regex(/^\d{1,12}$/, EVENT_ID_HINT);
const riderParams = z.object({ riderId }).strict();
const eventParams = z.object({ eventId }).strict();

/** The club a connection follows, and whether it may use ZR's undocumented website endpoints. */
const settings = z
  .object({
    clubId: z.number().int().positive(),
    /** The events and signups endpoints are not part of ZR's public API: off unless asked for. */
    experimental: z.boolean().optional(),
    /**
     * `auto` (the default): the events sync queues the signups its cadence calls for; `onDemand`:
     * none, signups are fetched only when read or triggered (for a plan that fetches them itself).
     */
    signups: z.enum(["auto", "onDemand"]).optional(),
  })
  .strict();

/** The key is issued by ZwiftRacing.app (about 24 hex characters); it decides the tier. */
const API_KEY_HINT = "expected 16 to 64 letters or digits";
const credentials = z
  .object({
    apiKey: z
      .string()
      .min(16, API_KEY_HINT)
      .max(64, API_KEY_HINT)
      .regex(/^[A-Za-z0-9]+$/, API_KEY_HINT),
  })
  .strict();

/**
 * ZwiftRacing.app's public API (shared/providers/zwiftracing.md). Its limits are per API key, so
 * every limit is `tenant`-scoped: connections with the same key share them. The numbers are ZR's
 * own table, Standard then Premium. ZR publishes no limit for the undocumented events endpoints:
 * `events` (1/min on both tiers) is a conservative guess, not a known number.
 */
export const zwiftracing = {
  id: "zwiftracing",
  displayName: "ZwiftRacing.app",
  baseUrl: "https://api.zwiftracing.app/api",
  // ZwiftRacing sends no Retry-After; its clients wait out the window (the facts' "429" section).
  pauseOn429: "window",
  tiers: [
    { id: "standard", description: "A Standard API key: clubs 1/h, bulk riders 1/15 min, riders 5/min." },
    { id: "premium", description: "A Premium API key: clubs 10/h, bulk riders 10/15 min, riders 10/min." },
  ],
  connection: { settings, credentials, credentialsRequired: true },
  limits: [
    { id: "clubs", calls: 1, perMs: minutes(60), scope: "tenant", tiers: { premium: 10 } },
    { id: "riders-bulk", calls: 1, perMs: minutes(15), scope: "tenant", tiers: { premium: 10 } },
    { id: "riders", calls: 5, perMs: minutes(1), scope: "tenant", tiers: { premium: 10 } },
    { id: "results", calls: 1, perMs: minutes(1), scope: "tenant", tiers: { premium: 1 } },
    // Not published by ZR (the endpoints are undocumented): conservative until known.
    { id: "events", calls: 1, perMs: minutes(1), scope: "tenant", tiers: { premium: 1 } },
  ],
  endpointGroups: [
    {
      id: "clubs",
      limits: ["clubs"],
      endpoints: ["GET /public/clubs/{clubId}", "GET /public/clubs/{clubId}/{afterRiderId}"],
    },
    {
      id: "riders-bulk",
      limits: ["riders-bulk"],
      endpoints: ["POST /public/riders", "POST /public/riders/{epochSeconds}"],
    },
    {
      id: "riders",
      limits: ["riders"],
      endpoints: ["GET /public/riders/{riderId}", "GET /public/riders/{riderId}/{epochSeconds}"],
    },
    {
      id: "results",
      limits: ["results"],
      endpoints: ["GET /public/results/{eventId}", "GET /public/zp/{eventId}/results"],
    },
    {
      id: "events",
      limits: ["events"],
      endpoints: ["GET /events/upcoming", "GET /events", "GET /events/{eventId}/signups"],
    },
  ],
  syncTypes: [
    {
      id: "clubMembers",
      description: "Daily: the club's active members, 1000 per call (a 2,500-member club takes 3 calls).",
      direction: "pull",
      calls: { clubs: 3 },
      cadence: { kind: "cron", expression: "cron(20 2 * * ? *)", approxEveryMs: days(1) },
      priority: "low",
      entityTypes: ["clubs", "members"],
    },
    {
      id: "riderStats",
      description:
        "Hourly: full rider data (vELO, power, phenotype) of every member and added rider, 1000 per call.",
      direction: "pull",
      // Planned for a club of up to 1,000 riders (one bulk call; most clubs): a bigger club makes one more
      // call per 1,000, each when the limit frees, so a few small clubs can share a Standard key, and one
      // of 2,500 fills most of it (plan such a club on Premium).
      calls: { "riders-bulk": 1 },
      cadence: { kind: "rate", everyMs: hours(1) },
      priority: "normal",
      entityTypes: ["riders"],
    },
    {
      id: "rider",
      description: "On demand: one rider's current data, e.g. a rider added by hand.",
      direction: "pull",
      calls: { riders: 1 },
      cadence: { kind: "manual" },
      priority: "high",
      entityTypes: ["riders"],
      params: riderParams,
      // Rider data changes about hourly (riderStats' cadence), not every 15 minutes.
      freshnessMs: hours(1),
    },
    {
      id: "results",
      description:
        "Every 6 h (experimental), a safety net: recently finished events; enqueues eventResults for those whose looks after the end found none.",
      direction: "pull",
      calls: { events: 1 },
      // Each event's results are looked for after its end (events' fan-out); this only catches misses.
      cadence: { kind: "rate", everyMs: hours(6) },
      priority: "low",
      entityTypes: ["events"],
      requiresSetting: "experimental",
    },
    {
      id: "eventResults",
      description:
        "One event's ZwiftRacing results: looked for shortly after the event's expected end (a child of events), again once if none yet, or on demand.",
      direction: "pull",
      calls: { results: 1 },
      cadence: { kind: "manual" },
      priority: "normal",
      entityTypes: ["results", "eventResults"],
      params: eventParams,
    },
    {
      id: "events",
      description:
        "Hourly (experimental): upcoming events; enqueues the stale signups of events in their last hour and of one more (within 6 h and 3 more when reads do not refresh), and one look at each event's results after its end.",
      direction: "pull",
      calls: { events: 1 },
      cadence: { kind: "rate", everyMs: hours(1) },
      freshnessMs: hours(1),
      priority: "low",
      entityTypes: ["events"],
      requiresSetting: "experimental",
    },
    {
      id: "signups",
      description:
        "One upcoming event's signups per pen (experimental; a child of events). Their target tightens as the event nears, from 1 h to 1 min; final once it starts.",
      direction: "pull",
      calls: { events: 1 },
      cadence: { kind: "manual" },
      priority: "normal",
      entityTypes: ["signups"],
      params: eventParams,
      requiresSetting: "experimental",
    },
  ],
} as const satisfies ProviderDef;

/** A connection's parsed settings. */
export type ZwiftRacingSettings = z.output<typeof settings>;
