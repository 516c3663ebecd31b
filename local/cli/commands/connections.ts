import { z } from "zod";
import { ApiClient, ApiError } from "../api-client.ts";
import { type Connection, ConnectionListSchema, ConnectionSchema } from "../api-types.ts";
import { flag, stringOption } from "../args.ts";
import { formatConnection, formatConnections } from "../connection-format.ts";
import { connectionFields } from "../connection-request.ts";
import { type CommandContext, commandTarget, tokenForTenant } from "../context.ts";
import { CliError, UsageError } from "../errors.ts";

/**
 * `pacer connections [<id>]`: GET /connections as a table, or one connection in full; with an id
 * and a change (--enable, --disable, --tier, --setting, credentials), PATCH it first.
 */
export async function run(ctx: CommandContext): Promise<number> {
  const connectionId = ctx.positionals[0];
  const enable = flag(ctx.values, "enable");
  const disable = flag(ctx.values, "disable");
  if (enable && disable) throw new UsageError("--enable or --disable, not both");
  const fields = await connectionFields(ctx.values);
  const patch = { ...(enable || disable ? { enabled: enable } : {}), ...fields };
  const changes = Object.keys(patch).length > 0;
  if (connectionId === undefined && changes) {
    throw new UsageError("which connection to change?", "e.g. `npx pacer connections c-0f8c… --disable`");
  }
  const target = commandTarget(ctx);
  const api = new ApiClient(target, await tokenForTenant(target, stringOption(ctx.values, "tenant")));
  const json = flag(ctx.values, "json");
  const { out } = ctx;

  if (connectionId === undefined) {
    if (json) out.line(JSON.stringify(await api.getJson("/connections")));
    else
      out.line(formatConnections((await api.get("/connections", ConnectionListSchema)).connections, out.fmt));
    return 0;
  }
  const path = `/connections/${encodeURIComponent(connectionId)}`;
  // With --json, the answer as it came; else checked, to be laid out.
  const schema = json ? z.unknown() : ConnectionSchema;
  let answer: unknown;
  try {
    answer = changes ? await api.patch(path, patch, schema) : await api.get(path, schema);
  } catch (error) {
    throw notFound(error, connectionId);
  }
  out.line(json ? JSON.stringify(answer) : formatConnection(answer as Connection, out.fmt));
  return 0;
}

/** A 404 on a connection's path: name it and say where the ids are. */
export function notFound(error: unknown, connectionId: string): unknown {
  if (!(error instanceof ApiError && error.status === 404)) return error;
  return new CliError(`no connection ${connectionId} for your tenant`, "`npx pacer connections` lists yours");
}
