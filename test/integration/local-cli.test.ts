/**
 * `npm run local` as a user runs it: a child process, its stdout contract (PACER_READY,
 * PACER_SUMMARY), `--port`, a clean stop on SIGTERM, and the message when Java is missing.
 * Local only: skipped when PACER_API_URL / PACER_WS_URL / PACER_TOKEN point at an external stack.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { freePort } from "../../local/ports.ts";
import { externalTarget } from "./support/target.ts";

const REPO = new URL("../..", import.meta.url).pathname;

interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the CLI as `npm run local -- …`, or with `direct`, as node + tsx (what the script runs),
 * so signals reach it without npm in between. Collects its output.
 */
function startCli(args: string[], { env = process.env, direct = false } = {}) {
  const [command, commandArgs] = direct
    ? [process.execPath, ["--import", "tsx", "local/main.ts", ...args]]
    : ["npm", ["run", "local", "--", ...args]];
  const child = spawn(command, commandArgs, { cwd: REPO, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const finished = new Promise<Finished>((resolve) => {
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
  return { child, finished, output: () => ({ stdout, stderr }) };
}

async function waitForLine(
  output: () => { stdout: string },
  prefix: string,
  timeoutMs: number,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const line = output()
      .stdout.split("\n")
      .find((l) => l.startsWith(prefix));
    if (line) return line;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no ${prefix} line within ${timeoutMs} ms`);
}

function kill(child: ChildProcess): void {
  if (child.exitCode === null) child.kill("SIGKILL");
}

describe.skipIf(externalTarget)("npm run local", () => {
  it("--once runs the demo, prints PACER_SUMMARY and exits 0", async () => {
    const cli = startCli(["--once", "--port", "0"]);
    try {
      const done = await Promise.race([
        cli.finished,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error("--once took over 90 s")), 90_000),
        ),
      ]);

      // npm echoes the script it runs; the stand-in's own lines are the PACER_ ones.
      const lines = done.stdout.split("\n").filter((line) => line.startsWith("PACER_"));
      expect(done.code, done.stderr).toBe(0);
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^PACER_READY \{/);
      const summary = JSON.parse((lines[1] ?? "").replace(/^PACER_SUMMARY /, ""));
      expect(summary).toMatchObject({ ok: true, fake429s: 0, problems: [] });
      expect(Object.keys(summary.syncs)).toEqual(["meetings", "sessions", "weather", "race_control"]);
    } finally {
      kill(cli.child);
    }
  }, 100_000);

  it("listens where --port says, and stops everything on SIGTERM with exit 0", async () => {
    const port = await freePort();
    const cli = startCli(["--port", String(port)], { direct: true });
    try {
      const ready = JSON.parse(
        (await waitForLine(cli.output, "PACER_READY ", 60_000)).slice("PACER_READY ".length),
      );

      expect(ready).toMatchObject({
        api: `http://127.0.0.1:${port}`,
        ws: `ws://127.0.0.1:${port + 1}`,
        token: expect.any(String),
      });
      expect((await fetch(`${ready.api}/health`)).status).toBe(200);

      cli.child.kill("SIGTERM");
      const done = await cli.finished;

      expect(done.code).toBe(0);
      // DynamoDB Local (a JVM child) went down with it.
      await expect(fetch(ready.dynamodb, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
    } finally {
      kill(cli.child);
    }
  }, 90_000);

  it("exits 1 with install instructions when Java is not on PATH", async () => {
    // node is started by its absolute path, so an empty PATH hides only java.
    const cli = startCli(["--once"], { env: { ...process.env, PATH: "/nonexistent" }, direct: true });
    const done = await cli.finished;

    expect(done.code).toBe(1);
    expect(done.stderr).toContain("Java");
    expect(done.stderr).toContain("openjdk-17-jre-headless");
    expect(done.stdout).not.toContain("PACER_READY");
  }, 30_000);
});
