import type { Status } from "./api-types.ts";
import { type Formatter, formatDateTime, formatDuration, formatPeriod, renderTable } from "./format.ts";

/**
 * `GET /status` as two tables: the sync types (freshness first), then each limit's permits,
 * grouped per connection (each has a budget of its own).
 */
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
  const limitRows = limitGroups(status).flatMap(({ provider, connectionId, limits }) =>
    limits.map((l, i) => {
      const used = `${l.used}/${l.calls}`;
      return [
        // The group's names on its first row only, so each connection's limits read as a block.
        i === 0 ? provider : "",
        i === 0 ? (connectionId ?? style.dim("-")) : "",
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
    ["PROVIDER", "CONNECTION", "LIMIT", "SCOPE", "PERMITS USED", "RESERVED", "PAUSED"],
    limitRows,
    style,
  );
  return `${header}${syncs}\n\n${limits}\n`;
}

type StatusLimit = Status["providers"][number]["limits"][number];

/** Each provider's limits in one group per connection, in the order the connections first appear. */
export function limitGroups(
  status: Status,
): { provider: string; connectionId: string | undefined; limits: StatusLimit[] }[] {
  return status.providers.flatMap((p) => {
    const groups = new Map<string | undefined, StatusLimit[]>();
    for (const limit of p.limits) {
      const group = groups.get(limit.connectionId);
      if (group) group.push(limit);
      else groups.set(limit.connectionId, [limit]);
    }
    return [...groups].map(([connectionId, limits]) => ({ provider: p.provider, connectionId, limits }));
  });
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
