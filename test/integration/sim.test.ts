/**
 * `npm run simulate` end to end: half an hour of the zwift-club workload, both strategies, each on
 * a fresh in-process stack on the virtual clock. What a user reads from it: two strategy lines
 * with every documented key, then the summary; no 429 from the provider; a dollar figure.
 * (The acceptance command itself is `--days 1`; a shorter run keeps the suite's time down.)
 */
import { execFile } from "node:child_process";
import { describe, expect, it } from "vitest";

const REPO = new URL("../..", import.meta.url).pathname;
const RUN_LIMIT_MS = 600_000;

function simulate(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "npm",
      ["exec", "--", "tsx", "sim/main.ts", ...args],
      { cwd: REPO, timeout: RUN_LIMIT_MS, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe("npm run simulate", () => {
  it(
    "prints one line per strategy with calls, 429s, read ages, AWS operations and dollars, then a summary",
    async () => {
      // Act
      const { code, stdout, stderr } = await simulate([
        "--workload",
        "zwift-club",
        "--hours",
        "0.5",
        "--json-only",
      ]);

      // Assess
      expect(code, stderr.slice(-2_000)).toBe(0);
      const lines = stdout
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines).toHaveLength(3);
      const [seed, pacer, summary] = lines as [
        Record<string, unknown>,
        Record<string, unknown>,
        Record<string, unknown>,
      ];
      expect([seed.strategy, pacer.strategy]).toEqual(["seed", "pacer"]);
      for (const line of [seed, pacer]) {
        expect(line).toMatchObject({ workload: "zwift-club", days: 0.5 / 24, answers429: 0 });
        expect(Object.keys(line)).toEqual(
          expect.arrayContaining([
            "calls",
            "readAge",
            "manualTriggerLatencySeconds",
            "aws",
            "usd",
            "priceTable",
            "virtualSeconds",
            "wallSeconds",
          ]),
        );
        const calls = line.calls as { perDay: Record<string, number>; total: number };
        expect(calls.total).toBeGreaterThan(0);
        expect(Object.keys(calls.perDay).every((key) => key.startsWith("zwiftracing:"))).toBe(true);
        const aws = line.aws as Record<string, Record<string, number>>;
        expect(Object.keys(aws).sort()).toEqual(["apiGateway", "dynamodb", "lambda", "scheduler", "sqs"]);
        expect(aws.lambda?.invocations).toBeGreaterThan(0);
        expect(aws.dynamodb?.writeUnits).toBeGreaterThan(0);
        expect((line.usd as { perDay: number }).perDay).toBeGreaterThan(0);
        expect(line.virtualSeconds).toBe(1_800);
      }
      expect(summary).toMatchObject({ summary: true, workload: "zwift-club" });
      expect(typeof summary.pacerCallsVsSeed).toBe("number");
    },
    RUN_LIMIT_MS,
  );

  it("refuses an unknown workload with a clear message and a non-zero exit", async () => {
    const { code, stderr } = await simulate(["--workload", "nope", "--days", "1"]);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown workload "nope"');
  });
});
