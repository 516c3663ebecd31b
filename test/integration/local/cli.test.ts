/**
 * The operator CLI (`npx pacer`) as a person runs it: a child process through local/cli/bin.mjs,
 * pointed at the stack with --api/--ws/--token, against one stack for the whole file (started
 * here, or the one PACER_API_URL / PACER_WS_URL / PACER_TOKEN name). `pacer login` runs against a
 * fake Cognito user pool that checks the SRP proof and the TOTP codes for real.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { totpCode } from "../../../local/cli/cognito/totp.ts";
import { type FakeUserPool, startFakeUserPool } from "../../support/fake-user-pool.ts";
import { call, startSync } from "../support/api-client.ts";
import { externalTarget, startTarget, type Target } from "../support/target.ts";

const REPO = new URL("../../..", import.meta.url).pathname;
const SCRATCH = mkdtempSync(join(tmpdir(), "pacer-cli-"));

interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface RunningCli {
  readonly child: ChildProcess;
  readonly done: Promise<Finished>;
  /** Resolves with the first stdout line that matches, or rejects at the deadline with what came. */
  line(match: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves once stderr matches, with the match. */
  stderr(match: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}

/**
 * `npx pacer …` as a child process, through bin.mjs (tsx), with Node 24 from this process. Its
 * state files point into a scratch folder, so a developer's running stack and sign-in are left alone.
 */
function pacer(args: readonly string[], env: Record<string, string> = {}): RunningCli {
  const child = spawn(process.execPath, ["local/cli/bin.mjs", ...args], {
    cwd: REPO,
    env: {
      ...process.env,
      NO_COLOR: "1",
      PACER_LOCAL_STATE: join(SCRATCH, "no-local-stack.json"),
      PACER_LOGIN_FILE: join(SCRATCH, "login.json"),
      ...env,
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const wakes = new Set<() => void>();
  child.stdout?.on("data", (chunk) => {
    stdout += chunk;
    for (const wake of wakes) wake();
  });
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
    for (const wake of wakes) wake();
  });
  const done = new Promise<Finished>((resolve) => {
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
  const until = <T>(probe: () => T | undefined, what: string, timeoutMs: number) =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const found = probe();
        if (found === undefined) return;
        cleanup();
        resolve(found);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no ${what} within ${timeoutMs} ms; stdout: ${stdout}\nstderr: ${stderr}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        wakes.delete(check);
      };
      wakes.add(check);
      check();
    });
  return {
    child,
    done,
    line: (match, timeoutMs = 30_000) =>
      until(() => stdout.split("\n").find((l) => match.test(l)), `stdout line ${match}`, timeoutMs),
    stderr: (match, timeoutMs = 30_000) =>
      until(() => match.exec(stderr) ?? undefined, `stderr ${match}`, timeoutMs),
  };
}

let target: Target;
let flags: string[];

beforeAll(async () => {
  target = await startTarget();
  flags = ["--api", target.api, "--ws", target.ws, "--token", target.token];
});

afterAll(async () => {
  await target?.stop();
});

describe("pacer sync --wait", () => {
  it("prints each state of the job and its final counts, and exits 0", async () => {
    const run = await pacer(["sync", "openf1", "meetings", "--wait", ...flags]).done;

    const lines = run.stdout.trim().split("\n");
    const jobId = /^started openf1\/meetings: job (\S+)$/.exec(lines[0] ?? "")?.[1];
    const final = /succeeded in .+: fetched (\d+), written (\d+), unchanged (\d+)$/.exec(lines.at(-1) ?? "");
    expect(run.code, run.stderr).toBe(0);
    expect(jobId).toBeDefined();
    // Progress before the end (how many states show depends on how fast the job runs).
    expect(lines.slice(1, -1).some((l) => /^ {2}\d\d:\d\d:\d\d {2}(queued|running)/.test(l))).toBe(true);
    expect(Number(final?.[1])).toBeGreaterThan(0);
    const job = await call<{ status: string; counts: Record<string, number> }>(
      target,
      "GET",
      `/jobs/${jobId}`,
    );
    expect(job.body.status).toBe("succeeded");
    expect(job.body.counts).toMatchObject({
      fetched: Number(final?.[1]),
      written: Number(final?.[2]),
      unchanged: Number(final?.[3]),
    });
  });

  it("refuses an unknown sync type with exit 2, naming the known ones", async () => {
    const run = await pacer(["sync", "openf1", "laps", ...flags]).done;

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('openf1 has no sync type "laps"');
    expect(run.stderr).toContain("meetings");
  });

  it("says how to get a token when the API refuses one", async () => {
    const run = await pacer(["status", "--api", target.api, "--token", "not-a-jwt"]).done;

    expect(run.code).toBe(1);
    expect(run.stderr).toContain("refused the token");
    expect(run.stderr).toContain("npx pacer login");
  });
});

describe("pacer connect, connections, sync --connection, disconnect", () => {
  /** What the local stack's ZwiftRacing fake accepts: its tier, a key it issued, a club it has. */
  const fake = () =>
    target.local?.fakes.zwiftracing?.connection as {
      tier: string;
      credentials: { apiKey: string };
      settings: { clubId: number };
    };

  it.skipIf(externalTarget)(
    "connects twice, lists both, needs --connection to sync, and disconnects one",
    async () => {
      const { tier, credentials, settings } = fake();
      const token = (await target.tokenFor(`cli-conn-${Date.now().toString(36)}`)) ?? "";
      const as = ["--api", target.api, "--ws", target.ws, "--token", token];
      const keyFile = join(SCRATCH, "zr-key.json");
      writeFileSync(keyFile, JSON.stringify(credentials), { mode: 0o600 });
      const connect = ["connect", "zwiftracing", "--tier", tier, "--setting", `clubId=${settings.clubId}`];

      const first = await pacer([...connect, "--credentials-file", keyFile, ...as]).done;
      const typed = pacer([...connect, "--credential", "apiKey=@-", ...as]);
      typed.child.stdin?.end(`${credentials.apiKey}\n`);
      const second = await typed.done;
      const idOf = (run: Finished) =>
        /^connected zwiftracing: connection (c-[0-9a-f]{20}) /.exec(run.stdout)?.[1];
      const [firstId, secondId] = [idOf(first), idOf(second)];
      const listed = await pacer(["connections", ...as]).done;
      const ambiguous = await pacer(["sync", "zwiftracing", "rider", "--param", "riderId=10007", ...as]).done;
      const named = await pacer([
        "sync",
        "zwiftracing",
        "rider",
        "--param",
        "riderId=10007",
        "--connection",
        secondId ?? "",
        "--json",
        ...as,
      ]).done;
      const disconnected = await pacer(["disconnect", firstId ?? "", ...as]).done;
      const after = await pacer(["connections", "--json", ...as]).done;

      expect(first.code, first.stderr).toBe(0);
      expect(second.code, second.stderr).toBe(0);
      expect(firstId).toBeDefined();
      expect(secondId).toBeDefined();
      expect(first.stdout).toMatch(/credentials +fingerprint \S+/);
      for (const run of [first, second, listed, ambiguous, named, after]) {
        expect(run.stdout + run.stderr).not.toContain(credentials.apiKey);
      }
      expect(listed.code, listed.stderr).toBe(0);
      for (const id of [firstId, secondId]) {
        expect(listed.stdout).toMatch(new RegExp(`^${id} +zwiftracing +${tier} +yes `, "m"));
      }
      expect(ambiguous.code).toBe(2);
      expect(ambiguous.stderr).toContain(`${firstId}`);
      expect(ambiguous.stderr).toContain(`${secondId}`);
      expect(ambiguous.stderr).toContain("--connection <id>");
      expect(named.code, named.stderr).toBe(0);
      const { jobId } = JSON.parse(named.stdout) as { jobId: string };
      const job = await call<{ connectionId?: string }>({ api: target.api, token }, "GET", `/jobs/${jobId}`);
      expect(job.body.connectionId).toBe(secondId);
      expect(disconnected.code, disconnected.stderr).toBe(0);
      expect(disconnected.stdout).toContain(`disconnected ${firstId}`);
      const remaining = (JSON.parse(after.stdout) as { connections: { connectionId: string }[] }).connections;
      expect(remaining.map((c) => c.connectionId)).toEqual([secondId]);
    },
    60_000,
  );

  it("refuses a connection id it does not have with exit 1, saying where the ids are", async () => {
    const run = await pacer(["disconnect", "c-00000000000000000000", ...flags]).done;

    expect(run.code).toBe(1);
    expect(run.stderr).toContain("no connection c-00000000000000000000 for your tenant");
    expect(run.stderr).toContain("npx pacer connections");
  });
});

describe("pacer tail", () => {
  it("prints the updates of a sync triggered while it listens, and stops cleanly on Ctrl-C", async () => {
    // Updates follow writes: a fresh tenant (where the target mints tokens) has sessions to create.
    const token = (await target.tokenFor(`cli-${Date.now().toString(36)}`)) ?? target.token;
    const tail = pacer(["tail", "openf1/sessions", "--api", target.api, "--ws", target.ws, "--token", token]);
    try {
      await tail.stderr(/listening to openf1\/sessions/);

      await startSync({ api: target.api, token }, "openf1", "sessions");
      const line = await tail.line(/openf1\/sessions {2}(created|updated) /, 45_000);

      tail.child.kill("SIGINT");
      const finished = await tail.done;
      expect(line).toMatch(/^\d\d:\d\d:\d\d {2}openf1\/sessions {2}(created|updated) {2}sessions \S+ {2}\{"/);
      expect(finished.code).toBe(0);
    } finally {
      tail.child.kill("SIGKILL");
    }
  });
});

describe("pacer login against a fake Cognito user pool", () => {
  const FIRST_PASSWORD = "Admin-Set-Temp-Pass-1!";
  const NEW_PASSWORD = "Chosen-By-The-Operator-2!";
  let pool: FakeUserPool;

  beforeAll(async () => {
    pool = await startFakeUserPool({
      users: [
        { username: "ops@example.com", password: FIRST_PASSWORD, tenantId: "acme", mustChangePassword: true },
      ],
    });
  });

  afterAll(async () => {
    await pool?.stop();
  });

  function login(extra: readonly string[]): RunningCli {
    return pacer(
      [
        "login",
        "--user-pool-id",
        pool.userPoolId,
        "--client-id",
        pool.clientId,
        "--username",
        "ops@example.com",
        ...extra,
      ],
      { PACER_COGNITO_ENDPOINT: pool.endpoint },
    );
  }

  it("signs in a first time: new password, authenticator setup, and stores the ID token for its stack", async () => {
    const run = login(["--api", "https://api.example.test/v1", "--ws", "wss://ws.example.test/live"]);
    run.child.stdin?.write(`${FIRST_PASSWORD}\n${NEW_PASSWORD}\n${NEW_PASSWORD}\n`);
    const secret = (await run.stderr(/secret: ([A-Z2-7]+)/))[1] ?? "";
    run.child.stdin?.end(`${totpCode(secret, Date.now())}\n`);
    const finished = await run.done;

    const path = join(SCRATCH, "login.json");
    const stored = JSON.parse(readFileSync(path, "utf8")) as Record<string, string>;
    expect(finished.code, finished.stderr).toBe(0);
    expect(finished.stdout).toContain("signed in as ops@example.com (tenant acme)");
    expect(stored).toMatchObject({
      tenantId: "acme",
      api: "https://api.example.test/v1",
      ws: "wss://ws.example.test/live",
    });
    expect(claims(stored.idToken ?? "")["custom:tenant_id"]).toBe("acme");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(pool.user("ops@example.com")?.password).toBe(NEW_PASSWORD);
    // SRP: the password is proven, never sent.
    expect(pool.requests.some((r) => r.body.includes(FIRST_PASSWORD))).toBe(false);
    expect(finished.stdout + finished.stderr).not.toContain(FIRST_PASSWORD);
  });

  it("signs in again with the password and an authenticator code, printing only the ID token with --print", async () => {
    const secret = pool.user("ops@example.com")?.totpSecret ?? "";
    const run = login(["--print"]);
    run.child.stdin?.end(`${NEW_PASSWORD}\n${totpCode(secret, Date.now())}\n`);
    const finished = await run.done;

    expect(finished.code, finished.stderr).toBe(0);
    expect(finished.stdout.trim().split(".")).toHaveLength(3);
    expect(claims(finished.stdout.trim())["custom:tenant_id"]).toBe("acme");
    expect(finished.stderr).toContain("Authenticator code:");
    expect(finished.stdout + finished.stderr).not.toContain(NEW_PASSWORD);
  });

  it("refuses a wrong password with exit 1 and what to check", async () => {
    const run = login(["--print"]);
    run.child.stdin?.end("Not-The-Password-3!\n");
    const finished = await run.done;

    expect(finished.code).toBe(1);
    expect(finished.stderr).toContain("Cognito refused the sign-in");
    expect(finished.stdout).toBe("");
  });
});

function claims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;
}
