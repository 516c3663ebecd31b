import { randomBytes } from "node:crypto";
import type { Catalog } from "#catalog/types.ts";
import { ConflictError, NotFoundError } from "../errors.ts";
import { CONNECTION_ID_PATTERN } from "../job.ts";
import type { WindowSchedules } from "../live-windows.ts";
import { scheduleName } from "../schedule-plan.ts";
import {
  applySchedules,
  credentialFields,
  mergeSettings,
  planned,
  recordedSchedules,
  removeWindowSchedules,
  rotateSecret,
} from "./changes.ts";
import { connectionBudgetKey } from "./fingerprint.ts";
import { type FollowUpDeps, queueInitialSyncs, queueRecoverySyncs } from "./follow-up-syncs.ts";
import { type PlanMode, planAmongOthers } from "./plan.ts";
import { type ConnectionView, CreateConnectionSchema, quote, UpdateConnectionSchema } from "./schemas.ts";
import type { ConnectionRecord, ConnectionSchedules, ConnectionStore, SecretStore } from "./types.ts";
import { UndoLog } from "./undo.ts";
import {
  checkCredentials,
  checkSettings,
  checkTier,
  guardSecrets,
  parseBody,
  providerOf,
} from "./validate.ts";
import { connectionView } from "./view.ts";

export { CONNECTION_ID_PATTERN } from "../job.ts";

/**
 * What the connection use cases run on. With `jobs` and `queue` (FollowUpDeps), a connection
 * created or enabled queues an initial run of each scheduled sync type, and new credentials a
 * recovery run of each whose last run failed.
 */
export interface ConnectionDeps extends FollowUpDeps {
  readonly catalog: Catalog;
  readonly connections: ConnectionStore;
  readonly secrets: SecretStore;
  readonly schedules: ConnectionSchedules;
  /**
   * The same Scheduler group with its listing by name prefix, through which a connection deleted
   * or disabled loses its live windows (schedules the worker puts at run time, named by no record).
   * Absent: those windows outlive it until they end, the worker skipping their runs.
   */
  readonly windowSchedules?: WindowSchedules;
  /** The deployment's key for credential fingerprints and budget keys (itself a secret). */
  readonly fingerprintKey: () => Promise<string>;
  /** Prepended to the connection id to name its secret, e.g. `pacer/connections/`. */
  readonly secretPrefix: string;
  readonly clock?: () => number;
  readonly newId?: () => string;
  /** A step of undoing a failed change that failed too (what it left behind, for the log). */
  readonly onUndoFailed?: (step: string, error: unknown) => void;
}

const CREATE_FIELDS = Object.keys(CreateConnectionSchema.shape);
const UPDATE_FIELDS = ["enabled", "tier", "credentials", "settings", "activeHours", "refreshOnRead"];

/** `c-` and 20 lowercase hex digits from the system's random source. */
export function newConnectionId(): string {
  return `c-${randomBytes(10).toString("hex")}`;
}

/**
 * `POST /connections`: checks the body against the provider, plans its schedules among the
 * deployment's other connections (refusing a plan that does not fit: PlanDoesNotFitError, before
 * anything is written), keeps the credentials in a secret, records the connection (enabled), puts
 * its schedules and queues its initial syncs. A failure after the first write undoes what was
 * done, as far as it can, and is rethrown.
 */
