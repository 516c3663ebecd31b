import { UsageError } from "./errors.ts";

/**
 * What `pacer connect` and `pacer connections <id>` send: settings and credentials read from the
 * command line, a file or stdin. Pure but for the reads it is handed. No message here ever quotes
 * a credential value, nor a whole `--credential` argument (it may be the value alone, mistyped).
 */

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** `--setting k=v` values: numbers, true, false, null and "quoted" strings as JSON; the rest as strings. */
export function parseSettings(entries: readonly string[]): Record<string, unknown> {
  // A Map, then own properties: a key such as __proto__ is sent as given (for the API to refuse).
  const settings = new Map<string, unknown>();
  for (const entry of entries) {
    const at = entry.indexOf("=");
    if (at <= 0) throw new UsageError(`--setting ${entry}: expected k=v, e.g. --setting clubId=12345`);
    const key = entry.slice(0, at);
    if (settings.has(key)) throw new UsageError(`--setting ${key} is given twice`);
    settings.set(key, settingValue(entry.slice(at + 1), key));
  }
  return Object.fromEntries(settings);
}

function settingValue(raw: string, key: string): unknown {
  if (raw === "true") return true;
  if (raw === "false") return false;
  if (raw === "null") return null;
  if (JSON_NUMBER.test(raw)) return Number(raw);
  if (raw.startsWith('"')) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (typeof parsed === "string") return parsed;
    } catch {
      // reported below
    }
    throw new UsageError(`--setting ${key}: a value starting with " must be a JSON string, e.g. '"12345"'`);
  }
  return raw;
}

/** Where credentials come from besides the command line. */
export interface CredentialSources {
  /** The file's text (`-`: stdin's). */
  readFile(path: string): Promise<string>;
  /** One credential typed without echo, or the next line of stdin. */
  askHidden(question: string): Promise<string>;
}

/** The `@-` of `--credential k=@-`: the value is asked for instead. */
const FROM_STDIN = "@-";

/**
 * The credentials to send: `--credentials-file`'s object, then each `--credential k=v` (`k=@-`
 * asked for); undefined when none is given. A key given twice is a usage error.
 */
export async function readCredentials(
  file: string | undefined,
  entries: readonly string[],
  sources: CredentialSources,
): Promise<Record<string, string> | undefined> {
  if (file === undefined && entries.length === 0) return undefined;
  if (file === "-" && entries.some((e) => e.endsWith(`=${FROM_STDIN}`))) {
    throw new UsageError("stdin can carry --credentials-file - or --credential k=@-, not both");
  }
  const credentials = new Map(
    Object.entries(file === undefined ? {} : parseCredentialsFile(await readText(file, sources), file)),
  );
  for (const entry of entries) {
    const at = entry.indexOf("=");
    if (at <= 0) {
      throw new UsageError(
        "--credential: expected k=v (the argument is not shown: it may be a secret)",
        "e.g. --credential apiKey=@- to type it without echo",
      );
    }
    const key = entry.slice(0, at);
    if (credentials.has(key)) throw new UsageError(`credential ${key} is given twice`);
    const raw = entry.slice(at + 1);
    const value = raw === FROM_STDIN ? await sources.askHidden(`${key}: `) : raw;
    // Not named: a mistyped `--credential <the key itself>=` would print the secret.
    if (value === "") throw new UsageError("a --credential has an empty value");
    credentials.set(key, value);
  }
  return Object.fromEntries(credentials);
}

async function readText(path: string, sources: CredentialSources): Promise<string> {
  try {
    return await sources.readFile(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new UsageError(
      `--credentials-file ${path}: cannot read it (${typeof code === "string" ? code : "error"})`,
    );
  }
}

/**
 * A credentials file: one JSON object of strings. JSON.parse's own message quotes the text, so
 * it is not passed on.
 */
export function parseCredentialsFile(text: string, path: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(
      `--credentials-file ${path}: not valid JSON`,
      'expected one object of strings, e.g. {"apiKey": "…"}',
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`--credentials-file ${path}: expected a JSON object, e.g. {"apiKey": "…"}`);
  }
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== "string") {
      throw new UsageError(`--credentials-file ${path}: ${key} must be a string`);
    }
  }
  return Object.fromEntries(Object.entries(parsed));
}
