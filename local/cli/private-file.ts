import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { z } from "zod";

/**
 * The CLI's own small state files (the running stack's record, a sign-in): JSON that only their
 * owner may read, because they hold tokens.
 */

/** Writes `value` as JSON readable by its owner only (mode 0600, also when the file existed). */
export function writePrivateJson(
  path: string,
  value: unknown,
  options: { readonly dirMode?: number } = {},
): void {
  mkdirSync(dirname(path), {
    recursive: true,
    ...(options.dirMode === undefined ? {} : { mode: options.dirMode }),
  });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** The file's JSON if `schema` accepts it; undefined when it is missing, unreadable, not JSON or off the schema. */
export function readJsonFile<T>(path: string, schema: z.ZodType<T>): T | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
