import { ApiClient, ApiError } from "../api-client.ts";
import { type Job, JobSchema } from "../api-types.ts";
import { flag, parseSeconds, stringOption } from "../args.ts";
import { type CommandContext, commandTarget, tokenForTenant } from "../context.ts";
import { CliError, UsageError } from "../errors.ts";
import { followJob, openJobsFeed } from "../follow.ts";
import { formatJobBlock } from "../job-format.ts";

/** `pacer jobs <jobId>`: one job's record; `--wait` follows it as `sync --wait` does. */
export async function run(ctx: CommandContext): Promise<number> {
  const jobId = ctx.positionals[0];
  if (jobId === undefined) {
    throw new UsageError(
      "which job? The API reads one job at a time (GET /jobs/{jobId}); it has no route that lists jobs",
      "job ids come from `npx pacer sync …` (it prints the id it started) and `npx pacer tail jobs` " +
        "(every job change of your tenant as it happens, ids included)",
    );
  }
  const target = commandTarget(ctx);
  const token = await tokenForTenant(target, stringOption(ctx.values, "tenant"));
  const api = new ApiClient(target, token);
  const json = flag(ctx.values, "json");

  if (flag(ctx.values, "wait")) {
    const timeoutMs = parseSeconds(stringOption(ctx.values, "timeout"), "timeout", 600);
    const live = await openJobsFeed(ctx, target, token);
    return await followJob(ctx, { api, jobId, live, timeoutMs, json });
  }
  let job: Job;
  try {
    job = await api.get(`/jobs/${encodeURIComponent(jobId)}`, JobSchema);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
    throw new CliError(
      `no job ${jobId} for your tenant`,
      "check the id (`npx pacer tail jobs` shows ids as jobs change); records expire after the retention period",
    );
  }
  ctx.out.line(json ? JSON.stringify(job) : formatJobBlock(job, ctx.now(), ctx.out.fmt));
  return 0;
}
