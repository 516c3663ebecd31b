import { setTimeout as sleep } from "node:timers/promises";
import { flag, stringOption } from "../args.ts";
import { type CommandContext, commandTarget, tokenForTenant } from "../context.ts";
import { CliError, UsageError } from "../errors.ts";
import { DEFAULT_LINE_WIDTH, formatLiveFrame } from "../live-format.ts";
import { requireWs, type Target, tokenHint } from "../target.ts";
import { type LiveConnection, LiveRefusalError, LiveUpgradeRefusedError, openLive } from "../ws.ts";

/** Waits between reconnects, doubling up to this. */
const MAX_BACKOFF_MS = 30_000;

/**
 * `pacer tail <topic>...`: subscribes and prints every update until Ctrl-C. A connection that
 * drops (API Gateway ends them after 2 h, or a stack restarts) is opened again with the same
 * subscriptions; a refused token or topic ends the command.
 */
export async function run(ctx: CommandContext): Promise<number> {
  const topics = [...new Set(ctx.positionals)];
  const json = flag(ctx.values, "json");
  const target = commandTarget(ctx);
  const ws = requireWs(target);
  const token = await tokenForTenant(target, stringOption(ctx.values, "tenant"));
  const { out } = ctx;
  let stopped = false;
  void ctx.stopped.then(() => {
    stopped = true;
  });

  let backoffMs = 1000;
  let first = true;
  while (!stopped) {
    let live: LiveConnection;
    try {
      live = await subscribed(ws, token, topics, target);
    } catch (error) {
      // A refused token or topic stays refused; an unreachable stack may come back.
      const final = error instanceof LiveUpgradeRefusedError || error instanceof UsageError;
      if (first || final || !(error instanceof CliError)) throw error;
      out.note(out.errFmt.style.dim(`${error.message}; trying again in ${backoffMs / 1000} s`));
      await Promise.race([sleep(backoffMs), ctx.stopped]);
      backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
      continue;
    }
    out.note(
      out.errFmt.style.dim(
        first
          ? `listening to ${topics.join(", ")} (Ctrl-C to stop)`
          : `reconnected; listening to ${topics.join(", ")}`,
      ),
    );
    first = false;
    backoffMs = 1000;
    live.onFrame((frame, raw) => {
      if (json) return out.line(raw);
      const line = formatLiveFrame(frame, ctx.now(), out.fmt, out.columns ?? DEFAULT_LINE_WIDTH);
      if (line !== undefined) out.line(line);
    });
    const outcome = await Promise.race([live.closed, ctx.stopped.then(() => "stopped" as const)]);
    if (outcome === "stopped") {
      live.close();
      await live.closed;
      break;
    }
    out.note(out.errFmt.style.dim(`the WebSocket closed (${outcome.code}); reconnecting`));
  }
  return 0;
}

async function subscribed(
  ws: string,
  token: string,
  topics: readonly string[],
  target: Target,
): Promise<LiveConnection> {
  const live = await openLive(ws, token, { tokenHint: tokenHint(target) });
  for (const topic of topics) {
    try {
      await live.subscribe(topic);
    } catch (error) {
      live.close();
      if (error instanceof LiveRefusalError)
        throw new UsageError(`cannot subscribe to ${topic}: ${error.message}`);
      throw error;
    }
  }
  return live;
}
