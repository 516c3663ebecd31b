import type { ProviderDef, SyncTypeDef } from "#catalog/types.ts";
import type { EntityReader } from "#providers/types.ts";
import type { ConnectionRecord, ConnectionSchedules } from "./connections/types.ts";
import {
  rateExpression,
  type ScheduleDef,
  type ScheduledConnection,
  slotsPerFiring,
  syncTypeEnabled,
} from "./schedule-plan.ts";

/**
 * Live windows: a windowed sync type (`SyncTypeDef.windowed`, OpenF1's real-time tier) runs only
 * while something is live, by one Scheduler schedule per window with a StartDate, an EndDate and
 * `ActionAfterCompletion: DELETE` — created at run time from the provider's calendar, after each
 * successful sync of that calendar, and deleted by Scheduler once the window is over. No Lambda
 * flips schedules on and off: Scheduler's own dates start and stop them.
 */

const MINUTE_MS = 60_000;

/** How far ahead windows are scheduled: the calendar is synced far more often than this. */
export const LIVE_WINDOW_HORIZON_MS = 7 * 24 * 60 * MINUTE_MS;

/**
 * A window about to end is not put: Scheduler refuses an EndDate before its StartDate, and a
 * schedule created for its last seconds would fire nothing anyway.
 */
const MIN_REMAINING_MS = MINUTE_MS;

/** One span of time (ISO 8601) in which a windowed sync type of a provider runs. */
export interface LiveWindow {
  readonly syncType: string;
  readonly startAt: string;
  readonly endAt: string;
}

/** A provider's calendar of live windows (OpenF1's: functions/providers/openf1/windows.ts). */
export interface LiveWindowSource {
  /** The sync type whose data the windows are read from; its success puts them. */
  readonly calendar: string;
  /** The windows, from what the calendar's syncs stored for one tenant. */
  windows(store: EntityReader, now: Date): Promise<readonly LiveWindow[]>;
}

/** The Scheduler operations windows need: connections' put and remove, and a listing by name prefix. */
export interface WindowSchedules extends ConnectionSchedules {
  /** Names of the schedules in the group that start with `prefix` (all pages). */
  names(prefix: string): Promise<string[]>;
}

/** `20260510T135500Z`: a window's start as it appears in its schedule's name. */
function compactStamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replaceAll(/[-:]/g, "");
}

const STAMP = /^\d{8}T\d{6}Z$/;
const MAX_NAME_LENGTH = 64;

/**
 * `<connectionId>.<syncType>.<windowStart>`: deterministic, so putting the same calendar twice
 * updates the same schedules, and apart from the connection's around-the-clock `<connectionId>.
 * <syncType>` ones. Throws when it would pass Scheduler's 64 characters (a sync type id too long
 * to be windowed: a catalog mistake, caught by the catalog's tests).
 */
export function windowScheduleName(connectionId: string, syncType: string, startMs: number): string {
  const name = `${connectionId}.${syncType}.${compactStamp(startMs)}`;
  if (name.length > MAX_NAME_LENGTH)
    throw new Error(`window schedule name ${name} is longer than Scheduler's ${MAX_NAME_LENGTH} characters`);
  return name;
}

/** The sync type a window schedule of `connectionId` runs, or undefined when `name` is not one. */
export function windowScheduleSyncType(connectionId: string, name: string): string | undefined {
  const prefix = `${connectionId}.`;
  if (!name.startsWith(prefix)) return undefined;
  const parts = name.slice(prefix.length).split(".");
  if (parts.length !== 2 || !STAMP.test(parts[1] ?? "")) return undefined;
  return parts[0];
}

/** The windowed sync types of a provider that a connection's settings enable. */
export function windowedSyncTypes(
  provider: ProviderDef,
  settings: Readonly<Record<string, unknown>> = {},
): SyncTypeDef[] {
  return provider.syncTypes.filter(
    (s) => s.windowed === true && s.cadence.kind !== "manual" && syncTypeEnabled(s, settings),
  );
}

interface Span {
  readonly startMs: number;
  readonly endMs: number;
}

/** Overlapping or touching spans as one, sorted by start. */
export function mergeSpans(spans: readonly Span[]): Span[] {
  const sorted = [...spans].filter((s) => s.endMs > s.startMs).sort((a, b) => a.startMs - b.startMs);
  const merged: Span[] = [];
  for (const span of sorted) {
    const last = merged.at(-1);
    if (last !== undefined && span.startMs <= last.endMs) {
      merged[merged.length - 1] = { startMs: last.startMs, endMs: Math.max(last.endMs, span.endMs) };
    } else merged.push(span);
  }
  return merged;
}

/**
 * The schedules of one connection's live windows at `nowMs`: per windowed sync type its settings
 * enable, the provider's windows of it merged where they overlap, those over (or about to be)
 * and those starting beyond the horizon left out. A window already open starts at the next whole
 * minute of its own phase instead (Scheduler refuses a StartDate more than 5 minutes past), so
 * its firings keep their times when it is put again.
 */
