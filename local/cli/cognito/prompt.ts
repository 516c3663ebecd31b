import { createInterface, type Interface } from "node:readline";
import { CliError, InterruptedError } from "../errors.ts";

/**
 * Questions at the terminal, on stderr so stdout stays the command's result. Secrets are read
 * without echo (raw mode, nothing written back). Without a terminal (a pipe, a test) each answer
 * is the next line of stdin, and nothing is echoed either.
 */
export interface Prompter {
  ask(question: string): Promise<string>;
  askHidden(question: string): Promise<string>;
  close(): void;
}

export function createPrompter(
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WritableStream = process.stderr,
): Prompter {
  return input.isTTY ? terminalPrompter(input, output) : pipedPrompter(input, output);
}

function terminalPrompter(input: NodeJS.ReadStream, output: NodeJS.WritableStream): Prompter {
  return {
    ask: (question) =>
      new Promise((resolve, reject) => {
        const rl = createInterface({ input, output, terminal: true });
        rl.once("SIGINT", () => {
          rl.close();
          output.write("\n");
          reject(new InterruptedError());
        });
        rl.question(question, (answer) => {
          rl.close();
          resolve(answer.trim());
        });
      }),
    askHidden: (question) => readHidden(input, output, question),
    close: () => {},
  };
}

const ENTER = new Set(["\r", "\n"]);
const CTRL_C = "\u0003";
const CTRL_D = "\u0004";
const BACKSPACE = new Set(["\u007f", "\b"]);

function readHidden(
  input: NodeJS.ReadStream,
  output: NodeJS.WritableStream,
  question: string,
): Promise<string> {
  output.write(question);
  return new Promise((resolve, reject) => {
    let value = "";
    const wasRaw = input.isRaw;
    const finish = () => {
      input.off("data", onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write("\n");
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString("utf8")) {
        if (ENTER.has(ch)) {
          finish();
          resolve(value);
          return;
        }
        if (ch === CTRL_C || (ch === CTRL_D && value === "")) {
          finish();
          reject(new InterruptedError());
          return;
        }
        if (BACKSPACE.has(ch)) value = Array.from(value).slice(0, -1).join("");
        else if (ch >= " ") value += ch;
      }
    };
    input.setRawMode(true);
    input.resume();
    input.on("data", onData);
  });
}

function pipedPrompter(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Prompter {
  const lines: string[] = [];
  const waiting: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  let ended = false;
  let rl: Interface | undefined;
  const start = () => {
    if (rl) return;
    rl = createInterface({ input, terminal: false });
    rl.on("line", (line) => {
      const waiter = waiting.shift();
      if (waiter) waiter.resolve(line);
      else lines.push(line);
    });
    rl.on("close", () => {
      ended = true;
      for (const waiter of waiting.splice(0)) waiter.reject(noMoreInput());
    });
  };
  const next = (question: string) => {
    output.write(`${question}\n`);
    start();
    const line = lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (ended) return Promise.reject(noMoreInput());
    return new Promise<string>((resolve, reject) => waiting.push({ resolve, reject }));
  };
  return {
    ask: async (question) => (await next(question)).trim(),
    // A piped secret is used as it is, spaces included; only the line break is not part of it.
    askHidden: (question) => next(question),
    close: () => rl?.close(),
  };
}

function noMoreInput(): CliError {
  return new CliError(
    "stdin ended before every question was answered",
    "run it in a terminal, or pipe one answer a line",
  );
}
