import type { ProviderDef } from "#catalog/types.ts";
import { RACE_ENTITY, type ResultRow } from "#providers/race/shapes.ts";
import type { Entity, EntityRef } from "#providers/types.ts";
import type { EntityWriter, SyncDone } from "../sync-job/types.ts";
import {
  eventNamespace,
  type RaceEventRecord,
  type RaceEventStore,
  resultsParamsOf,
  SCORING_RESULTS_SYNC,
} from "./types.ts";

/**
 * Results per Pacer event: after a scoring provider's `results` pull, the rows of the pulled event
 * are copied into the namespace of each Pacer event it scores (`events/<eventId>`, type `results`,
 * the same ids), so that they are broadcast on `events/<eventId>/results` and read by
 * `GET /events/{eventId}/results`. The copy mirrors the scoring provider's store: an unchanged row
 * writes nothing, and a row that store no longer holds for the event leaves the copy.
 */
export interface ResultsCopyDeps {
  readonly events: Pick<RaceEventStore, "list">;
  readonly entities: EntityWriter;
  readonly clock?: () => number;
}

export interface ResultsPulled {
  readonly tenantId: string;
  readonly connectionId: string;
  readonly provider: string;
  readonly jobId: string;
  /** The `results` sync's params: which scoring event was pulled. */
  readonly params: Readonly<Record<string, string>>;
}

export interface ResultsCopied {
  /** Pacer events whose copy was brought in step. */
  readonly events: number;
  readonly written: number;
  readonly unchanged: number;
  readonly removed: number;
}

/** The worker's `afterSync` for a scoring provider: a finished `results` pull is copied on. */
export function followResults(
  deps: ResultsCopyDeps,
  provider: Pick<ProviderDef, "id">,
): (done: SyncDone) => Promise<void> {
  return async (done) => {
    if (done.syncType !== SCORING_RESULTS_SYNC) return;
    await copyResults(deps, { ...done, provider: provider.id });
  };
}

/** Brings the results copy of every Pacer event the pull scores in step with the provider's store. */
export async function copyResults(deps: ResultsCopyDeps, pulled: ResultsPulled): Promise<ResultsCopied> {
  const scored = (await deps.events.list(pulled.tenantId)).filter((event) => scores(event, pulled));
  const copied = { events: scored.length, written: 0, unchanged: 0, removed: 0 };
  if (scored.length === 0) return copied;
  const ofPull = isRowOf(pulled.params);
  const rows = (await deps.entities.reader(pulled.tenantId, pulled.provider).list(RACE_ENTITY.results))
    .filter((entity) => ofPull(entity.data as Partial<ResultRow>))
    .map((entity): Entity => ({ type: RACE_ENTITY.results, id: entity.id, data: { ...entity.data } }));
  const now = new Date((deps.clock ?? Date.now)());
  for (const event of scored) {
    const scope = { tenantId: pulled.tenantId, provider: eventNamespace(event.eventId), jobId: pulled.jobId };
    const kept = new Set(rows.map((row) => row.id));
    const stored = await deps.entities.reader(pulled.tenantId, scope.provider).list(RACE_ENTITY.results);
    const gone: EntityRef[] = stored
      .filter((entity) => !kept.has(entity.id))
      .map((entity) => ({ type: RACE_ENTITY.results, id: entity.id }));
    const { written, unchanged } = await deps.entities.upsert(scope, rows, now);
    copied.written += written;
    copied.unchanged += unchanged;
    if (gone.length > 0) copied.removed += await deps.entities.remove(scope, gone);
  }
  return copied;
}

/**
 * `GET /events/{eventId}/results`: the event's copy of its scoring provider's results, by place
 * (unplaced last), then id. The caller checks that the event is the tenant's.
 */
export async function eventResults(
  entities: Pick<EntityWriter, "reader">,
  tenantId: string,
  eventId: string,
): Promise<ResultRow[]> {
  const stored = await entities.reader(tenantId, eventNamespace(eventId)).list(RACE_ENTITY.results);
  const unplaced = Number.MAX_SAFE_INTEGER;
  return stored
    .sort((a, b) => {
      const placeA = (a.data as Partial<ResultRow>).place ?? unplaced;
      const placeB = (b.data as Partial<ResultRow>).place ?? unplaced;
      return placeA - placeB || a.id.localeCompare(b.id);
    })
    .map((entity) => ({ ...(entity.data as ResultRow) }));
}

/** Whether the event is scored by the pulled connection and event (the params its results take). */
function scores(event: RaceEventRecord, pulled: ResultsPulled): boolean {
  if (event.scoring?.connectionId !== pulled.connectionId) return false;
  const mine = resultsParamsOf(event.scoring);
  const keys = Object.keys(mine);
  return (
    keys.length === Object.keys(pulled.params).length && keys.every((key) => mine[key] === pulled.params[key])
  );
}

/**
 * Which stored rows a pull with these params wrote. The scoring store holds every event's rows;
 * a row names its event by the id the pull was given — ChronoTrack's `eventId`, Copernico's race
 * slug (`raceId`), whose event name the row keeps as `raceName`.
 */
function isRowOf(params: Readonly<Record<string, string>>): (row: Partial<ResultRow>) => boolean {
  const eventId = params.eventId ?? params.raceId;
  const eventName = params.eventName;
  return (row) => row.eventId === eventId && (eventName === undefined || row.raceName === eventName);
}
