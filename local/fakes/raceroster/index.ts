import type { FakeProvider } from "../types.ts";
import { fakeCredentials } from "./accounts.ts";
import { DEMO_EVENT_ID } from "./data.ts";
import { startFakeRaceRoster } from "./server.ts";

export { ACCOUNT_LABELS, type FakeCredentials, fakeCredentials, TOKEN_LIFETIME_S } from "./accounts.ts";
export { MAX_PAGE_SIZE } from "./api.ts";
export { DEMO_EVENT_ID, SUB_EVENT_5K, SUB_EVENT_10K } from "./data.ts";
export {
  DEFAULT_LIMITS,
  type FakeRaceRoster,
  type FakeRaceRosterOptions,
  startFakeRaceRoster,
} from "./server.ts";
export type { FakeRaceRosterStats } from "./stats.ts";

/**
 * The fake Race Roster as the stand-in runs it: the API at the server's root, the OAuth host
 * (`auth`) at `/_auth`. Its demo connection is account "demo"'s credentials, following the demo
 * race (event 7301, "Harbour Run"). With `feedFrozenAt`, the event dates are set from that moment.
 */
export const racerosterFake: FakeProvider = {
  id: "raceroster",
  hostPaths: { auth: "/_auth" },
  start: ({ secret, feedFrozenAt, timeScale }) =>
    startFakeRaceRoster({
      secret,
      ...(timeScale === undefined ? {} : { timeScale }),
      ...(feedFrozenAt === undefined ? {} : { dataStartMs: feedFrozenAt }),
    }),
  connection: ({ secret }) => ({
    credentials: { ...fakeCredentials(secret, "demo") },
    settings: { eventIds: [DEMO_EVENT_ID] },
  }),
};
