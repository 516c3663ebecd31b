import type { ProviderDef } from "#catalog/types.ts";
import { PlanDoesNotFitError } from "../errors.ts";
import { connectionSchedulePlan, type ScheduleDef } from "../schedule-plan.ts";
import {
  offsetsOf,
  type PlacedSchedule,
  type PlanConnection,
  placeConnection,
  placedAsRecorded,
} from "../slot-plan.ts";
import { type FitEntry, fitLine, fitReport, limitsCalledBy } from "../slot-plan-fit.ts";
import type { ConnectionRecord, ConnectionStore } from "./types.ts";

/**
 * A connection's schedules planned at run time, among every other enabled connection of its
 * provider in the deployment (any tenant: a global limit is shared by all of them), and checked
 * to fit each budget it spends before anything is written.
 */
export interface ConnectionPlan {
  /** Its schedules, at their planned minutes (empty while it is disabled). */
  readonly schedules: ScheduleDef[];
  /**
   * The planned minute of each of its slotted schedules, by sync type id
   * (ConnectionRecord.scheduleOffsets); absent when planned as recorded and it has none.
   */
  readonly offsets?: Readonly<Record<string, number>>;
  /** Each limit of the provider as its budget stands with this plan. */
  readonly report: FitEntry[];
}

/** What of a record the planner reads. */
export function planConnectionOf(record: ConnectionRecord): PlanConnection {
  return {
    connectionId: record.connectionId,
    tier: record.tier,
    budgetKey: record.budgetKey,
    settings: record.settings,
    ...(record.activeHours === undefined ? {} : { activeHours: record.activeHours }),
    ...(record.scheduleOffsets === undefined ? {} : { offsets: record.scheduleOffsets }),
  };
}

/**
 * How the connection's own schedules are planned: `replace` places them all anew (it is being
 * enabled, or its office hours changed); `keep` keeps the minutes it has and places what is new;
 * `recorded` takes them as its record says (nothing is put), for a check or a view.
 */
export type PlanMode = "replace" | "keep" | "recorded";

/**
 * Plans `record` (as it would be written) among the provider's other enabled connections, and
 * refuses (PlanDoesNotFitError) a plan that overflows a limit its own schedules call, unless
 * `refuse` is false. A disabled record plans nothing of its own.
 */
export async function planAmongOthers(
  connections: Pick<ConnectionStore, "listAll">,
  provider: ProviderDef,
  record: ConnectionRecord,
  mode: PlanMode,
  options: { readonly refuse?: boolean } = {},
): Promise<ConnectionPlan> {
  const others = (await connections.listAll())
    .filter((r) => r.provider === provider.id && r.enabled && r.connectionId !== record.connectionId)
    .flatMap((r) => placedAsRecorded(provider, planConnectionOf(r)));
  const recorded = planConnectionOf(record);
  const subject: PlanConnection =
    mode === "recorded"
      ? recorded
      : { ...recorded, offsets: mode === "keep" ? (record.scheduleOffsets ?? {}) : {} };
  let placed: PlacedSchedule[] = others;
  if (record.enabled) {
    placed =
      mode === "recorded"
        ? [...others, ...placedAsRecorded(provider, subject)]
        : placeConnection(provider, others, subject);
  }
  const offsets =
    record.enabled && mode !== "recorded" ? offsetsOf(placed, record.connectionId) : record.scheduleOffsets;
  const report = fitReport(provider, placed, subject);
  if (options.refuse !== false) refuseOverflow(provider, placed, subject, report);
  const schedules = record.enabled
    ? connectionSchedulePlan(provider, {
        connectionId: record.connectionId,
        tenantId: record.tenantId,
        settings: record.settings,
        ...(offsets === undefined ? {} : { offsets }),
        ...(record.activeHours === undefined ? {} : { activeHours: record.activeHours }),
      })
    : [];
  return { schedules, ...(offsets === undefined ? {} : { offsets }), report };
}

/**
 * Refuses a plan that overflows a limit the connection's own schedules call (a budget already
 * over by others' doing is not this connection's to be refused for). The message lists every
 * limit over, one line each.
 */
function refuseOverflow(
  provider: ProviderDef,
  placed: readonly PlacedSchedule[],
  subject: PlanConnection,
  report: readonly FitEntry[],
): void {
  const called = limitsCalledBy(provider, placed, subject);
  const over = report.filter((entry) => !entry.fits && called.has(entry.limitId));
  if (over.length === 0) return;
  const lines = over.map((entry) => fitLine(provider.id, entry));
  throw new PlanDoesNotFitError(
    `the connection's schedules do not fit the provider's limits: ${lines.join("; ")}. Use a tier that allows more, turn off what the settings enable, or set office hours`,
  );
}
