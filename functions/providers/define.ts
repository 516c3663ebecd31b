import type { z } from "zod";
import type { ProviderDef, SyncParamsSchema, SyncTypeDef } from "#catalog/types.ts";
import { UnknownSyncError, ValidationError } from "#core/errors.ts";
import { validateSyncParams } from "#core/sync-params.ts";
import type { Page, PlanRun, ProviderModule, RunPlan, SyncRun } from "./types.ts";

/**
 * Typing a provider's module against its own catalog entry: `defineProvider(definition, { syncs })`
 * takes one sync per sync type the definition declares, keyed by its id, so a sync type declared
 * but not implemented, or implemented but not declared, does not compile.
 */

/** The ids of the sync types a definition declares, as a union of literals. */
export type SyncTypeId<D extends ProviderDef> = D["syncTypes"][number]["id"];

/** The declaration of one sync type of a definition. */
export type SyncTypeOf<D extends ProviderDef, Id extends SyncTypeId<D>> = Extract<
  D["syncTypes"][number],
  { readonly id: Id }
>;

/** The params a run of a sync type carries: what its `params` schema lets through, else none. */
export type ParamsOf<S extends SyncTypeDef> = S extends { readonly params: infer P extends SyncParamsSchema }
  ? Readonly<z.output<P>>
  : Readonly<Record<never, string>>;

/** A run of one sync type: its id and params typed from the definition. */
export type SyncRunOf<D extends ProviderDef, Id extends SyncTypeId<D>> = Omit<
  SyncRun,
  "syncType" | "params"
> & {
  readonly syncType: Id;
  readonly params: ParamsOf<SyncTypeOf<D, Id>>;
};

/** What `plan` sees: a run of any of the definition's sync types, told apart by `syncType`. */
export type PlanRunOf<D extends ProviderDef> = {
  [Id in SyncTypeId<D>]: Omit<SyncRunOf<D, Id>, "fetch" | "pushed">;
}[SyncTypeId<D>];

/**
 * One sync type's implementation: fetches through `run.fetch`, maps rows to entities and yields
 * them a page at a time (an `async function*`), resuming after `run.checkpoint`.
 */
export type SyncOf<D extends ProviderDef, Id extends SyncTypeId<D>> = (
  run: SyncRunOf<D, Id>,
) => AsyncIterable<Page>;

/** One implementation per declared sync type, keyed by its id. */
export type SyncsOf<D extends ProviderDef> = { readonly [Id in SyncTypeId<D>]: SyncOf<D, Id> };

export interface ProviderImplementation<D extends ProviderDef, S extends SyncsOf<D> = SyncsOf<D>> {
  /**
   * Decides, before any call, whether a run has anything to do, and fills in derived
   * params (e.g. the live session's key). Absent: every run goes ahead with its params.
   */
  plan?(run: PlanRunOf<D>): Promise<RunPlan>;
  /** Keys besides the definition's sync-type ids are refused, even from an object built elsewhere. */
  readonly syncs: S & { readonly [Extra in Exclude<keyof S, SyncTypeId<D>>]: never };
}

/** A module built by {@link defineProvider}: a ProviderModule that also carries its definition. */
export interface DefinedProvider<D extends ProviderDef> extends ProviderModule {
  readonly id: D["id"];
  readonly definition: D;
}

/**
 * Without literal ids (a definition typed `: ProviderDef`), `syncs` could not be checked against
 * them: this type then asks for the `as const` the definition lacks.
 */
type LiteralIds<D extends ProviderDef> =
  string extends SyncTypeId<D>
    ? {
        readonly "declare the definition `as const satisfies ProviderDef`, so its sync-type ids are literals": never;
      }
    : unknown;

/**
 * A provider's module, typed against its catalog definition (declared `as const satisfies
 * ProviderDef`). Each run is checked against its sync type before the implementation sees it: an
 * unknown sync type is UnknownSyncError, params off the sync type's schema (including params a
 * `plan` filled in) ValidationError, so the typed params are what the schema promises.
 */
export function defineProvider<D extends ProviderDef, S extends SyncsOf<D>>(
  definition: D & LiteralIds<D>,
  implementation: ProviderImplementation<D, S>,
): DefinedProvider<D> {
  const syncTypes = new Map<string, SyncTypeDef>(definition.syncTypes.map((s) => [s.id, s]));
  const syncs = new Map(
    Object.entries(implementation.syncs as Record<string, (run: SyncRun) => AsyncIterable<Page>>),
  );

  function checked<R extends PlanRun>(run: R): R {
    const syncType = syncTypes.get(run.syncType);
    if (syncType === undefined)
      throw new UnknownSyncError(`${definition.id} has no sync type "${run.syncType}"`);
    const params = validateSyncParams(syncType, run.params);
    if (!params.ok) throw new ValidationError(params.problem);
    return { ...run, params: params.params };
  }

  const { plan } = implementation;
  return {
    id: definition.id,
    definition,
    ...(plan && {
      plan: async (run: PlanRun) => plan.call(implementation, checked(run) as PlanRunOf<D>),
    }),
    async *sync(run) {
      const typed = checked(run);
      const sync = syncs.get(typed.syncType);
      if (sync === undefined)
        throw new UnknownSyncError(`${definition.id} has no sync type "${typed.syncType}"`);
      yield* sync(typed);
    },
  };
}
