import type { Status } from "./api-types.ts";
import { type Formatter, formatDateTime, formatDuration, formatPeriod, renderTable } from "./format.ts";

/** `GET /status` as two tables: the sync types (freshness first), then each limit's permits. */
export function formatStatus(status: Status, nowMs: number, fmt: Formatter): string {
  const { style } = fmt;
  const syncRows = status.providers.flatMap((p) =>
    p.syncTypes.map((s) => [
      p.provider,
      s.syncType,
      s.cadence ?? "",
      lastStatus(s.lastStatus, fmt),
      s.lastSuccessAt ? formatDateTime(s.lastSuccessAt, fmt) : style.dim("never"),
      s.freshnessSeconds === null || s.freshnessSeconds === undefined
        ? style.dim("-")
        : formatDuration(s.freshnessSeconds * 1000),
      s.pendingJobs > 0 ? style.yellow(String(s.pendingJobs)) : "0",
    ]),
  );
  const limitRows = status.providers.flatMap((p) =>
    p.limits.map((l) => {
      const used = `${l.used}/${l.calls}`;
      return [
        p.provider,
        l.limitId,
        l.scope ?? "",
        `${l.used >= l.calls ? style.red(used) : used} per ${formatPeriod(l.perMs)}`,
        String(l.reserved),
        pausedFor(l.pausedUntil, nowMs, fmt),
      ];
    }),
  );
  const header = status.tenantId ? `${style.dim("tenant")} ${style.bold(status.tenantId)}\n\n` : "";
  const syncs = renderTable(
    ["PROVIDER", "SYNC TYPE", "CADENCE", "LAST RUN", "LAST SUCCESS", "FRESHNESS", "PENDING"],
    syncRows,
    style,
  );
  const limits = renderTable(
    ["PROVIDER", "LIMIT", "SCOPE", "PERMITS USED", "RESERVED", "PAUSED"],
    limitRows,
    style,
  );
  return `${header}${syncs}\n\n${limits}\n`;
}

/** A provider's pause (after a 429) as the time it has left. */
function pausedFor(pausedUntil: string | undefined, nowMs: number, fmt: Formatter): string {
  const left = pausedUntil === undefined ? Number.NaN : Date.parse(pausedUntil) - nowMs;
  return left > 0 ? fmt.style.red(`${formatDuration(left)} left`) : fmt.style.dim("-");
}

function lastStatus(status: string | null | undefined, fmt: Formatter): string {
  const { style } = fmt;
  if (!status) return style.dim("-");
  if (status === "succeeded" || status === "skipped") return style.green(status);
  if (status === "failed") return style.red(status);
  return style.yellow(status);
}
