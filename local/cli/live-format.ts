import type { ServerFrame } from "./api-types.ts";
import { clip, type Formatter, formatClock, visibleLength } from "./format.ts";
import { describeJobState } from "./job-format.ts";

/** What one line of `pacer tail` may take when the terminal's width is unknown. */
export const DEFAULT_LINE_WIDTH = 160;

/**
 * One readable line per server frame: time, topic, what changed and a clipped glimpse of the
 * data; undefined for frames that are no news (acknowledgements, pongs).
 */
export function formatLiveFrame(
  frame: ServerFrame,
  nowMs: number,
  fmt: Formatter,
  width = DEFAULT_LINE_WIDTH,
): string | undefined {
  const { style } = fmt;
  switch (frame.type) {
    case "update": {
      const time = formatClock(frame.at ?? nowMs, fmt);
      const change = frame.change === "deleted" ? style.red(frame.change) : style.green(frame.change);
      const head = `${style.dim(time)}  ${style.cyan(frame.topic)}  ${change}  ${style.bold(`${frame.entity.type} ${frame.entity.id}`)}`;
      const body = frame.dataOmitted
        ? style.dim(
            `(data omitted: ${Math.round(frame.dataOmitted.bytes / 1024)} KB, ${frame.dataOmitted.reason})`,
          )
        : frame.entity.data === undefined
          ? ""
          : clip(JSON.stringify(frame.entity.data), Math.max(20, width - visibleLength(head) - 2));
      return body ? `${head}  ${body}` : head;
    }
    case "job": {
      const job = frame.job;
      const time = formatClock(job.updatedAt ?? nowMs, fmt);
      return `${style.dim(time)}  ${style.cyan("jobs")}  ${style.bold(job.jobId)}  ${job.provider}/${job.syncType}  ${describeJobState(job, nowMs, style)}`;
    }
    case "error":
      return `${style.dim(formatClock(nowMs, fmt))}  ${style.red(`error ${frame.error.code}`)}: ${frame.error.message}`;
    case "other":
      return `${style.dim(formatClock(nowMs, fmt))}  ${clip(JSON.stringify(frame.raw) ?? "", width - 10)}`;
    default:
      return undefined;
  }
}
