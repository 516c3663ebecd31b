import type { Connection } from "./api-types.ts";
import { clip, type Formatter, formatDateTime, formatPeriod, renderFields, renderTable } from "./format.ts";

/** Connections as text: a table of them all, or one in full. Credentials only by fingerprint. */

/** `clubId=12345 experimental=true`; strings as they are, anything else as JSON. */
export function compactSettings(settings: Readonly<Record<string, unknown>>): string {
  return Object.entries(settings)
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" ");
}

/** How many of its sync types a schedule runs, e.g. `3/7`. */
function scheduledCount(connection: Connection): string {
  return `${connection.syncTypes.filter((s) => s.scheduled).length}/${connection.syncTypes.length}`;
}

function enabledCell(enabled: boolean, fmt: Formatter): string {
  return enabled ? fmt.style.green("yes") : fmt.style.yellow("no");
}

function fingerprintCell(connection: Connection, fmt: Formatter): string {
  return connection.credentials ? connection.credentials.fingerprint : fmt.style.dim("none");
}

/** `GET /connections` as a table, or a line saying how to make the first. */
export function formatConnections(connections: readonly Connection[], fmt: Formatter): string {
  const { style } = fmt;
  if (connections.length === 0) {
    return `no connections yet ${style.dim("(connect one: npx pacer connect <provider> …)")}`;
  }
  const rows = connections.map((c) => [
    c.connectionId,
    c.provider,
    c.tier,
    enabledCell(c.enabled, fmt),
    fingerprintCell(c, fmt),
    scheduledCount(c),
    clip(compactSettings(c.settings), 60) || style.dim("-"),
  ]);
  return renderTable(
    ["ID", "PROVIDER", "TIER", "ENABLED", "CREDENTIALS", "SCHEDULED", "SETTINGS"],
    rows,
    style,
  );
}

/** One connection: its fields, then its sync types and its limits. */
export function formatConnection(connection: Connection, fmt: Formatter): string {
  const { style } = fmt;
  const fields: [string, string][] = [
    ["connection", style.bold(connection.connectionId)],
    ["provider", connection.provider],
    ["tier", connection.tier],
    ["enabled", enabledCell(connection.enabled, fmt)],
    [
      "credentials",
      connection.credentials ? `fingerprint ${connection.credentials.fingerprint}` : style.dim("none"),
    ],
    ["settings", compactSettings(connection.settings) || style.dim("none")],
  ];
  if (connection.createdAt) fields.push(["created", formatDateTime(connection.createdAt, fmt)]);
  if (connection.updatedAt) fields.push(["updated", formatDateTime(connection.updatedAt, fmt)]);
  if (connection.version !== undefined) fields.push(["version", String(connection.version)]);

  const syncTypes = renderTable(
    ["SYNC TYPE", "CADENCE", "SCHEDULED", "ENABLED"],
    connection.syncTypes.map((s) => [
      s.syncType,
      s.cadence ?? "",
      s.scheduled ? "yes" : style.dim("no"),
      s.enabled ? "yes" : style.yellow("no (needs a setting)"),
    ]),
    style,
  );
  const limits = renderTable(
    ["LIMIT", "SCOPE", "PERMITS", "ENDPOINT GROUPS", "SHARED BY"],
    connection.limits.map((l) => [
      l.limitId,
      l.scope ?? "",
      `${l.calls} per ${formatPeriod(l.perMs)}`,
      l.endpointGroups.join(", ") || style.dim("-"),
      sharedBy(l.shared),
    ]),
    style,
  );
  return `${renderFields(fields, style)}\n\n${syncTypes}\n\n${limits}`;
}

function sharedBy(shared: string | undefined): string {
  if (shared === "credentials") return "same credentials";
  if (shared === "deployment") return "whole deployment";
  return shared ?? "";
}
