import { z } from "zod";
import type { FakeProvider } from "../types.ts";
import { startFakeOpenF1 } from "./server.ts";

export { type FakeOpenF1, type FakeOpenF1Options, type FakeOpenF1Stats, startFakeOpenF1 } from "./server.ts";

/** The simulator's race weekend: when its race starts (the other sessions are placed around it). */
export const OpenF1WorkloadSchema = z.object({ raceStartMs: z.number() });
export type OpenF1Workload = z.infer<typeof OpenF1WorkloadSchema>;

/** The account the stand-in's fake OpenF1 accepts: this username, and the start's secret as password. */
const USERNAME = "pacer-local";

/**
 * The fake OpenF1 as the stand-in runs it: with an account, so the worker's token flow (needed
 * while a session is live) is exercised on every run.
 */
export const openf1Fake: FakeProvider = {
  id: "openf1",
  start: ({ secret, feedFrozenAt, timeScale, workload }) =>
    startFakeOpenF1({
      credentials: { username: USERNAME, password: secret },
      ...(workload === undefined ? {} : { raceStartMs: OpenF1WorkloadSchema.parse(workload).raceStartMs }),
      ...(timeScale === undefined ? {} : { timeScale }),
      ...(feedFrozenAt === undefined ? {} : { feedNow: () => new Date(feedFrozenAt) }),
    }),
  connection: ({ secret }) => ({
    tier: "free",
    credentials: { username: USERNAME, password: secret },
    settings: {},
  }),
};