export async function createConnection(
  deps: ConnectionDeps,
  tenantId: string,
  body: unknown,
): Promise<ConnectionView> {
  const { provider, tier, settings, credentials, activeHours, refreshOnRead } = guardSecrets(body, () => {
    const input = parseBody(CreateConnectionSchema, body, CREATE_FIELDS);
    const provider = providerOf(deps.catalog, input.provider);
    return {
      provider,
      tier: checkTier(provider, input.tier),
      settings: checkSettings(provider, input.settings ?? {}),
      credentials: checkCredentials(provider, input.credentials, { required: true }),
      activeHours: input.activeHours,
      refreshOnRead: input.refreshOnRead,
    };
  });
  const connectionId = (deps.newId ?? newConnectionId)();
  const now = timestamp(deps);
  const draft: ConnectionRecord = {
    connectionId,
    tenantId,
    provider: provider.id,
    tier,
    settings,
    enabled: true,
    ...(activeHours === undefined ? {} : { activeHours }),
    ...(refreshOnRead === undefined ? {} : { refreshOnRead }),
    ...(credentials === undefined
      ? { budgetKey: connectionBudgetKey(connectionId) }
      : await credentialFields(deps, provider, connectionId, credentials)),
    schedules: [],
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  const plan = await planAmongOthers(deps.connections, provider, draft, "replace");
  const record: ConnectionRecord = { ...draft, ...planned(plan) };
  const undo = new UndoLog(deps);
  try {
    if (record.secretName !== undefined && credentials !== undefined) {
      const secretName = record.secretName;
      await deps.secrets.put(secretName, credentials);
      undo.push("delete the secret", () => deps.secrets.delete(secretName));
    }
    if (!(await deps.connections.create(record))) throw new Error(`connection id ${connectionId} is taken`);
    undo.push("delete the record", () => deps.connections.delete(tenantId, connectionId));
    undo.push("remove the schedules", () => deps.schedules.remove(record.schedules));
    if (plan.schedules.length > 0) await deps.schedules.put(plan.schedules);
  } catch (error) {
    await undo.run();
    throw error;
  }
  await queueInitialSyncs(deps, provider, record, plan.schedules);
  return connectionView(provider, record, plan.report);
}

/** `GET /connections`: the caller's connections, oldest first. */
export async function listConnections(
  deps: ConnectionDeps,
  tenantId: string,
): Promise<{ connections: ConnectionView[] }> {
  const records = await deps.connections.list(tenantId);
  const own = records.filter((r) => r.tenantId === tenantId);
  own.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.connectionId.localeCompare(b.connectionId));
  return { connections: own.map((record) => viewOf(deps, record)) };
}

/** `GET /connections/{id}`; another tenant's connection is indistinguishable from a missing one. */
export async function getConnection(
  deps: ConnectionDeps,
  tenantId: string,
  connectionId: string,
): Promise<ConnectionView> {
  const record = await load(deps, tenantId, connectionId);
  const provider = deps.catalog.providers.find((p) => p.id === record.provider);
  if (provider === undefined) return viewOf(deps, record);
  const { report } = await planAmongOthers(deps.connections, provider, record, "recorded", { refuse: false });
  return connectionView(provider, record, report);
}

/**
 * `PATCH /connections/{id}`: enables or disables it (its schedules put or removed; disabling
 * removes its live windows too; the calendar run that enabling queues puts them again), changes its
 * tier, merges settings (schedules follow what they enable), sets its office hours, or rotates
 * its credentials. A change that lets it spend more (enabling, tier, settings, office hours,
 * credentials: another key is another budget) is planned among the other connections first and
 * refused if it does not fit (PlanDoesNotFitError). Written only over the version it was read at
 * (else ConflictError), then applied to the secret and the schedules; a failure there puts back
 * what it can and is rethrown. Enabling queues initial syncs; new credentials, a recovery sync of
 * each scheduled sync type whose last run failed.
 */
