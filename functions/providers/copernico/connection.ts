import type { z } from "zod";
import { ValidationError } from "#core/errors.ts";
import type { SyncRun } from "#providers/types.ts";
import type { CopernicoContext } from "./client.ts";
import { type CopernicoSettings, copernico } from "./definition.ts";

/** The header the push sends the key in when the connection names none. UNVERIFIED: see ./README.md. */
export const DEFAULT_API_KEY_HEADER = "x-api-key";

/** What every sync starts from: the connection's settings, and a context that calls Copernico with its key. */
export interface CopernicoConnection {
  readonly settings: CopernicoSettings;
  readonly context: CopernicoContext;
}

/**
 * Parses the run's connection with the definition's own schemas. A run may carry a connection
 * from before a schema changed: it fails with the field at fault, never with the key's value.
 */
export function connectionOf(run: Pick<SyncRun, "connection" | "fetch" | "now">): CopernicoConnection {
  const { settings: settingsSchema, credentials: credentialsSchema } = copernico.connection;
  const settings = settingsSchema.safeParse(run.connection.settings);
  if (!settings.success)
    throw new ValidationError(`Copernico connection ${problem("settings", settings.error)}`);
  if (run.connection.credentials === undefined)
    throw new ValidationError(
      'Copernico connection has no credentials: give it the apiKey Timingsense issued (credentials {"apiKey"})',
    );
  const credentials = credentialsSchema.safeParse(run.connection.credentials);
  if (!credentials.success)
    throw new ValidationError(`Copernico connection ${problem("credentials", credentials.error)}`);
  return {
    settings: settings.data,
    context: {
      fetch: run.fetch,
      now: run.now,
      apiKey: credentials.data.apiKey,
      apiKeyHeader: (settings.data.apiKeyHeader ?? DEFAULT_API_KEY_HEADER).toLowerCase(),
    },
  };
}

/** `settings.presetLogin: …`; zod's messages name the expectation, never the value given. */
function problem(what: string, error: z.ZodError): string {
  const issue = error.issues[0];
  const path = issue?.path.map(String).join(".") ?? "";
  return `${what}${path === "" ? "" : `.${path}`}: ${issue?.message ?? "not valid"}`;
}
