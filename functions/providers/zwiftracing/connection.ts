import type { z } from "zod";
import { ValidationError } from "#core/errors.ts";
import type { Checkpoint, SyncRun } from "#providers/types.ts";
import type { ZrContext } from "./client.ts";
import { type ZwiftRacingSettings, zwiftracing } from "./definition.ts";

/** What every sync starts from: the connection's settings, and a context that calls ZR with its key. */
export interface ZrConnection {
  readonly settings: ZwiftRacingSettings;
  readonly context: ZrContext;
}

/**
 * Parses the run's connection with the definition's own schemas. The API checked them when the
 * connection was made, but a run may carry a connection from before a schema changed: it fails
 * with the field at fault, and never with the key's value.
 */
export function connectionOf(run: Pick<SyncRun, "connection" | "fetch" | "now">): ZrConnection {
  const { settings: settingsSchema, credentials: credentialsSchema } = zwiftracing.connection;
  const settings = settingsSchema.safeParse(run.connection.settings);
  if (!settings.success)
    throw new ValidationError(`ZwiftRacing.app connection ${problem("settings", settings.error)}`);
  if (run.connection.credentials === undefined)
    throw new ValidationError(
      'ZwiftRacing.app connection has no credentials: give it an apiKey (credentials {"apiKey"})',
    );
  const credentials = credentialsSchema.safeParse(run.connection.credentials);
  if (!credentials.success)
    throw new ValidationError(`ZwiftRacing.app connection ${problem("credentials", credentials.error)}`);
  return {
    settings: settings.data,
    context: { fetch: run.fetch, now: run.now, apiKey: credentials.data.apiKey },
  };
}

/**
 * The experimental sync types use endpoints ZR does not document. The scheduler and `POST /sync`
 * already hold them back (`requiresSetting`); this keeps a stray queued job from calling them.
 */
export function requireExperimental(settings: ZwiftRacingSettings, syncType: string): void {
  if (settings.experimental !== true)
    throw new ValidationError(
      `ZwiftRacing.app sync type "${syncType}" uses undocumented endpoints: set the connection's experimental setting to true`,
    );
}

/** The riderId a run resumes after (its checkpoint's `after`), or 0 to start at the beginning. */
export function resumeAfter(checkpoint: Checkpoint | undefined): number {
  const after = checkpoint?.after;
  return typeof after === "number" && Number.isSafeInteger(after) && after >= 0 ? after : 0;
}

/** `settings.clubId: …`; zod's messages name the expectation, never the value given. */
function problem(what: string, error: z.ZodError): string {
  const issue = error.issues[0];
  const path = issue?.path.map(String).join(".") ?? "";
  return `${what}${path === "" ? "" : `.${path}`}: ${issue?.message ?? "not valid"}`;
}
