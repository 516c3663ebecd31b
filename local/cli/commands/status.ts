import { ApiClient } from "../api-client.ts";
import { StatusSchema } from "../api-types.ts";
import { flag, stringOption } from "../args.ts";
import { type CommandContext, commandTarget, tokenForTenant } from "../context.ts";
import { formatStatus } from "../status-format.ts";

/** `pacer status`: GET /status as tables (or its JSON). */
export async function run(ctx: CommandContext): Promise<number> {
  const target = commandTarget(ctx);
  const api = new ApiClient(target, await tokenForTenant(target, stringOption(ctx.values, "tenant")));
  if (flag(ctx.values, "json")) {
    ctx.out.line(JSON.stringify(await api.getJson("/status")));
    return 0;
  }
  const status = await api.get("/status", StatusSchema);
  ctx.out.line(formatStatus(status, ctx.now(), ctx.out.fmt).trimEnd());
  return 0;
}
