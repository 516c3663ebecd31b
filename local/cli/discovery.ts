import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import { readJsonFile, writePrivateJson } from "./private-file.ts";

/**
 * How `npx pacer` finds a running `npm run local`: the stand-in writes what it printed on its
 * PACER_READY line to a file (only its owner may read it: it holds a dev token) and removes it
 * when it stops. `PACER_LOCAL_STATE` moves the file (tests point it into a temporary folder so
 * that a developer's own running stack is left alone).
 */

export const LOCAL_STATE_ENV_VAR = "PACER_LOCAL_STATE";

const REPO_ROOT = resolve(import.meta.dirname, "../..");

const runningStackSchema = z.object({
  api: z.url(),
  ws: z.url(),
  token: z.string().min(1),
  tenantId: z.string().min(1),
  pid: z.number().int().positive(),
  startedAt: z.iso.datetime(),
});

export type RunningStack = z.infer<typeof runningStackSchema>;

export function localStatePath(env: NodeJS.ProcessEnv = process.env): string {
  return env[LOCAL_STATE_ENV_VAR] ?? resolve(REPO_ROOT, ".pacer", "local.json");
}

/** Records a stack that is up; the returned function removes the record again (call it on stop). */
export function recordRunningStack(stack: RunningStack, path = localStatePath()): () => void {
  writePrivateJson(path, stack);
  return () => {
    // Another stack may have started since and written its own record: leave that one alone.
    if (readRunningStack(path)?.pid === stack.pid) rmSync(path, { force: true });
  };
}

/**
 * The recorded stack, if there is a record and its process is still alive; undefined otherwise.
 * A record left behind by a stack that was killed outright is ignored.
 */
export function readRunningStack(path = localStatePath()): RunningStack | undefined {
  const stack = readJsonFile(path, runningStackSchema);
  return stack && isAlive(stack.pid) ? stack : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
