import { readFile } from "node:fs/promises";
import { type OptionValues, stringOption, stringOptions } from "./args.ts";
import { createPrompter, type Prompter } from "./cognito/prompt.ts";
import { type CredentialSources, parseSettings, readCredentials } from "./connection-input.ts";

/**
 * The fields `connect` and `connections <id>` send, read from their options: only those given,
 * so a PATCH changes nothing else.
 */
export async function connectionFields(
  values: OptionValues,
  sources?: CredentialSources,
): Promise<{ tier?: string; settings?: Record<string, unknown>; credentials?: Record<string, string> }> {
  const tier = stringOption(values, "tier");
  const settingEntries = stringOptions(values, "setting");
  const own = sources === undefined ? processSources() : undefined;
  let credentials: Record<string, string> | undefined;
  try {
    credentials = await readCredentials(
      stringOption(values, "credentials-file"),
      stringOptions(values, "credential"),
      sources ?? (own as ProcessSources),
    );
  } finally {
    own?.close();
  }
  return {
    ...(tier === undefined ? {} : { tier }),
    ...(settingEntries.length === 0 ? {} : { settings: parseSettings(settingEntries) }),
    ...(credentials === undefined ? {} : { credentials }),
  };
}

interface ProcessSources extends CredentialSources {
  close(): void;
}

/**
 * The real file system and terminal: `-` is stdin; `k=@-` is asked for without echo. One
 * prompter for every `@-`, so piped answers are read one a line.
 */
function processSources(): ProcessSources {
  let prompter: Prompter | undefined;
  return {
    readFile: async (path) => (path === "-" ? await readStdin() : await readFile(path, "utf8")),
    askHidden: (question) => {
      prompter ??= createPrompter();
      return prompter.askHidden(question);
    },
    close: () => prompter?.close(),
  };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
