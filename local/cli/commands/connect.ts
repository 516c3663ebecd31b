import { z } from "zod";
import { ApiClient } from "../api-client.ts";
import { ConnectionSchema } from "../api-types.ts";
import { flag, stringOption } from "../args.ts";
import { formatConnection } from "../connection-format.ts";
import { connectionFields } from "../connection-request.ts";
import { type CommandContext, commandTarget, tokenForTenant } from "../context.ts";

/** `pacer connect <provider>`: POST /connections, then the new connection in full. */
export async function run(ctx: CommandContext): Promise<number> {
  const [provider] = ctx.positionals as [string];
  // Read (and asked for) before anything goes out, so a typo fails before a secret is typed twice.
  const fields = await connectionFields(ctx.values);
  const target = commandTarget(ctx);
  const api = new ApiClient(target, await tokenForTenant(target, stringOption(ctx.values, "tenant")));
  const body = { provider, ...fields };
  const { out } = ctx;
  if (flag(ctx.values, "json")) {
    out.line(JSON.stringify(await api.post("/connections", body, z.unknown())));
    return 0;
  }
  const connection = await api.post("/connections", body, ConnectionSchema);
  const scheduled = connection.syncTypes.filter((s) => s.scheduled).length;
  out.line(
    `connected ${provider}: connection ${out.fmt.style.bold(connection.connectionId)} ` +
      `(${scheduled} of ${connection.syncTypes.length} sync types scheduled)`,
  );
  out.line("");
  out.line(formatConnection(connection, out.fmt));
  return 0;
}
