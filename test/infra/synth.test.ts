import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalog } from "#catalog/index.ts";
import { FUNCTIONS } from "#core/functions.ts";
import { REPO_ROOT } from "../../lib/constructs/pacer-function.ts";

const run = promisify(execFile);

interface LambdaResource {
  readonly Type: string;
  readonly Properties: { Environment?: { Variables?: Record<string, unknown> } };
  readonly Metadata?: Record<string, string>;
}

/**
 * Turns a CloudFormation value into a deploy-time look-alike: joins are joined, references become
 * "token", or an https URL where they lead the value (an issuer, a URL to append a path to).
 */
function standIn(value: unknown, leading = true): string {
  if (typeof value === "string") return value;
  if (typeof value === "object" && value !== null && "Fn::Join" in value) {
    const [separator, parts] = (value as { "Fn::Join": [string, unknown[]] })["Fn::Join"];
    return parts.map((part, i) => standIn(part, leading && i === 0)).join(separator);
  }
  return leading ? "https://token.example" : "token";
}

/**
 * The real thing, as `npm run synth` does it: the CLI runs bin/pacer.ts, esbuild bundles every
 * handler and cdk-nag validates. Written to a temporary directory so it never races a
 * colleague's cdk.out.
 */
describe("cdk synth (full, with bundling and cdk-nag)", () => {
  let outdir: string;
  let synth: { code: number; output: string };

  beforeAll(async () => {
    outdir = mkdtempSync(join(tmpdir(), "pacer-synth-"));
    try {
      const { stdout, stderr } = await run("npx", ["cdk", "synth", "--quiet", "-o", outdir], {
        cwd: REPO_ROOT,
        timeout: 170_000,
        maxBuffer: 16 * 1024 * 1024,
      });
      synth = { code: 0, output: stdout + stderr };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      synth = { code: e.code ?? 1, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
    }
  }, 180_000);

  afterAll(() => {
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  function lambdas(): [string, LambdaResource][] {
    const template = JSON.parse(readFileSync(join(outdir, "PacerStateless.template.json"), "utf8")) as {
      Resources: Record<string, LambdaResource>;
    };
    return Object.entries(template.Resources).filter(([, r]) => r.Type === "AWS::Lambda::Function");
  }

  it("exits 0 offline, with no validation findings", () => {
    expect(synth.output).not.toMatch(/AwsSolutions-/);
    expect(synth.code, synth.output).toBe(0);
  });

  it("bundles every function as an ESM index.mjs with a source map", () => {
    const functions = lambdas();
    // One per FUNCTIONS spec, and a worker per provider.
    expect(functions).toHaveLength(Object.keys(FUNCTIONS).length + catalog.providers.length);
    for (const [id, fn] of functions) {
      const asset = join(outdir, fn.Metadata?.["aws:asset:path"] ?? "missing");
      expect(existsSync(join(asset, "index.mjs")), id).toBe(true);
      expect(existsSync(join(asset, "index.mjs.map")), id).toBe(true);
    }
  });

  it("produces bundles that load under Node with exactly the environment the stack gives them", async () => {
    const failures: string[] = [];
    for (const [id, fn] of lambdas()) {
      const asset = join(outdir, fn.Metadata?.["aws:asset:path"] ?? "missing", "index.mjs");
      const env = Object.fromEntries(
        Object.entries(fn.Properties.Environment?.Variables ?? {}).map(([k, v]) => [k, standIn(v)]),
      );
      const script = `const m = await import(${JSON.stringify(pathToFileURL(asset).href)}); if (typeof m.handler !== "function") throw new Error("no handler export");`;
      try {
        await run(process.execPath, ["--input-type=module", "-e", script], {
          env: { PATH: process.env.PATH, AWS_REGION: "eu-west-1", NODE_NO_WARNINGS: "1", ...env },
          timeout: 30_000,
        });
      } catch (error) {
        failures.push(`${id}: ${(error as { stderr?: string }).stderr ?? String(error)}`);
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
