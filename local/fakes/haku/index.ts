import type { FakeProvider } from "../types.ts";
import { fakeClient } from "./auth.ts";
import { DEMO_EVENT_ID } from "./data.ts";
import { startFakeHaku } from "./server.ts";

export { CLIENT_LABELS, clientFingerprint, type FakeClient, fakeClient, TOKEN_LIFETIME_S } from "./auth.ts";
export { DEMO_EVENT_ID, PAST_EVENT_ID } from "./data.ts";
export {
  DEFAULT_LIMIT,
  type FakeHaku,
  type FakeHakuOptions,
  type FakeHakuStats,
  MAX_PER_PAGE,
  startFakeHaku,
} from "./server.ts";

/**
 * The fake Haku as the stand-in runs it: the OAuth host at `/_auth` on the same server, clients
 * derived from the start's secret (`fakeClient(secret, "demo" | "a" | "b" | "c")`), and a demo
 * connection limited to the Lakeside Trail Half (60 registrants: one list call, 60 detail calls).
 * With `feedFrozenAt`, the race's date is anchored there, so a demo's second run sees the same data.
 */
export const hakuFake: FakeProvider = {
  id: "haku",
  hostPaths: { auth: "/_auth" },
  start: ({ secret, feedFrozenAt, timeScale }) =>
    startFakeHaku({
      secret,
      ...(timeScale === undefined ? {} : { timeScale }),
      ...(feedFrozenAt === undefined ? {} : { dataNow: () => new Date(feedFrozenAt) }),
    }),
  connection: ({ secret }) => {
    const { clientId, clientSecret } = fakeClient(secret, "demo");
    return {
      tier: "partner",
      credentials: { clientId, clientSecret },
      settings: { eventIds: [DEMO_EVENT_ID] },
    };
  },
};
