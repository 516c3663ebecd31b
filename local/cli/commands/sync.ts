import { ApiClient, ApiError } from "../api-client.ts";
import { StatusSchema, type SyncAccepted, SyncAcceptedSchema } from "../api-types.ts";
import { flag, parseParams, parseSeconds, stringOption, stringOptions } from "../args.ts";
import { type CommandContext, commandTarget, tokenForTenant } from "../context.ts";
import { CliError, UsageError } from "../errors.ts";
import { followJob, openJobsFeed } from "../follow.ts";

/** `pacer sync <provider> <syncType>`: POST /sync, and with --wait the job followed to its end. */
export async function run(ctx: CommandContext): Promise<number> {
  const [provider, syncType] = ctx.positionals as [string, string];
  const params = parseParams(stringOptions(ctx.values, "param"));
  const wait = flag(ctx.values, "wait");
  const json = flag(ctx.values, "json");
  const timeoutMs = parseSeconds(stringOption(ctx.values, "timeout"), "timeout", 600);
  const tenant = stringOption(ctx.values, "tenant");
  const connectionId = stringOption(ctx.values, "connection");
  const target = commandTarget(ctx);
  const token = await tokenForTenant(target, tenant);
  const api = new ApiClient(target, token);
  const { out } = ctx;
  const { style } = out.fmt;

  // Subscribed before the job exists, so not even its first change can slip past.
  const live = wait ? await openJobsFeed(ctx, target, token) : undefined;
  let accepted: SyncAccepted;
  try {
    accepted = await api.post(
      "/sync",
      {
        provider,
        syncType,
        ...(tenant === undefined ? {} : { tenantId: tenant }),
        ...(connectionId === undefined ? {} : { connectionId }),
        ...(Object.keys(params).length > 0 ? { params } : {}),
      },
      SyncAcceptedSchema,
    );
  } catch (error) {
    live?.close();
    throw await explainRefusal(api, error, provider);
  }

  if (!wait) {
    if (json) out.line(JSON.stringify(accepted));
    else {
      out.line(`started ${provider}/${syncType}: job ${style.bold(accepted.jobId)} (${accepted.status})`);
      out.note(style.dim(`follow it: npx pacer jobs ${accepted.jobId} --wait`));
    }
    return 0;
  }
  if (!json) out.line(`started ${provider}/${syncType}: job ${style.bold(accepted.jobId)}`);
  return await followJob(ctx, { api, jobId: accepted.jobId, live, timeoutMs, json });
}

/**
 * A refusal with the next step: an unknown provider or sync type names the known ones; a choice
 * of connections, or none, says how to name or make one.
 */
async function explainRefusal(api: ApiClient, error: unknown, provider: string): Promise<unknown> {
  if (!(error instanceof ApiError)) return error;
  const connectionHint = connectionRefusal(error, provider);
  if (connectionHint !== undefined) return connectionHint;
  if (error.code !== "UNKNOWN_SYNC") return error;
  const message = error.apiMessage;
  // An unknown sync type's message already lists the provider's; an unknown provider's does not.
  if (message.includes("(known:")) return new UsageError(message);
  let known: string | undefined;
  try {
    const status = await api.get("/status", StatusSchema);
    known = status.providers
      .map((p) => `${p.provider} (${p.syncTypes.map((s) => s.syncType).join(", ")})`)
      .join("; ");
  } catch {
    known = undefined;
  }
  return new UsageError(message, known ? `known providers and sync types: ${known}` : undefined);
}

/** The API's words on the connection a sync would run for, as the CLI's own error with a hint. */
export function connectionRefusal(error: ApiError, provider: string): CliError | undefined {
  const message = error.apiMessage;
  if (error.status === 400 && message.startsWith("connectionId:")) {
    // Several connections, or one that is not to this provider: either way, the id is to choose.
    return new UsageError(
      message,
      `choose one with --connection <id> (\`npx pacer connections\` lists yours)`,
    );
  }
  if (error.status === 404 && message.includes("connection")) {
    return new CliError(
      message,
      message.includes("no enabled")
        ? `connect first: \`npx pacer connect ${provider} …\` (or enable one: \`npx pacer connections <id> --enable\`)`
        : "`npx pacer connections` lists yours",
    );
  }
  if (error.status === 409 && message.includes("disabled")) {
    return new CliError(message, "enable it: `npx pacer connections <id> --enable`");
  }
  return undefined;
}
