import { randomBytes } from "node:crypto";
import { baseUrlEnvVar } from "#catalog/index.ts";
import type { Catalog } from "#catalog/types.ts";
import { startFakeOpenF1 } from "./fakes/openf1.ts";
import type { LocalLog } from "./log.ts";

/** What every fake's stats have in common (each may count more). */
export interface FakeProviderStats {
  readonly requests: number;
  readonly rateLimited: number;
}

export interface RunningFake {
  readonly url: string;
  /** Environment the provider's worker needs to talk to this fake (its base URL, credentials). */
  readonly env: Readonly<Record<string, string>>;
  stats(): FakeProviderStats;
  stop(): Promise<void>;
}

export interface FakeStartOptions {
  /**
   * Freeze live feeds at start-up: the fake keeps real time for its limits but publishes no new
   * live rows, so a demo's second run sees exactly what the first one did.
   */
  readonly freezeFeeds?: boolean;
}

/**
 * Fake servers by provider id. They keep real time whatever `--speed` says: a provider's limits
 * are what the limiter has to respect, so they must not be sped up.
 */
export const FAKE_PROVIDERS: Readonly<Record<string, (options: FakeStartOptions) => Promise<RunningFake>>> = {
  openf1: async ({ freezeFeeds }) => {
    // Fresh credentials per run, so the worker's token flow (needed while a session is live) is exercised.
    const credentials = { username: "pacer-local", password: randomBytes(12).toString("hex") };
    const frozenAt = new Date();
    const fake = await startFakeOpenF1({ credentials, ...(freezeFeeds ? { feedNow: () => frozenAt } : {}) });
    return {
      url: fake.url,
      env: {
        [baseUrlEnvVar("openf1")]: fake.url,
        PACER_OPENF1_USERNAME: credentials.username,
        PACER_OPENF1_PASSWORD: credentials.password,
      },
      stats: fake.stats,
      stop: fake.stop,
    };
  },
};

/**
 * Starts a fake for each catalog provider, except those whose `PACER_<ID>_BASE_URL` is set: the
 * worker then calls that server (a sandbox, a recording) with whatever credentials the environment has.
 */
export async function startFakes(
  catalog: Catalog,
  log: LocalLog,
  options: FakeStartOptions = {},
): Promise<Record<string, RunningFake>> {
  const fakes: Record<string, RunningFake> = {};
  try {
    for (const provider of catalog.providers) {
      const override = process.env[baseUrlEnvVar(provider.id)];
      const start = FAKE_PROVIDERS[provider.id];
      if (override)
        log.info(`${provider.id}: calling ${override} (${baseUrlEnvVar(provider.id)}), no fake started`);
      else if (!start) log.warn(`${provider.id}: no fake server; its worker will call ${provider.baseUrl}`);
      else fakes[provider.id] = await start(options);
    }
  } catch (error) {
    await Promise.all(Object.values(fakes).map((fake) => fake.stop()));
    throw error;
  }
  return fakes;
}
