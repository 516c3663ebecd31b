import type { FakeProvider } from "../types.ts";
import { DEMO_PRESET } from "./race.ts";
import { fakeApiKey, PUBLIC_PATH, startFakeCopernico } from "./server.ts";

export { type CopernicoLimits, DEFAULT_LIMITS } from "./limits.ts";
export { DEMO_PRESET, DEMO_RACE, type DemoEvent, type DemoRace } from "./race.ts";
export {
  API_KEY_HEADER,
  type FakeCopernico,
  type FakeCopernicoOptions,
  fakeApiKey,
  PUBLIC_PATH,
  startFakeCopernico,
} from "./server.ts";
export type { FakeCopernicoStats } from "./stats.ts";

/**
 * The fake Copernico as the stand-in runs it: the push at the server's root, the public export
 * host under `/_public/api`. Its one key is derived from the start's secret; the demo connection
 * names the preset the fake serves. It has no live feed, so `feedFrozenAt` changes nothing.
 */
export const copernicoFake: FakeProvider = {
  id: "copernico",
  hostPaths: { public: PUBLIC_PATH },
  start: ({ secret, timeScale }) =>
    startFakeCopernico({ secret, ...(timeScale === undefined ? {} : { timeScale }) }),
  connection: ({ secret }) => ({
    tier: "standard",
    credentials: { apiKey: fakeApiKey(secret) },
    settings: { presetLogin: DEMO_PRESET.login, presetName: DEMO_PRESET.name },
  }),
};
