import type { z } from "zod";
import { ValidationError } from "#core/errors.ts";
import type { SyncRun } from "#providers/types.ts";
import type { RsuContext } from "./client.ts";
import { type RunSignUpSettings, runsignup } from "./definition.ts";

/** What every sync starts from: the connection's settings, and a context that calls with its key. */
export interface RsuConnection {
  readonly settings: RunSignUpSettings;
  readonly context: RsuContext;
}

/**
 * Parses the run's connection with the definition's own schemas. A connection made before a schema
 * changed fails with the field at fault, never with a credential's value.
 */
export function connectionOf(run: Pick<SyncRun, "connection" | "fetch" | "now">): RsuConnection {
  const { settings: settingsSchema, credentials: credentialsSchema } = runsignup.connection;
  const settings = settingsSchema.safeParse(run.connection.settings);
  if (!settings.success)
    throw new ValidationError(`RunSignUp connection ${problem("settings", settings.error)}`);
  if (run.connection.credentials === undefined)
    throw new ValidationError(
      'RunSignUp connection has no credentials: give it an API v2 key (credentials {"apiKey","apiSecret"})',
    );
  const credentials = credentialsSchema.safeParse(run.connection.credentials);
  if (!credentials.success)
    throw new ValidationError(`RunSignUp connection ${problem("credentials", credentials.error)}`);
  const { apiKey, apiSecret } = credentials.data;
  return { settings: settings.data, context: { fetch: run.fetch, now: run.now, apiKey, apiSecret } };
}

/** How a not-found answer names a race: the setting it came from. */
export const raceSubject = (raceId: number | string) =>
  `race ${raceId} (in the connection's raceIds setting)`;

/** `settings.raceIds.0: …`; zod's messages name the expectation, never the value given. */
function problem(what: string, error: z.ZodError): string {
  const issue = error.issues[0];
  const path = issue?.path.map(String).join(".") ?? "";
  return `${what}${path === "" ? "" : `.${path}`}: ${issue?.message ?? "not valid"}`;
}
