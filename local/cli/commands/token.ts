import { flag, stringOption } from "../args.ts";
import { type CommandContext, commandTarget, requestDevToken } from "../context.ts";

/** The tenant a dev token is for when none is asked for and no running stack says. */
const FALLBACK_TENANT = "default";

/** `pacer token [--tenant T]`: a dev token from the local stand-in, alone on stdout. */
export async function run(ctx: CommandContext): Promise<number> {
  const target = commandTarget(ctx);
  const tenantId = stringOption(ctx.values, "tenant") ?? target.localTenant ?? FALLBACK_TENANT;
  const token = await requestDevToken(target, tenantId);
  ctx.out.line(flag(ctx.values, "json") ? JSON.stringify({ token, tenantId }) : token);
  return 0;
}
