import type { z } from "zod";

/**
 * The catalog's vocabulary. The catalog is plain data: the CDK app reads it to create queues,
 * workers and schedules (and to check at synth time that the plan fits every limit); the
 * handlers read it to know what a sync type costs and which limits guard it.
 */

export type Priority = "high" | "normal" | "low";
export const PRIORITIES: readonly Priority[] = ["high", "normal", "low"];

/** Durations are milliseconds; use the helpers below so a catalog reads like prose. */
export const seconds = (n: number): number => n * 1_000;
export const minutes = (n: number): number => n * 60_000;
export const hours = (n: number): number => n * 3_600_000;
export const days = (n: number): number => n * 86_400_000;

/**
 * "N calls per W". `scope: "global"` shares one budget across all tenants (e.g. a per-IP limit);
 * `scope: "tenant"` gives each tenant (each provider credential) its own budget.
 */
export interface LimitDef {
  readonly id: string;
  readonly calls: number;
  readonly perMs: number;
  readonly scope: "global" | "tenant";
  /**
   * Permits of each window that only `high` work may take, so that a backlog of scheduled or bulk
   * work never makes a manual trigger wait. Costs utilization when no high work comes.
   * @default 5% of `calls`, rounded down (0 below 20 calls)
   */
  readonly reserve?: number;
}

/** Endpoints that share the same set of limits. A call to any of them needs a permit from every limit. */
export interface EndpointGroupDef {
  readonly id: string;
  readonly limits: readonly string[];
  readonly paths: readonly string[];
}

/**
 * How often a sync type runs.
 * - `rate`: every `everyMs`. Below one minute (Scheduler's floor) the schedule fires each minute
 *   and the worker fans the minute out into `60s / everyMs` slot-timed jobs.
 * - `cron`: an EventBridge Scheduler cron expression, six fields: `cron(0 3 * * ? *)`.
 * - `manual`: only through `POST /sync`.
 */
export type Cadence =
  | { readonly kind: "rate"; readonly everyMs: number }
  | { readonly kind: "cron"; readonly expression: string; readonly approxEveryMs: number }
  | { readonly kind: "manual" };

export interface SyncTypeDef {
  readonly id: string;
  readonly description: string;
  readonly direction: "pull" | "push";
  readonly endpointGroup: string;
  /** Provider calls one run makes; the worker takes this many permits before it starts. */
  readonly cost: number;
  readonly cadence: Cadence;
  /** Priority of scheduled runs. Manual triggers always go `high`. */
  readonly priority: Priority;
  /** Entity types this sync writes; each is a WebSocket topic `<provider>/<entityType>`. */
  readonly entityTypes: readonly string[];
  /**
   * The params a run reads, checked at `POST /sync` and again by the worker
   * (`functions/core/sync-params.ts`). Strict, so an unknown key is refused; every value a
   * bounded string.
   * @default none: the sync type takes no params
   */
  readonly params?: SyncParamsSchema;
}

/** A strict zod object of string params, each optional or required. */
export type SyncParamsSchema = z.ZodObject<
  Record<string, z.ZodString | z.ZodOptional<z.ZodString>>,
  z.core.$strict
>;

/**
 * One provider's catalog entry, in its folder: `functions/providers/<id>/definition.ts`, declared
 * `as const satisfies ProviderDef` so that `defineProvider` can check its module against the ids.
 */
export interface ProviderDef {
  readonly id: string;
  readonly displayName: string;
  /** Default base URL; `PACER_<ID>_BASE_URL` overrides it, deployed and locally. */
  readonly baseUrl: string;
  readonly limits: readonly LimitDef[];
  readonly endpointGroups: readonly EndpointGroupDef[];
  readonly syncTypes: readonly SyncTypeDef[];
}

export interface Catalog {
  readonly providers: readonly ProviderDef[];
}
