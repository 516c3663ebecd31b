import type { FakeProvider } from "../types.ts";
import { fakeKey } from "./keys.ts";
import { startFakeZwiftRacing } from "./server.ts";
import { workloadWorld } from "./workload.ts";

export { DERIVED_LABELS, fakeKey, keyFingerprint } from "./keys.ts";
export { type EndpointGroup, GROUP_LIMITS, GROUPS, TIERS, type Tier } from "./limits.ts";
export { type FakeZwiftRacing, type FakeZwiftRacingOptions, startFakeZwiftRacing } from "./server.ts";
export type { FakeZwiftRacingStats, GroupCalls } from "./stats.ts";
export { signedUpCount, type ZwiftWorkload, ZwiftWorkloadSchema } from "./workload.ts";

/** The club the demo connection syncs: 2,500 active members, so its sync takes three pages. */
export const DEMO_CLUB_ID = 1001;

/**
 * The fake ZwiftRacing.app as the stand-in runs it.
 *
 * Keys, one design: a ZwiftRacing key says nothing about its tier, so the fake keeps a registry.
 * At start it registers `fakeKey(secret, label, tier)` for the labels "demo", "a", "b" and "c" on
 * both tiers (eight keys): whoever knows the start's secret (the stand-in, a test) can make any of
 * them, and nobody else can guess one. Tests may add keys of their own at run time through the
 * test-only `POST /_fake/keys {"key","tier"}` (no auth; the same key on another tier is a 409).
 * Every other `Authorization` value, "Bearer <key>" included, is a 401.
 *
 * Data follows the fake's clock; with `feedFrozenAt` it stays at that moment, so a demo's second
 * run sees what the first did, while limits keep real time. With a `workload` (the simulator's),
 * it serves that workload's club and events instead of the demo's (./workload.ts).
 */
export const zwiftracingFake: FakeProvider = {
  id: "zwiftracing",
  basePath: "/api",
  start: ({ secret, feedFrozenAt, timeScale, workload }) =>
    startFakeZwiftRacing({
      secret,
      ...(timeScale === undefined ? {} : { timeScale }),
      ...(feedFrozenAt === undefined ? {} : { dataNow: () => new Date(feedFrozenAt) }),
      ...(workload === undefined ? {} : { world: workloadWorld(workload) }),
    }),
  connection: ({ secret }) => ({
    tier: "standard",
    credentials: { apiKey: fakeKey(secret, "demo", "standard") },
    settings: { clubId: DEMO_CLUB_ID, experimental: true },
  }),
};
