import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { type CommandLine, type CommandName, parseCommandLine } from "./args.ts";
import type { CommandContext } from "./context.ts";
import { CliError, InterruptedError } from "./errors.ts";
import { colourWanted, createStyle } from "./format.ts";
import { commandUsage, usage } from "./help.ts";

/**
 * `npx pacer`: parses the command line first and loads only the command it names, so `--help`
 * and usage errors answer at once. Exit codes: 0 done, 1 failed, 2 usage error, 130 interrupted.
 */

interface CommandModule {
  run(ctx: CommandContext): Promise<number>;
}

const COMMAND_MODULES: Record<CommandName, () => Promise<CommandModule>> = {
  sync: () => import("./commands/sync.ts"),
  jobs: () => import("./commands/jobs.ts"),
  status: () => import("./commands/status.ts"),
  connections: () => import("./commands/connections.ts"),
  connect: () => import("./commands/connect.ts"),
  disconnect: () => import("./commands/disconnect.ts"),
  tail: () => import("./commands/tail.ts"),
  token: () => import("./commands/token.ts"),
  openapi: () => import("./commands/openapi.ts"),
  login: () => import("./commands/login.ts"),
};

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let line: CommandLine;
  try {
    line = parseCommandLine(argv);
  } catch (error) {
    return report(error, env);
  }
  if (line.kind === "help") {
    process.stdout.write(line.command === undefined ? usage() : commandUsage(line.command));
    return 0;
  }
  if (line.kind === "version") {
    process.stdout.write(`pacer ${packageVersion()} (node ${process.version})\n`);
    return 0;
  }

  const { processOutput } = await import("./context.ts");
  // Signal handlers only for a command that asks (tail, --wait): elsewhere Ctrl-C ends at once.
  let stopped: Promise<void> | undefined;
  const onStop = () =>
    (stopped ??= new Promise<void>((done) => {
      process.once("SIGINT", () => done());
      process.once("SIGTERM", () => done());
    }));
  try {
    const command = await COMMAND_MODULES[line.command]();
    return await command.run({
      values: line.values,
      positionals: line.positionals,
      env,
      out: processOutput(env),
      now: Date.now,
      get stopped() {
        return onStop();
      },
    });
  } catch (error) {
    return report(error, env);
  }
}

/** Says what went wrong on stderr, with the next step when there is one; returns the exit code. */
function report(error: unknown, env: NodeJS.ProcessEnv): number {
  const style = createStyle(colourWanted(process.stderr, env));
  if (error instanceof InterruptedError) return error.exitCode;
  if (error instanceof CliError) {
    process.stderr.write(`${style.red("pacer:")} ${error.message}\n`);
    if (error.hint) process.stderr.write(`  ${style.dim("→")} ${error.hint}\n`);
    return error.exitCode;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`${style.red("pacer: unexpected error")} (a bug in the CLI):\n${detail}\n`);
  return 1;
}

function packageVersion(): string {
  try {
    const path = resolve(import.meta.dirname, "../../package.json");
    return (JSON.parse(readFileSync(path, "utf8")) as { version?: string }).version ?? "unknown";
  } catch {
    return "unknown";
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`pacer: ${String(error)}\n`);
    process.exit(1);
  },
);
