import type { ProviderDef } from "#catalog/types.ts";
import { removeLiveWindows } from "../live-windows.ts";
import { connectionSchedulePlan, type ScheduleDef } from "../schedule-plan.ts";
import { credentialHashes } from "./fingerprint.ts";
import type { ConnectionPlan } from "./plan.ts";
import type { ConnectionRecord, Credentials } from "./types.ts";
import type { UndoLog } from "./undo.ts";
import type { ConnectionDeps } from "./use-cases.ts";

/** The steps of a connection change the use cases (./use-cases.ts) share: schedules, secrets, settings. */

/** The schedules a record says it runs, at its recorded minutes. */
export function recordedSchedules(provider: ProviderDef, record: ConnectionRecord): ScheduleDef[] {
  if (!record.enabled) return [];
  return connectionSchedulePlan(provider, {
    connectionId: record.connectionId,
    tenantId: record.tenantId,
    settings: record.settings,
    ...(record.scheduleOffsets === undefined ? {} : { offsets: record.scheduleOffsets }),
    ...(record.activeHours === undefined ? {} : { activeHours: record.activeHours }),
  });
}

/** The record's fields a plan sets: its schedules' names and their planned minutes. */
export function planned(plan: ConnectionPlan): Pick<ConnectionRecord, "schedules" | "scheduleOffsets"> {
  return {
    schedules: plan.schedules.map((def) => def.name),
    ...(plan.offsets === undefined ? {} : { scheduleOffsets: plan.offsets }),
  };
}

/** Puts every planned schedule and removes those of `from` no longer planned. */
export async function applySchedules(
  deps: Pick<ConnectionDeps, "schedules">,
  from: readonly string[],
  plan: readonly ScheduleDef[],
) {
  const planned = new Set(plan.map((def) => def.name));
  if (plan.length > 0) await deps.schedules.put(plan);
  const gone = from.filter((name) => !planned.has(name));
  if (gone.length > 0) await deps.schedules.remove(gone);
}

/**
 * Deletes the connection's live-window schedules (for when it is deleted or disabled). The worker
 * names them at run time from the provider's calendar, so no record lists them: they are found by
 * listing the connection's names. A provider without windowed sync types lists nothing; without
 * `windowSchedules` nothing is removed.
 */
export async function removeWindowSchedules(
  deps: Pick<ConnectionDeps, "windowSchedules">,
  provider: ProviderDef,
  connectionId: string,
): Promise<void> {
  if (deps.windowSchedules !== undefined)
    await removeLiveWindows(deps.windowSchedules, provider, connectionId);
}

export async function rotateSecret(
  deps: Pick<ConnectionDeps, "secrets">,
  undo: UndoLog,
  previousName: string | undefined,
  name: string,
  credentials: Credentials,
): Promise<void> {
  const previous = previousName === undefined ? undefined : await deps.secrets.get(previousName);
  undo.push("restore the secret", () =>
    previous === undefined ? deps.secrets.delete(name) : deps.secrets.put(name, previous),
  );
  await deps.secrets.put(name, credentials);
}

export async function credentialFields(
  deps: Pick<ConnectionDeps, "fingerprintKey" | "secretPrefix">,
  provider: ProviderDef,
  connectionId: string,
  credentials: Credentials,
  secretName = `${deps.secretPrefix}${connectionId}`,
): Promise<Pick<ConnectionRecord, "secretName" | "credentialsFingerprint" | "budgetKey">> {
  const hashes = credentialHashes(await deps.fingerprintKey(), provider.id, credentials);
  return {
    secretName,
    credentialsFingerprint: hashes.fingerprint,
    budgetKey: hashes.budgetKey,
  };
}

/** One level of JSON Merge Patch: a patch value replaces the current one, `null` removes it. */
export function mergeSettings(
  current: Readonly<Record<string, unknown>>,
  patch: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}
