import { ApiClient } from "../api-client.ts";
import { ConnectionDeletedSchema } from "../api-types.ts";
import { flag, stringOption } from "../args.ts";
import { type CommandContext, commandTarget, tokenForTenant } from "../context.ts";
import { notFound } from "./connections.ts";

/** `pacer disconnect <id>`: DELETE /connections/{id}. */
export async function run(ctx: CommandContext): Promise<number> {
  const [connectionId] = ctx.positionals as [string];
  const target = commandTarget(ctx);
  const api = new ApiClient(target, await tokenForTenant(target, stringOption(ctx.values, "tenant")));
  let deleted: unknown;
  try {
    deleted = await api.delete(`/connections/${encodeURIComponent(connectionId)}`, ConnectionDeletedSchema);
  } catch (error) {
    throw notFound(error, connectionId);
  }
  if (flag(ctx.values, "json")) ctx.out.line(JSON.stringify(deleted));
  else ctx.out.line(`disconnected ${connectionId}: its schedules and stored credentials are gone`);
  return 0;
}