export async function updateConnection(
  deps: ConnectionDeps,
  tenantId: string,
  connectionId: string,
  patchBody: unknown,
): Promise<ConnectionView> {
  const patch = guardSecrets(patchBody, () => parseBody(UpdateConnectionSchema, patchBody, UPDATE_FIELDS));
  const current = await load(deps, tenantId, connectionId);
  const provider = providerOf(deps.catalog, current.provider);
  const { tier, settings, credentials } = guardSecrets(patchBody, () => ({
    tier: patch.tier === undefined ? current.tier : checkTier(provider, patch.tier),
    settings:
      patch.settings === undefined
        ? current.settings
        : checkSettings(provider, mergeSettings(current.settings, patch.settings)),
    credentials:
      patch.credentials === undefined
        ? undefined
        : checkCredentials(provider, patch.credentials, { required: false }),
  }));
  const enabled = patch.enabled ?? current.enabled;
  const enabling = enabled && !current.enabled;
  const disabling = current.enabled && !enabled;
  const reschedule =
    patch.enabled !== undefined || patch.settings !== undefined || patch.activeHours !== undefined;
  const { activeHours: _hours, ...rest } = current;
  const activeHours =
    patch.activeHours === undefined ? current.activeHours : (patch.activeHours ?? undefined);
  const draft: ConnectionRecord = {
    ...rest,
    tier,
    settings,
    enabled,
    ...(activeHours === undefined ? {} : { activeHours }),
    ...(patch.refreshOnRead === undefined ? {} : { refreshOnRead: patch.refreshOnRead }),
    ...(credentials === undefined
      ? {}
      : await credentialFields(deps, provider, connectionId, credentials, current.secretName)),
    updatedAt: timestamp(deps),
    version: current.version + 1,
  };
  const spendsMore = reschedule || patch.tier !== undefined || credentials !== undefined;
  const mode: PlanMode = !reschedule
    ? "recorded"
    : enabling || patch.activeHours !== undefined
      ? "replace"
      : "keep";
  const plan = await planAmongOthers(deps.connections, provider, draft, mode, {
    refuse: enabled && spendsMore,
  });
  const next: ConnectionRecord = reschedule ? { ...draft, ...planned(plan) } : draft;
  if (!(await deps.connections.update(next))) {
    throw new ConflictError("the connection changed meanwhile; read it again");
  }
  const undo = new UndoLog(deps);
  undo.push("restore the record", () =>
    deps.connections.update({ ...current, updatedAt: timestamp(deps), version: next.version + 1 }),
  );
  try {
    if (credentials !== undefined && next.secretName !== undefined) {
      await rotateSecret(deps, undo, current.secretName, next.secretName, credentials);
    }
    if (reschedule) {
      undo.push("restore the schedules", () =>
        applySchedules(deps, next.schedules, recordedSchedules(provider, current)),
      );
      await applySchedules(deps, current.schedules, plan.schedules);
    }
    // Not restored by an undo: the next sessions run of the restored connection puts them again.
    if (disabling) await removeWindowSchedules(deps, provider, connectionId);
  } catch (error) {
    await undo.run();
    throw error;
  }
  if (enabling) await queueInitialSyncs(deps, provider, next, plan.schedules);
  else if (enabled && credentials !== undefined)
    await queueRecoverySyncs(deps, provider, next, plan.schedules);
  return connectionView(provider, next, plan.report);
}

/**
 * `DELETE /connections/{id}`: its schedules (its live windows too), then its record, then its
 * secret. A failure leaves the record, so the delete can be tried again.
 */
export async function deleteConnection(
  deps: ConnectionDeps,
  tenantId: string,
  connectionId: string,
): Promise<void> {
  const current = await load(deps, tenantId, connectionId);
  // Every name the connection could have, not only those recorded: a change that raced this read
  // may have put one the record does not list yet.
  const provider = deps.catalog.providers.find((p) => p.id === current.provider);
  const possible = provider?.syncTypes.map((s) => scheduleName(connectionId, s.id)) ?? [];
  const names = [...new Set([...current.schedules, ...possible])];
  if (names.length > 0) await deps.schedules.remove(names);
  if (provider !== undefined) await removeWindowSchedules(deps, provider, connectionId);
  await deps.connections.delete(tenantId, connectionId);
  if (current.secretName !== undefined) await deps.secrets.delete(current.secretName);
}

async function load(deps: ConnectionDeps, tenantId: string, connectionId: string): Promise<ConnectionRecord> {
  const missing = () => new NotFoundError(`no connection ${quote(connectionId)}`);
  if (!CONNECTION_ID_PATTERN.test(connectionId)) throw missing();
  const record = await deps.connections.get(tenantId, connectionId);
  if (record === undefined || record.tenantId !== tenantId) throw missing();
  return record;
}

function viewOf(deps: ConnectionDeps, record: ConnectionRecord): ConnectionView {
  // A provider since removed from the catalog still shows (so it can be deleted), with nothing to run.
  const provider = deps.catalog.providers.find((p) => p.id === record.provider);
  return connectionView(provider ?? NOTHING_TO_RUN, record);
}

const NOTHING_TO_RUN = { syncTypes: [], limits: [], endpointGroups: [] } as const;

function timestamp(deps: ConnectionDeps): string {
  return new Date((deps.clock ?? Date.now)()).toISOString();
}
