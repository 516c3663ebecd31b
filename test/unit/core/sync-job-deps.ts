import { findProvider } from "#catalog/index.ts";
import type { ConnectionRecord } from "#core/connections/types.ts";
import type { SyncJobDeps } from "#core/sync-job.ts";
import type { ProviderModule } from "#providers/types.ts";
import {
  MemoryConnections,
  MemoryEntities,
  MemoryJobs,
  MemoryQueue,
  MemoryState,
  ScriptedLimiter,
} from "./fakes.ts";

/**
 * What a sync-job unit test starts from: `module` run as the catalog's provider of its id, over
 * in-memory jobs (also the active-job index), entities, state and queue, on one clock, with no
 * sleeping. Tests change the fields they are about.
 */
export function memoryDeps(options: {
  readonly module: ProviderModule;
  readonly connections: readonly ConnectionRecord[];
  readonly clock: () => number;
  readonly fetchFor: SyncJobDeps["fetchFor"];
  readonly limiter?: ScriptedLimiter;
  readonly entities?: MemoryEntities;
}): { deps: SyncJobDeps; jobs: MemoryJobs; queue: MemoryQueue; entities: MemoryEntities } {
  const provider = findProvider(options.module.id);
  if (!provider) throw new Error(`${options.module.id} missing from catalog`);
  const jobs = new MemoryJobs();
  jobs.now = options.clock;
  const queue = new MemoryQueue();
  const entities = options.entities ?? new MemoryEntities();
  const deps: SyncJobDeps = {
    provider,
    module: options.module,
    jobs,
    activeJobs: jobs,
    entities,
    connections: new MemoryConnections(options.connections),
    state: new MemoryState(),
    queue,
    limiter: options.limiter ?? new ScriptedLimiter([], options.clock),
    fetchFor: options.fetchFor,
    metrics: { count: () => {} },
    clock: options.clock,
    sleep: async () => {},
  };
  return { deps, jobs, queue, entities };
}
