/**
 * `npm run local` as a user runs it: a child process, its stdout contract (PACER_READY,
 * PACER_SUMMARY), what it tells a person on stderr (start-up steps, job state changes), `--port`,
 * its record for `npx pacer`, a clean stop on SIGTERM, no process left behind after a SIGKILL,
 * and the message when Java is missing.
 * Local only: skipped when PACER_API_URL / PACER_WS_URL / PACER_TOKEN point at an external stack.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort, listen } from "../../../local/ports.ts";
import { eventually } from "../support/eventually.ts";
import { externalTarget } from "../support/target.ts";

const REPO = new URL("../../..", import.meta.url).pathname;

interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the CLI as `npm run local -- …`, or with `direct`, as node + tsx (what the script runs),
 * so signals reach it without npm in between. Collects its output. Its record for `npx pacer`
 * goes to a file of its own (`statePath`), so a developer's own running stack is left alone.
 */
function startCli(args: string[], { env = process.env, direct = false } = {}) {
  const [command, commandArgs] = direct
    ? [process.execPath, ["--import", "tsx", "local/main.ts", ...args]]
    : ["npm", ["run", "local", "--", ...args]];
  const statePath = join(mkdtempSync(join(tmpdir(), "pacer-run-")), "local.json");
  const child = spawn(command, commandArgs, {
    cwd: REPO,
    env: { ...env, PACER_LOCAL_STATE: statePath },
    stdio: ["ignore", "pipe", "pipe"],
  });
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
  return { child, finished, statePath, output: () => ({ stdout, stderr }) };
}

