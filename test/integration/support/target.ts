import { catalog } from "#catalog/index.ts";
import type { Catalog } from "#catalog/types.ts";
import { type LocalStack, startLocalStack } from "../../../local/stack.ts";
import { untilQuiet, useFakeConnections } from "./api-client.ts";

/**
 * What an integration test talks to. By default a local stack started in this process on free
 * ports. With `PACER_API_URL`, `PACER_WS_URL` and `PACER_TOKEN` set, an already running stack
 * (`npm run local`, or a deployed one) and nothing is started; `PACER_TOKEN_OTHER_TENANT` then
 * supplies a second tenant's token where `POST /dev/token` does not exist.
 */
export interface Target {
  readonly api: string;
  readonly ws: string;
  readonly token: string;
  /** The in-process stack, when the test started one (tests that need SQS or a fake's counters). */
  readonly local: LocalStack | undefined;
  /**
   * A token for `tenantId` from `POST /dev/token`; where that route does not exist (deployed),
   * PACER_TOKEN_OTHER_TENANT, whatever its tenant; undefined when neither is available.
   */
  tokenFor(tenantId: string): Promise<string | undefined>;
  stop(): Promise<void>;
}

export const externalTarget = Boolean(
  process.env.PACER_API_URL && process.env.PACER_WS_URL && process.env.PACER_TOKEN,
);

/**
 * The providers a local target runs (a fake and a worker each): the generic suites exercise OpenF1
 * and ZwiftRacing, and starting every fake for every file would only cost time. A suite about
 * other providers names them.
 */
export const DEFAULT_TARGET_PROVIDERS = ["openf1", "zwiftracing"] as const;

/** The catalog cut to the providers a suite needs: a local stack starts a fake and workers for each. */
export const catalogOf = (providers: readonly string[]): Catalog => ({
  providers: catalog.providers.filter((p) => providers.includes(p.id)),
});

export async function startTarget(
  options: {
    readonly providers?: readonly string[];
    /** Every window divided by this (the stand-in's `--time-scale`). @default 1 */
    readonly timeScale?: number;
  } = {},
): Promise<Target> {
  if (externalTarget) {
    const api = (process.env.PACER_API_URL as string).replace(/\/+$/, "");
    return {
      api,
      ws: process.env.PACER_WS_URL as string,
      token: process.env.PACER_TOKEN as string,
      local: undefined,
      tokenFor: async (tenantId) => (await devToken(api, tenantId)) ?? process.env.PACER_TOKEN_OTHER_TENANT,
      stop: async () => {},
    };
  }
  const providers = options.providers ?? DEFAULT_TARGET_PROVIDERS;
  const local = await startLocalStack({
    quiet: true,
    scheduler: false,
    catalog: catalogOf(providers),
    ...(options.timeScale === undefined ? {} : { timeScale: options.timeScale }),
  });
  useFakeConnections(local);
  // Connecting the fakes queued each connection's initial runs: tests start once OpenF1's have ended.
  // (ZwiftRacing's wait out hour-long windows: tests of it make connections of their own.)
  try {
    await untilQuiet(local, ["openf1"]);
  } catch (error) {
    await local.stop();
    throw error;
  }
  return {
    api: local.api,
    ws: local.ws,
    token: local.token,
    local,
    tokenFor: (tenantId) => devToken(local.api, tenantId),
    stop: () => local.stop(),
  };
}

/** `POST /dev/token`, which only the local stand-in answers. */
async function devToken(api: string, tenantId: string): Promise<string | undefined> {
  const response = await fetch(`${api}/dev/token`, { method: "POST", body: JSON.stringify({ tenantId }) });
  if (!response.ok) return undefined;
  return ((await response.json()) as { token?: string }).token;
}
