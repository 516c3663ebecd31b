import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { readJsonFile, writePrivateJson } from "./private-file.ts";

/**
 * Where `pacer login` keeps the ID token it got, with the stack it is for, so that the other
 * commands can use it. Only its owner may read the file; `PACER_LOGIN_FILE` moves it.
 */

export const LOGIN_FILE_ENV_VAR = "PACER_LOGIN_FILE";

const savedLoginSchema = z.object({
  idToken: z.string().min(1),
  expiresAt: z.iso.datetime(),
  username: z.string(),
  tenantId: z.string().optional(),
  userPoolId: z.string(),
  clientId: z.string(),
  api: z.url().optional(),
  ws: z.url().optional(),
  savedAt: z.iso.datetime(),
});

export type SavedLogin = z.infer<typeof savedLoginSchema>;

export function loginPath(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env[LOGIN_FILE_ENV_VAR];
  if (explicit) return explicit;
  const config = env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return join(config, "pacer", "login.json");
}

export function saveLogin(login: SavedLogin, path = loginPath()): void {
  writePrivateJson(path, login, { dirMode: 0o700 });
}

/** The stored sign-in, expired or not; undefined when there is none (or it is unreadable). */
export function readLogin(path = loginPath()): SavedLogin | undefined {
  return readJsonFile(path, savedLoginSchema);
}
