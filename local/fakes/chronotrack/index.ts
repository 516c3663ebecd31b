import { z } from "zod";
import type { FakeProvider } from "../types.ts";
import { DEMO_EVENT_ID } from "./data.ts";
import { fakeCredentials } from "./keys.ts";
import { startFakeChronoTrack } from "./server.ts";

export { DEMO_EVENT_ID, OLDER_EVENT_ID } from "./data.ts";
export { type FakeCredentials, fakeCredentials } from "./keys.ts";
export {
  type FakeChronoTrack,
  type FakeChronoTrackOptions,
  type FakeChronoTrackStats,
  startFakeChronoTrack,
} from "./server.ts";

/** The simulator's race: when the Harbour Run starts (a full hour). */
export const ChronoTrackWorkloadSchema = z.object({ raceStartMs: z.number() });
export type ChronoTrackWorkload = z.infer<typeof ChronoTrackWorkloadSchema>;

/** The demo race starts two days after the fake does (local/fakes/race/people.ts). */
const RACE_LEAD_MS = 48 * 3_600_000;

/**
 * The fake ChronoTrack Live as the stand-in runs it: the demo "Harbour Run" (event 90001, a 5K and
 * a 10K two days after the fake starts) and last year's edition, the credentials derived from the
 * start's secret, and no results for the demo event until the test-only
 * `POST /_fake/events/90001/finishers {"count": N}` says who has finished.
 */
export const chronotrackFake: FakeProvider = {
  id: "chronotrack",
  basePath: "/api",
  start: ({ secret, feedFrozenAt, timeScale, workload }) =>
    startFakeChronoTrack({
      secret,
      ...(timeScale === undefined ? {} : { timeScale }),
      // A frozen demo reckons its race's start from the frozen moment, so two runs see one race.
      ...(feedFrozenAt === undefined ? {} : { startedAtMs: feedFrozenAt }),
      // The simulator's race starts when its workload says.
      ...(workload === undefined
        ? {}
        : { startedAtMs: ChronoTrackWorkloadSchema.parse(workload).raceStartMs - RACE_LEAD_MS }),
    }),
  connection: ({ secret }) => ({
    credentials: { ...fakeCredentials(secret) },
    settings: { eventIds: [DEMO_EVENT_ID], experimental: true },
  }),
};
