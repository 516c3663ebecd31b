import type { FakeProvider } from "../types.ts";
import { DEMO_RACE_ID } from "./data.ts";
import { fakeCredentials } from "./keys.ts";
import { startFakeRunSignUp } from "./server.ts";

export { DEMO_EVENTS, DEMO_RACE_ID, DEMO_RACE_NAME, DEMO_TIMEZONE, REGISTRATION_BASE } from "./data.ts";
export { fakeCredentials } from "./keys.ts";
export { DEFAULT_LIMITS } from "./limits.ts";
export type { PostedResults } from "./results.ts";
export { type FakeRunSignUp, type FakeRunSignUpOptions, startFakeRunSignUp } from "./server.ts";
export type { FakeRunSignUpStats } from "./stats.ts";

/**
 * The fake RunSignUp as the stand-in runs it: race 20261 "Harbour Run" (a 5K and a 10K two days
 * after the data moment, the shared pool's people 0–149 registered), an API v2 key and secret
 * derived from the start's secret. With `feedFrozenAt` the data is made as of that moment, so a
 * demo's two runs see the same race; limits keep real time.
 */
export const runsignupFake: FakeProvider = {
  id: "runsignup",
  basePath: "/Rest",
  start: ({ secret, feedFrozenAt, timeScale }) =>
    startFakeRunSignUp({
      secret,
      ...(timeScale === undefined ? {} : { timeScale }),
      ...(feedFrozenAt === undefined ? {} : { dataNow: new Date(feedFrozenAt) }),
    }),
  connection: ({ secret }) => ({
    tier: "standard",
    credentials: { ...fakeCredentials(secret) },
    settings: { raceIds: [DEMO_RACE_ID] },
  }),
};
