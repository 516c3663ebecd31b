import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { baseUrlEnvVar, findProvider, hostUrlEnvVar } from "#catalog/index.ts";
import type { Catalog } from "#catalog/types.ts";
import type { LocalLog } from "../log.ts";
import { findFake } from "./all.ts";
import type { FakeProcessMessage } from "./fake-process.ts";
import type { FakeConnection, FakeProvider, FakeProviderStats, FakeServerOptions } from "./types.ts";

export type { FakeProviderStats } from "./types.ts";

export interface RunningFake {
  readonly url: string;
  /** Environment the provider's worker needs to talk to this fake: its base URL. */
  readonly env: Readonly<Record<string, string>>;
  /** A `POST /connections` body (without its provider) with credentials this fake accepts. */
  readonly connection: FakeConnection;
  stats(): FakeProviderStats;
  /** The fake's process id. */
  readonly pid: number | undefined;
  /**
   * Calls `listener` when the fake's process ends without stop() having been called (it crashed
   * or was killed): its provider's calls fail until the stack is restarted.
   */
  onUnexpectedExit(listener: (description: string) => void): void;
  stop(): Promise<void>;
}

export interface FakeStartOptions {
  /**
   * Freeze live feeds at start-up: the fake keeps real time for its limits but publishes no new
   * live rows, so a demo's second run sees exactly what the first one did.
   */
  readonly freezeFeeds?: boolean;
  /** Every limit window divided by this, as the handlers' are (`--time-scale`). @default 1 */
  readonly timeScale?: number;
  /**
   * Serve the fakes in this process instead of a process each: the simulator's, whose faked
   * `Date` (virtual time) the fakes' windows and data must follow. @default false
   */
  readonly inProcess?: boolean;
  /** Per provider id, the simulator's workload for its fake (FakeServerOptions.workload). */
  readonly workloads?: Readonly<Record<string, unknown>>;
}

/**
 * A fake in a process of its own, with fresh credentials per start (for the connections made to
 * it), and the environment its provider's worker needs to call it. Fakes keep real time whatever `--speed` says: a provider's
 * limits are what the limiter has to respect, so they must not be sped up. Only `timeScale`
 * shortens their windows, and the handlers' alike.
 */
async function startFake(
  fake: FakeProvider,
  { freezeFeeds, timeScale, inProcess, workloads }: FakeStartOptions,
): Promise<RunningFake> {
  const secret = randomBytes(12).toString("hex");
  const workload = workloads?.[fake.id];
  const serverOptions: FakeServerOptions = {
    secret,
    ...(freezeFeeds ? { feedFrozenAt: Date.now() } : {}),
    ...(timeScale === undefined ? {} : { timeScale }),
    ...(workload === undefined ? {} : { workload }),
  };
  const running = inProcess
    ? await startInProcess(fake, serverOptions)
    : await startFakeProcess(fake.id, serverOptions);
  return {
    ...running,
    env: {
      [baseUrlEnvVar(fake.id)]: `${running.url}${fake.basePath ?? ""}`,
      ...Object.fromEntries(
        Object.keys(findProvider(fake.id)?.hosts ?? {}).map((host) => [
          hostUrlEnvVar(fake.id, host),
          `${running.url}${fake.hostPaths?.[host] ?? ""}`,
        ]),
      ),
    },
    connection: fake.connection({ url: running.url, secret }),
  };
}

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
      const fake = findFake(provider.id);
      if (override)
        log.info(`${provider.id}: calling ${override} (${baseUrlEnvVar(provider.id)}), no fake started`);
      else if (!fake) log.warn(`${provider.id}: no fake server; its worker will call ${provider.baseUrl}`);
      else fakes[provider.id] = await startFake(fake, options);
    }
  } catch (error) {
    await Promise.all(Object.values(fakes).map((fake) => fake.stop()));
    throw error;
  }
  return fakes;
}

/** A fake served in this process: no pid of its own, and it cannot exit on its own. */
async function startInProcess(
  fake: FakeProvider,
  options: FakeServerOptions,
): Promise<Omit<RunningFake, "env" | "connection">> {
  const server = await fake.start(options);
  return {
    url: server.url,
    pid: process.pid,
    stats: () => server.stats(),
    onUnexpectedExit: () => undefined,
    stop: () => server.stop(),
  };
}

const FAKE_PROCESS = fileURLToPath(new URL("./fake-process.ts", import.meta.url));
const FAKE_START_TIMEOUT_MS = 15_000;

/**
 * Starts a fake in its own process (see fakes/fake-process.ts). Its stats arrive over IPC as they
 * change, so reading them stays synchronous; they may lag the fake by a few tens of milliseconds.
 */
async function startFakeProcess(
  providerId: string,
  options: FakeServerOptions,
): Promise<Omit<RunningFake, "env" | "connection">> {
  const child = fork(FAKE_PROCESS, [providerId, JSON.stringify(options)], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let stats: FakeProviderStats = { requests: 0, rateLimited: 0 };
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`the ${providerId} fake did not start within ${FAKE_START_TIMEOUT_MS} ms`));
    }, FAKE_START_TIMEOUT_MS);
    child.on("message", (message: FakeProcessMessage) => {
      if (message.type === "ready") {
        clearTimeout(timer);
        resolve(message.url);
      } else if (message.type === "stats") {
        stats = message.stats as unknown as FakeProviderStats;
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the ${providerId} fake exited with code ${code} before it was ready`));
    });
  });
  // If this process dies without stopping it, the fake must not outlive it (when this process is
  // killed outright, the fake sees its IPC channel close and exits: see fake-process.ts).
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  let stopping = false;
  const listeners: ((description: string) => void)[] = [];
  child.once("exit", (code, signal) => {
    process.off("exit", killOnExit);
    if (stopping) return;
    const description = signal ? `killed by ${signal}` : `exited with code ${code}`;
    for (const listener of listeners) listener(description);
  });
  return {
    url,
    pid: child.pid,
    stats: () => stats,
    onUnexpectedExit: (listener) => {
      listeners.push(listener);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        stopping = true;
        process.off("exit", killOnExit);
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.disconnect();
      }),
  };
}
