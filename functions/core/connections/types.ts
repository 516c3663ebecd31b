import type { ScheduleDef } from "../schedule-plan.ts";
import type { ActiveHours } from "../slot-plan-cron.ts";

/**
 * A tenant's connection to a provider: which provider, on which tier, with which settings, and
 * where its credentials are kept. Created through `POST /connections`; a worker run reads it to
 * know whose budget its calls spend and what to send.
 */
export interface ConnectionRecord {
  /** `c-` and 20 lowercase hex digits, minted by Pacer; unique across tenants. */
  readonly connectionId: string;
  readonly tenantId: string;
  readonly provider: string;
  readonly tier: string;
  /** Provider-specific, as the provider's settings schema parsed them. */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly enabled: boolean;
  /** The secret holding the credentials; absent when the connection has none. Internal. */
  readonly secretName?: string;
  /**
   * What callers may see of the credentials: a keyed hash (HMAC-SHA256 with the deployment's
   * fingerprint key), 16 hex digits. Equal for equal credentials, useless for guessing them.
   */
  readonly credentialsFingerprint?: string;
  /**
   * The limiter scope of the provider's `tenant`-scoped limits: derived from the credentials
   * (keyed hash), so two connections with the same key share one budget and two keys never do;
   * `conn-<connectionId>` when there are none. Internal.
   */
  readonly budgetKey: string;
  /** Names of the schedules this connection runs, as last put. Internal. */
  readonly schedules: readonly string[];
  /**
   * The minutes into their period the slot planner gave its schedules, by sync type id
   * (functions/core/slot-plan.ts): kept, so a schedule stays where it was planned while others
   * are placed around it. Absent on a record written before the planner kept them. Internal.
   */
  readonly scheduleOffsets?: Readonly<Record<string, number>>;
  /** Office hours: its schedules fire only inside them. Absent: around the clock. */
  readonly activeHours?: ActiveHours;
  /** false: a read of its data older than the freshness target does not queue a refresh. Absent: true. */
  readonly refreshOnRead?: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Bumped by every change; a change is written only over the version it was made from. */
  readonly version: number;
}

/** Connection records, by tenant (a tenant never reads another's) and all of them for the scheduler. */
export interface ConnectionStore {
  /** false when the id is taken. */
  create(record: ConnectionRecord): Promise<boolean>;
  get(tenantId: string, connectionId: string): Promise<ConnectionRecord | undefined>;
  list(tenantId: string): Promise<ConnectionRecord[]>;
  /** Every connection of the deployment (the freshness monitor's and the local scheduler's read). */
  listAll(): Promise<ConnectionRecord[]>;
  /** Writes `record` if the stored version is still `record.version - 1`; false otherwise. */
  update(record: ConnectionRecord): Promise<boolean>;
  delete(tenantId: string, connectionId: string): Promise<void>;
}

/** A connection's credentials: a JSON object of strings, one secret per connection. */
export type Credentials = Readonly<Record<string, string>>;

/**
 * Where credentials are kept: AWS Secrets Manager deployed, a file (mode 0600) locally, behind
 * the same interface. Values are never logged, returned or put in an error by an implementation.
 */
export interface SecretStore {
  /** Creates the secret, or replaces its value. */
  put(name: string, value: Credentials): Promise<void>;
  /** undefined when there is no such secret. */
  get(name: string): Promise<Credentials | undefined>;
  /** Removes it; a missing secret is not an error. */
  delete(name: string): Promise<void>;
}

/**
 * The run-time schedules of connections: EventBridge Scheduler deployed (one group for Pacer's
 * connection schedules), the local scheduler's stand-in locally (which speaks the same API).
 */
export interface ConnectionSchedules {
  /** Creates each schedule, or updates it when it exists. */
  put(defs: readonly ScheduleDef[]): Promise<void>;
  /** Deletes each; a missing one is not an error. */
  remove(names: readonly string[]): Promise<void>;
}
