import type { z } from "zod";
import { ValidationError } from "#core/errors.ts";
import type { SyncRun } from "#providers/types.ts";
import type { CtContext } from "./client.ts";
import { type ChronoTrackSettings, chronotrack } from "./definition.ts";

/** What every sync starts from: the connection's settings, and a context that calls ChronoTrack. */
export interface CtConnection {
  readonly settings: ChronoTrackSettings;
  readonly context: CtContext;
}

/**
 * Parses the run's connection with the definition's own schemas. The API checked them when the
 * connection was made, but a run may carry one from before a schema changed: it fails naming the
 * field at fault, never its value.
 */
export function connectionOf(run: Pick<SyncRun, "connection" | "fetch" | "now">): CtConnection {
  const { settings: settingsSchema, credentials: credentialsSchema } = chronotrack.connection;
  const settings = settingsSchema.safeParse(run.connection.settings);
  if (!settings.success)
    throw new ValidationError(`ChronoTrack connection ${problem("settings", settings.error)}`);
  if (run.connection.credentials === undefined)
    throw new ValidationError(
      'ChronoTrack connection has no credentials: give it credentials {"clientId","userId","password"}',
    );
  const credentials = credentialsSchema.safeParse(run.connection.credentials);
  if (!credentials.success)
    throw new ValidationError(`ChronoTrack connection ${problem("credentials", credentials.error)}`);
  return {
    settings: settings.data,
    context: { fetch: run.fetch, now: run.now, credentials: credentials.data },
  };
}

/**
 * Pushing participants uses a write endpoint the facts do not document. The scheduler and
 * `POST /sync` already hold it back (`requiresSetting`); this keeps a stray queued job from calling it.
 */
export function requireExperimental(settings: ChronoTrackSettings, syncType: string): void {
  if (settings.experimental !== true)
    throw new ValidationError(
      `ChronoTrack sync type "${syncType}" uses an undocumented write endpoint: set the connection's experimental setting to true`,
    );
}

/** `settings.eventIds.0: …`; zod's messages name the expectation, never the value given. */
function problem(what: string, error: z.ZodError): string {
  const issue = error.issues[0];
  const path = issue?.path.map(String).join(".") ?? "";
  return `${what}${path === "" ? "" : `.${path}`}: ${issue?.message ?? "not valid"}`;
}