/** Waits for a stdout line; a CLI that exits first fails at once, with what it said on stderr. */
async function waitForLine(
  cli: { output: () => { stdout: string; stderr: string }; child: ChildProcess },
  prefix: string,
  timeoutMs: number,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { stdout, stderr } = cli.output();
    const line = stdout.split("\n").find((l) => l.startsWith(prefix));
    if (line) return line;
    if (cli.child.exitCode !== null) {
      throw new Error(`the CLI exited ${cli.child.exitCode} before a ${prefix} line:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no ${prefix} line within ${timeoutMs} ms:\n${cli.output().stderr}`);
}

/**
 * A port N with N + 1 free too (`--port N` takes both). An ephemeral port's neighbour may be held
 * by another test file's server, so both are bound at once to check, then let go.
 */
async function freePortPair(): Promise<number> {
  for (;;) {
    const port = await freePort();
    const neighbour = createServer();
    const bound = await listen(neighbour, port + 1).then(
      () => true,
      () => false,
    );
    if (!bound) continue;
    await new Promise<void>((resolve) => neighbour.close(() => resolve()));
    return port;
  }
}

function kill(child: ChildProcess): void {
  if (child.exitCode === null) child.kill("SIGKILL");
}

describe.skipIf(externalTarget)("npm run local", () => {
  it("--once runs the OpenF1, ZwiftRacing and race demos, prints PACER_SUMMARY and exits 0", async () => {
    const cli = startCli(["--once", "--port", "0"]);
    try {
      // The demo's own deadline follows its jobs' progress; this only bounds a hung process.
      const done = await Promise.race([
        cli.finished,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`--once did not exit:\n${cli.output().stderr}`)), 280_000),
        ),
      ]);

      // npm echoes the script it runs; the stand-in's own lines are the PACER_ ones.
      const lines = done.stdout.split("\n").filter((line) => line.startsWith("PACER_"));
      expect(done.code, done.stderr).toBe(0);
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^PACER_READY \{/);
      const summary = JSON.parse((lines[1] ?? "").replace(/^PACER_SUMMARY /, ""));
      expect(summary).toMatchObject({ ok: true, timeScale: 60, problems: [] });
      const { openf1, zwiftracing } = summary.providers;
      for (const demo of [openf1, zwiftracing]) {
        expect(demo.calls).toBeGreaterThan(0);
        expect(demo.entitiesWritten).toBeGreaterThan(0);
        expect(demo.rateLimited).toBe(0);
      }
      expect(zwiftracing.repeated).toBe(0);
      expect(Object.keys(openf1.syncs)).toEqual(["meetings", "sessions", "weather", "race_control"]);
      expect(Object.keys(zwiftracing.syncs)).toEqual([
        "clubMembers",
        "riderStats",
        "rider",
        "results",
        "eventResults",
      ]);
      // Every finished event's results came in, each from a child of the results run.
      const { results, eventResults } = zwiftracing.syncs;
      expect(results.run.children.total).toBeGreaterThan(0);
      expect(results.run.children).toMatchObject({ succeeded: results.run.children.total, failed: 0 });
      expect(eventResults.run.jobs).toBe(results.run.children.total);
      // A person watching saw each demo job finish and each provider's tally; a demo is no stack for npx pacer to find.
      // The connections' initial runs (i-) do the first syncs; the demo's own triggers are m-.
      expect(done.stderr).toMatch(/openf1\/meetings +i-[0-9a-f]{6}… +succeeded +fetched \d+ · written \d+/);
      expect(done.stderr).toMatch(/zwiftracing\/eventResults +i-[0-9a-f]{6}… +succeeded +fetched \d+/);
      expect(done.stderr).toContain(
        `demo openf1: ${openf1.calls} calls, ${openf1.entitiesWritten} entities written, 0 429s`,
      );
      expect(done.stderr).toContain(
        `demo zwiftracing: ${zwiftracing.calls} calls, ${zwiftracing.entitiesWritten} entities written, 0 429s`,
      );
      // The race tenant: registrations unified across two platforms, pushed, results published once.
      for (const id of ["runsignup", "raceroster", "chronotrack"]) {
        const demo = summary.providers[id];
        expect(demo.rateLimited).toBe(0);
        expect(done.stderr).toContain(
          `demo ${id}: ${demo.calls} calls, ${demo.entitiesWritten} entities written, ${demo.pushes} pushes, 0 429s`,
        );
      }
      expect(summary.providers.chronotrack.pushes).toBeGreaterThan(0);
      expect(summary.providers.runsignup.pushes).toBeGreaterThan(0);
      expect(summary.race.participants.withTwoSources).toBeGreaterThan(0);
      expect(summary.race.publications.second).toMatchObject({ jobs: [], rowsPosted: 0 });
      expect(done.stderr).toMatch(
        /demo race \(tenant race-demo\): \d+ participants, [1-9]\d* from two registrations/,
      );
      expect(existsSync(cli.statePath)).toBe(false);
    } finally {
      kill(cli.child);
    }
  }, 300_000);

  it("listens where --port says, records itself for npx pacer, and stops everything on SIGTERM with exit 0", async () => {
    const port = await freePortPair();
    const cli = startCli(["--port", String(port)], { direct: true });
    try {
      const ready = JSON.parse((await waitForLine(cli, "PACER_READY ", 60_000)).slice("PACER_READY ".length));

      expect(ready).toMatchObject({
        api: `http://127.0.0.1:${port}`,
        ws: `ws://127.0.0.1:${port + 1}`,
        token: expect.any(String),
      });
      expect((await fetch(`${ready.api}/health`)).status).toBe(200);
      const record = await eventually(
        () => (existsSync(cli.statePath) ? JSON.parse(readFileSync(cli.statePath, "utf8")) : undefined),
        (found) => found !== undefined,
        10_000,
      );
      expect(record).toMatchObject({ api: ready.api, ws: ready.ws, token: ready.token, pid: cli.child.pid });

      cli.child.kill("SIGTERM");
      const done = await cli.finished;

      expect(done.code).toBe(0);
      expect(existsSync(cli.statePath), "the record of a stopped stack").toBe(false);
      // DynamoDB Local (a JVM child) went down with it.
      await expect(fetch(ready.dynamodb, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
    } finally {
      kill(cli.child);
    }
  }, 90_000);

  it("tells each start-up step and each job's progress on stderr, keeping stdout to PACER_READY", async () => {
    // Prepare
    const cli = startCli(["--port", "0"], { direct: true });
    try {
      const readyLine = await waitForLine(cli, "PACER_READY ", 60_000);
      const ready = JSON.parse(readyLine.slice("PACER_READY ".length));

      // Act: another season than the connection's initial run fetches, so it is a run of its own.
      const posted = await fetch(`${ready.api}/sync`, {
        method: "POST",
        headers: { authorization: `Bearer ${ready.token}`, "content-type": "application/json" },
        body: JSON.stringify({ provider: "openf1", syncType: "meetings", params: { year: "2023" } }),
      });
      const { jobId } = (await posted.json()) as { jobId: string };
      const finished = new RegExp(
        `openf1/meetings +${jobId.slice(0, 8)}… +succeeded +fetched \\d+ · written \\d+ · unchanged \\d+`,
      );
      const { stderr, stdout } = await eventually(
        () => cli.output(),
        (output) => finished.test(output.stderr),
        60_000,
      );

      // Assess
      expect(posted.status).toBe(202);
      for (const step of [
        "ports taken: REST API",
        "DynamoDB Local up on",
        "SQS (fauxqs) up on",
        "fake openf1 provider up on",
        "tables created:",
        "queues created:",
        "handlers loaded:",
        "local stack up in",
      ]) {
        expect(stderr, step).toContain(step);
      }
      expect(stderr).toMatch(new RegExp(`openf1/meetings +${jobId.slice(0, 8)}… +queued +high · manual`));
      expect(stderr).toMatch(finished);
      expect(stdout.split("\n").filter(Boolean)).toEqual([readyLine]);
    } finally {
      kill(cli.child);
    }
  }, 120_000);

  it("exits 1 with install instructions when Java is not on PATH", async () => {
    // node is started by its absolute path, so an empty PATH hides only java.
    const cli = startCli(["--once", "--port", "0"], {
      env: { ...process.env, PATH: "/nonexistent" },
      direct: true,
    });
    const done = await cli.finished;

    expect(done.code).toBe(1);
    expect(done.stderr).toContain("Java");
    expect(done.stderr).toContain("openjdk-17-jre-headless");
    expect(done.stdout).not.toContain("PACER_READY");
  }, 30_000);

  it.skipIf(process.platform !== "linux")(
    "takes DynamoDB Local and the fake providers down with it when it is SIGKILLed",
    async () => {
      const cli = startCli(["--port", "0"], { direct: true });
      try {
        await waitForLine(cli, "PACER_READY ", 60_000);
        const pid = cli.child.pid as number;
        // Taken before the kill: once the stand-in is gone its children are re-parented.
        const children = descendants(pid);
        // The JVM itself, not the guard whose arguments name the jar too.
        const jvms = children.filter(
          (p) => /^\S*java /.test(commandLine(p)) && commandLine(p).includes("DynamoDBLocal.jar"),
        );
        const fakes = children.filter((p) => commandLine(p).includes("fake-process.ts"));
        expect(jvms, "a DynamoDB Local JVM").toHaveLength(1);
        expect(fakes.length, "a fake provider process").toBeGreaterThan(0);

        cli.child.kill("SIGKILL");
        await cli.finished;

        const left = await eventually(
          () => [...jvms, ...fakes].filter(isRunning),
          (running) => running.length === 0,
          20_000,
        );
        expect(left.map(commandLine)).toEqual([]);
      } finally {
        kill(cli.child);
      }
    },
    90_000,
  );
});

/** Every process below `pid`, from /proc (Linux). */
function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = parentOf(Number(entry));
    if (parent === undefined) continue;
    parents.set(parent, [...(parents.get(parent) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const visit = (p: number) => {
    for (const child of parents.get(p) ?? []) {
      found.push(child);
      visit(child);
    }
  };
  visit(pid);
  return found;
}

/** /proc/<pid>/stat: `pid (comm) state ppid …`; comm may hold spaces and parentheses. */
function procStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const [state = "", ppid = ""] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state, ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}

function parentOf(pid: number): number | undefined {
  return procStat(pid)?.ppid;
}

/** Gone, or a zombie nobody reaped yet (its process has ended all the same). */
function isRunning(pid: number): boolean {
  const state = procStat(pid)?.state;
  return state !== undefined && state !== "Z" && state !== "X";
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}
