import type { ApiClient } from "./api-client.ts";
import { type Job, JobSchema } from "./api-types.ts";
import type { CommandContext } from "./context.ts";
import { CliError } from "./errors.ts";
import { formatClock, formatDuration } from "./format.ts";
import { describeJobState } from "./job-format.ts";
import { watchJob } from "./job-watch.ts";
import { type Target, tokenHint } from "./target.ts";
import { type LiveConnection, openLive } from "./ws.ts";

/**
 * `--wait`: the live job feed (opened before the job starts, so no change is missed) and the
 * progress lines, one per state, until the job ends or the deadline passes.
 */

/** The tenant's `jobs` topic, subscribed; undefined (with a note) when no socket can be had. */
export async function openJobsFeed(
  ctx: CommandContext,
  target: Target,
  token: string,
): Promise<LiveConnection | undefined> {
  if (target.ws === undefined) {
    ctx.out.note(ctx.out.errFmt.style.dim("no WebSocket URL (--ws / PACER_WS_URL): polling the job instead"));
    return undefined;
  }
  try {
    const live = await openLive(target.ws, token, { tokenHint: tokenHint(target) });
    try {
      await live.subscribe("jobs");
    } catch (error) {
      live.close();
      throw error;
    }
    return live;
  } catch (error) {
    const why = error instanceof CliError ? error.message : String(error);
    ctx.out.note(ctx.out.errFmt.style.dim(`${why}: polling the job instead`));
    return undefined;
  }
}

export interface FollowOptions {
  readonly api: ApiClient;
  readonly jobId: string;
  readonly live: LiveConnection | undefined;
  readonly timeoutMs: number;
  readonly json: boolean;
}

/** Prints each state change; returns the exit code: 0 succeeded or skipped, 1 failed or not ended in time. */
export async function followJob(ctx: CommandContext, options: FollowOptions): Promise<number> {
  const { out } = ctx;
  const { style } = out.fmt;
  const path = `/jobs/${encodeURIComponent(options.jobId)}`;
  const live = options.live;
  const watching = watchJob({
    fetchJob: () => options.api.get(path, JobSchema),
    ...(live
      ? {
          live: {
            onJob: (listener: (job: Job) => void) =>
              live.onFrame((frame) => {
                if (frame.type === "job" && frame.job.jobId === options.jobId) listener(frame.job);
              }),
            closed: live.closed,
          },
        }
      : {}),
    onChange: (job) => {
      if (options.json) out.line(JSON.stringify(job));
      else
        out.line(
          `  ${style.dim(formatClock(job.updatedAt ?? ctx.now(), out.fmt))}  ${describeJobState(job, ctx.now(), style)}`,
        );
    },
    onLiveLost: () => out.note(out.errFmt.style.dim("the WebSocket closed: polling the job instead")),
    timeoutMs: options.timeoutMs,
  }).finally(() => live?.close());
  const result = await Promise.race([watching, ctx.stopped.then(() => "stopped" as const)]);

  if (result === "stopped") {
    out.note(`stopped watching; the job goes on: \`npx pacer jobs ${options.jobId} --wait\``);
    return 130;
  }
  if (!result.ended) {
    const state = result.job?.status ?? "unknown";
    out.note(
      `${out.errFmt.style.yellow("still")} ${state} after ${formatDuration(options.timeoutMs)}; the job goes on: ` +
        `\`npx pacer jobs ${options.jobId} --wait\``,
    );
    return 1;
  }
  return result.job?.status === "failed" ? 1 : 0;
}
