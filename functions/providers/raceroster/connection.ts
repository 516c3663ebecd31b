import type { z } from "zod";
import { ValidationError } from "#core/errors.ts";
import type { SyncRun } from "#providers/types.ts";
import type { AuthContext } from "./auth.ts";
import { type RaceRosterSettings, raceroster } from "./definition.ts";

/** What every sync starts from: the connection's settings, and what its calls authenticate with. */
export interface RrConnection {
  readonly settings: RaceRosterSettings;
  readonly context: AuthContext;
}

/**
 * Parses the run's connection with the definition's own schemas (a run may carry a connection
 * from before a schema changed). A problem names the field, never its value.
 */
export function connectionOf(run: Pick<SyncRun, "connection" | "fetch" | "now">): RrConnection {
  const { settings: settingsSchema, credentials: credentialsSchema } = raceroster.connection;
  const settings = settingsSchema.safeParse(run.connection.settings);
  if (!settings.success)
    throw new ValidationError(`Race Roster connection ${problem("settings", settings.error)}`);
  if (run.connection.credentials === undefined)
    throw new ValidationError(
      "Race Roster connection has no credentials: give it {clientId, clientSecret, username, password}",
    );
  const credentials = credentialsSchema.safeParse(run.connection.credentials);
  if (!credentials.success)
    throw new ValidationError(`Race Roster connection ${problem("credentials", credentials.error)}`);
  return {
    settings: settings.data,
    context: { fetch: run.fetch, now: run.now, connection: run.connection, credentials: credentials.data },
  };
}

/** A non-negative integer of a checkpoint, or 0. */
export function checkpointInt(value: unknown): number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : 0;
}

/** `settings.eventIds: …`; zod's messages name the expectation, never the value given. */
function problem(what: string, error: z.ZodError): string {
  const issue = error.issues[0];
  const path = issue?.path.map(String).join(".") ?? "";
  return `${what}${path === "" ? "" : `.${path}`}: ${issue?.message ?? "not valid"}`;
}
