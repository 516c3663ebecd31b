import { randomBytes } from "node:crypto";
import type { Catalog, ProviderDef } from "#catalog/types.ts";
import { ConflictError, NotFoundError } from "../errors.ts";
import { CONNECTION_ID_PATTERN } from "../job.ts";
import { connectionSchedulePlan, type ScheduleDef, scheduleName } from "../schedule-plan.ts";
import { connectionBudgetKey, credentialHashes } from "./fingerprint.ts";
import { type ConnectionView, CreateConnectionSchema, quote, UpdateConnectionSchema } from "./schemas.ts";
import type {
  ConnectionRecord,
  ConnectionSchedules,
  ConnectionStore,
  Credentials,
  SecretStore,
} from "./types.ts";
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

export interface ConnectionDeps {
  readonly catalog: Catalog;
  readonly connections: ConnectionStore;
  readonly secrets: SecretStore;
  readonly schedules: ConnectionSchedules;
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
const UPDATE_FIELDS = ["enabled", "tier", "credentials", "settings"];

/** `c-` and 20 lowercase hex digits from the system's random source. */
export function newConnectionId(): string {
  return `c-${randomBytes(10).toString("hex")}`;
}

/**
 * `POST /connections`: checks the body against the provider, keeps the credentials in a secret,
 * records the connection (enabled) and puts its schedules. A failure after the first write undoes
 * what was done, as far as it can, and is rethrown.
 */
export async function createConnection(
  deps: ConnectionDeps,
  tenantId: string,
  body: unknown,
): Promise<ConnectionView> {
  const { provider, tier, settings, credentials } = guardSecrets(body, () => {
    const input = parseBody(CreateConnectionSchema, body, CREATE_FIELDS);
    const provider = providerOf(deps.catalog, input.provider);
    return {
      provider,
      tier: checkTier(provider, input.tier),
      settings: checkSettings(provider, input.settings ?? {}),
      credentials: checkCredentials(provider, input.credentials, { required: true }),
    };
  });
  const connectionId = (deps.newId ?? newConnectionId)();
  const now = timestamp(deps);
  const plan = connectionSchedulePlan(provider, { connectionId, tenantId, settings });
  const record: ConnectionRecord = {
    connectionId,
    tenantId,
    provider: provider.id,
    tier,
    settings,
    enabled: true,
    ...(credentials === undefined
      ? { budgetKey: connectionBudgetKey(connectionId) }
      : await credentialFields(deps, provider, connectionId, credentials)),
    schedules: plan.map((def) => def.name),
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
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
    if (plan.length > 0) await deps.schedules.put(plan);
  } catch (error) {
    await undo.run();
    throw error;
  }
  return connectionView(provider, record);
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
  return viewOf(deps, await load(deps, tenantId, connectionId));
}

/**
 * `PATCH /connections/{id}`: enables or disables it (its schedules put or removed), changes its
 * tier, merges settings (schedules follow what they enable), or rotates its credentials. Written
 * only over the version it was read at (else ConflictError), then applied to the secret and the
 * schedules; a failure there puts back what it can and is rethrown.
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
  const reschedule = patch.enabled !== undefined || patch.settings !== undefined;
  const plan = planFor(provider, { ...current, enabled, settings });
  const next: ConnectionRecord = {
    ...current,
    tier,
    settings,
    enabled,
    ...(credentials === undefined
      ? {}
      : await credentialFields(deps, provider, connectionId, credentials, current.secretName)),
    schedules: reschedule ? plan.map((def) => def.name) : current.schedules,
    updatedAt: timestamp(deps),
    version: current.version + 1,
  };
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
        applySchedules(deps, next.schedules, planFor(provider, current)),
      );
      await applySchedules(deps, current.schedules, plan);
    }
  } catch (error) {
    await undo.run();
    throw error;
  }
  return connectionView(provider, next);
}

/** `DELETE /connections/{id}`: its schedules, then its record, then its secret. */
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

function planFor(provider: ProviderDef, connection: ConnectionRecord): ScheduleDef[] {
  return connection.enabled ? connectionSchedulePlan(provider, connection) : [];
}

/** Puts every planned schedule and removes those of `from` no longer planned. */
async function applySchedules(deps: ConnectionDeps, from: readonly string[], plan: readonly ScheduleDef[]) {
  const planned = new Set(plan.map((def) => def.name));
  if (plan.length > 0) await deps.schedules.put(plan);
  const gone = from.filter((name) => !planned.has(name));
  if (gone.length > 0) await deps.schedules.remove(gone);
}

async function rotateSecret(
  deps: ConnectionDeps,
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

async function credentialFields(
  deps: ConnectionDeps,
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
function mergeSettings(
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

function timestamp(deps: ConnectionDeps): string {
  return new Date((deps.clock ?? Date.now)()).toISOString();
}