export function liveWindowSchedules(
  provider: ProviderDef,
  connection: ScheduledConnection,
  windows: readonly LiveWindow[],
  nowMs: number,
  horizonMs: number = LIVE_WINDOW_HORIZON_MS,
): ScheduleDef[] {
  const defs: ScheduleDef[] = [];
  for (const syncType of windowedSyncTypes(provider, connection.settings)) {
    const cadence = syncType.cadence;
    if (cadence.kind === "manual") continue;
    const spans = mergeSpans(
      windows
        .filter((w) => w.syncType === syncType.id)
        .map((w) => ({ startMs: Date.parse(w.startAt), endMs: Date.parse(w.endAt) }))
        .filter((s) => Number.isFinite(s.startMs) && Number.isFinite(s.endMs)),
    );
    for (const span of spans) {
      if (span.endMs - nowMs < MIN_REMAINING_MS || span.startMs > nowMs + horizonMs) continue;
      const startMs =
        span.startMs >= nowMs
          ? span.startMs
          : span.startMs + Math.ceil((nowMs - span.startMs) / MINUTE_MS) * MINUTE_MS;
      defs.push({
        name: windowScheduleName(connection.connectionId, syncType.id, span.startMs),
        expression: cadence.kind === "cron" ? cadence.expression : rateExpression(cadence.everyMs),
        provider: provider.id,
        syncType: syncType.id,
        tenantId: connection.tenantId,
        connectionId: connection.connectionId,
        priority: syncType.priority,
        ...slotsPerFiring(syncType),
        window: { startAt: new Date(startMs).toISOString(), endAt: new Date(span.endMs).toISOString() },
      });
    }
  }
  return defs;
}

/** What putting a connection's windows did. */
export interface LiveWindowChange {
  /** Schedules created or updated. */
  readonly put: readonly string[];
  /** Schedules of windows no longer in the calendar (a cancelled session, say), deleted. */
  readonly removed: readonly string[];
}

export interface LiveWindowDeps {
  readonly provider: ProviderDef;
  readonly source: LiveWindowSource;
  readonly schedules: WindowSchedules;
  /** The synced entities, read as one tenant (the run's own). */
  readonly entities: { reader(tenantId: string, provider: string): EntityReader };
  readonly connections: {
    get(tenantId: string, connectionId: string): Promise<ConnectionRecord | undefined>;
  };
  readonly clock?: () => number;
  /** @default LIVE_WINDOW_HORIZON_MS */
  readonly horizonMs?: number;
}

/** The run that just succeeded, as the worker's `afterSync` is told of it. */
export interface CalendarRun {
  readonly tenantId: string;
  readonly connectionId: string;
  readonly syncType: string;
}

const NOTHING: LiveWindowChange = { put: [], removed: [] };

/**
 * After a successful run of the provider's calendar sync: puts the schedules of the connection's
 * live windows, read from its own tenant's data only, and deletes its window schedules that the
 * calendar no longer names. A disabled connection keeps none; one its tenant does not own (or of
 * another provider) is not touched. Runs of other sync types change nothing. Idempotent: the
 * same calendar puts the same schedules.
 */
export async function putLiveWindows(deps: LiveWindowDeps, run: CalendarRun): Promise<LiveWindowChange> {
  if (run.syncType !== deps.source.calendar) return NOTHING;
  const nowMs = (deps.clock ?? Date.now)();
  const connection = await deps.connections.get(run.tenantId, run.connectionId);
  if (
    connection === undefined ||
    connection.tenantId !== run.tenantId ||
    connection.connectionId !== run.connectionId ||
    connection.provider !== deps.provider.id
  )
    return NOTHING;
  const wanted = connection.enabled
    ? liveWindowSchedules(
        deps.provider,
        connection,
        await deps.source.windows(deps.entities.reader(run.tenantId, deps.provider.id), new Date(nowMs)),
        nowMs,
        deps.horizonMs,
      )
    : [];
  const removed = await staleWindows(deps, run.connectionId, new Set(wanted.map((d) => d.name)));
  if (wanted.length > 0) await deps.schedules.put(wanted);
  if (removed.length > 0) await deps.schedules.remove(removed);
  return { put: wanted.map((d) => d.name), removed };
}

/**
 * Deletes every window schedule of a connection (for when it is deleted or disabled); its
 * around-the-clock schedules are the connection's own business. A provider without windowed sync
 * types has none, and costs no listing. Returns the names deleted.
 */
export async function removeLiveWindows(
  schedules: WindowSchedules,
  provider: ProviderDef,
  connectionId: string,
): Promise<string[]> {
  if (!provider.syncTypes.some((s) => s.windowed === true)) return [];
  const names = await staleWindows({ schedules, provider }, connectionId, new Set());
  if (names.length > 0) await schedules.remove(names);
  return names;
}

/** The connection's window schedules of the provider's windowed sync types not in `keep`. */
async function staleWindows(
  deps: Pick<LiveWindowDeps, "schedules" | "provider">,
  connectionId: string,
  keep: ReadonlySet<string>,
): Promise<string[]> {
  const windowed = new Set(deps.provider.syncTypes.filter((s) => s.windowed === true).map((s) => s.id));
  const existing = await deps.schedules.names(`${connectionId}.`);
  return existing.filter((name) => {
    const syncType = windowScheduleSyncType(connectionId, name);
    return syncType !== undefined && windowed.has(syncType) && !keep.has(name);
  });
}

/**
 * The worker's `afterSync` for a provider with live windows: `putLiveWindows` after each run.
 * A failure is the run's ending failing, retried like it, so the windows are never silently lost.
 */
export function liveWindowsAfterSync(deps: LiveWindowDeps): (run: CalendarRun) => Promise<void> {
  return async (run) => {
    await putLiveWindows(deps, run);
  };
}
